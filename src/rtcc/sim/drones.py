"""Drones as first responders: launched from a dock to urgent calls nearby, or sent by the center, then
home to charge.

A flight is planned in full at launch (climb, straight cruise, orbit over the scene, return, landing),
so telemetry is an evaluation of the plan at each ping: every 2 s in the air, every 60 s on the dock.
The docks launch on their own to urgent calls within range (``launch_on_urgent_calls``); a dispatch from
the center (:meth:`DroneFleet.dispatch`) sends the named drone wherever it is told.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from rtcc.domain.geo import bearing_deg, haversine_m
from rtcc.sim.assets import Drone
from rtcc.sim.cad import Dispatcher, Incident
from rtcc.sim.context import SimContext
from rtcc.sim.core import MINUTE, NS, derive_rng
from rtcc.sim.network import M_PER_DEG

RANGE_M = 4000.0
CRUISE_MPS = 16.0
ALTITUDE_M = 90.0
CLIMB_S = 15.0
ORBIT_M = 60.0
DRAIN_PER_S = 1.4 / 60  # battery percent per second in the air
CHARGE_PER_S = 2.5 / 60
MIN_LAUNCH_BATTERY = 50.0
# What the center registers for these drones: a full battery lasts until DRAIN_PER_S empties it.
MODEL = "simulated quadcopter"
MAX_FLIGHT_S = round(100.0 / DRAIN_PER_S)


@dataclass(slots=True)
class Flight:
    incident_id: str | None
    lat: float
    lon: float
    launch_ns: int
    depart_ns: int  # climbed, starts to cruise
    arrive_ns: int
    leave_ns: int
    home_ns: int  # back over the dock, starts to descend
    docked_ns: int
    battery_at_launch: float


@dataclass(slots=True)
class DroneState:
    drone: Drone
    battery: float
    battery_ns: int  # when ``battery`` was last brought up to date
    flight: Flight | None = None
    token: int = 0


class DroneFleet:
    def __init__(self, ctx: SimContext, dispatcher: Dispatcher) -> None:
        self.ctx = ctx
        # When off, only the center's dispatches launch drones.
        self.launch_on_urgent_calls = True
        self.rng = derive_rng(ctx.seed, "drones")
        self.states = [
            DroneState(d, self.rng.uniform(85.0, 100.0), ctx.start_ns) for d in ctx.registry.drones
        ]
        if not ctx.emitter.enabled("drones"):
            return
        dispatcher.on_urgent.append(self.request)
        for state in self.states:
            ctx.scheduler.at(
                ctx.start_ns + round(self.rng.uniform(0, 60) * NS), self._telemetry(state, state.token)
            )

    def _battery(self, state: DroneState, t_ns: int) -> float:
        """Charge on the dock since the last update (flights settle their own drain)."""
        if state.flight is None:
            dt = (t_ns - state.battery_ns) / NS
            state.battery = min(100.0, state.battery + dt * CHARGE_PER_S)
            state.battery_ns = t_ns
        return state.battery

    def request(self, incident: Incident, t_ns: int) -> None:
        """An urgent incident: send the nearest docked, charged drone in range, if there is one."""
        if not self.launch_on_urgent_calls:
            return
        candidates = []
        for state in self.states:
            d = haversine_m(state.drone.dock_lat, state.drone.dock_lon, incident.lat, incident.lon)
            if state.flight is None and d <= RANGE_M and self._battery(state, t_ns) >= MIN_LAUNCH_BATTERY:
                candidates.append((d, state.drone.id, state))
        if not candidates:
            return
        d, _, state = min(candidates)
        self._launch(
            state, incident.id, incident.lat, incident.lon, t_ns + round(self.rng.uniform(5, 20) * NS)
        )

    def dispatch(
        self, drone_id: str, lat: float, lon: float, incident_id: str | None, t_ns: int | None = None
    ) -> bool:
        """The center sends this drone to a point: it takes off a few seconds later (at simulated time
        ``t_ns``, default now), flies straight there, orbits, and comes home. Refused (False) when the
        drone is unknown or already flying; the center decides range and battery, the drone just goes."""
        t_ns = self.ctx.scheduler.now_ns if t_ns is None else t_ns
        state = next((s for s in self.states if s.drone.id == drone_id), None)
        if state is None or state.flight is not None:
            return False
        self._battery(state, t_ns)
        self._launch(state, incident_id, lat, lon, t_ns + round(self.rng.uniform(3, 10) * NS))
        return True

    def _launch(
        self, state: DroneState, incident_id: str | None, lat: float, lon: float, launch: int
    ) -> None:
        d = haversine_m(state.drone.dock_lat, state.drone.dock_lon, lat, lon)
        cruise = round(d / CRUISE_MPS * NS)
        depart = launch + round(CLIMB_S * NS)
        arrive = depart + cruise
        leave = arrive + round(self.rng.uniform(8, 15) * MINUTE)
        home = leave + cruise
        state.flight = Flight(
            incident_id,
            lat,
            lon,
            launch,
            depart,
            arrive,
            leave,
            home,
            home + round(CLIMB_S * NS),
            state.battery,
        )
        state.token += 1
        self.ctx.scheduler.at(launch, self._telemetry(state, state.token))

    def _telemetry(self, state: DroneState, token: int) -> Callable[[int], None]:
        def ping(t_ns: int) -> None:
            if state.token != token:
                return  # a launch replaced this chain of pings
            flight = state.flight
            if flight is not None and t_ns >= flight.docked_ns:
                state.battery = max(
                    0.0, flight.battery_at_launch - (flight.docked_ns - flight.launch_ns) / NS * DRAIN_PER_S
                )
                state.battery_ns = flight.docked_ns
                state.flight = flight = None
            if flight is None:
                self._emit(state, t_ns, state.drone.dock_lat, state.drone.dock_lon, 0.0, None, "docked", None)
                self.ctx.scheduler.at(t_ns + 60 * NS, ping)
                return
            self._emit_flight(state, flight, t_ns)
            self.ctx.scheduler.at(min(t_ns + 2 * NS, max(flight.docked_ns, t_ns + 1)), ping)

        return ping

    def _emit_flight(self, state: DroneState, f: Flight, t_ns: int) -> None:
        dock_lat, dock_lon = state.drone.dock_lat, state.drone.dock_lon
        battery = max(0.0, f.battery_at_launch - (t_ns - f.launch_ns) / NS * DRAIN_PER_S)
        state.battery, state.battery_ns = battery, t_ns
        out_bearing = bearing_deg(dock_lat, dock_lon, f.lat, f.lon)
        if t_ns < f.depart_ns:
            alt = ALTITUDE_M * (t_ns - f.launch_ns) / (f.depart_ns - f.launch_ns)
            self._emit(state, t_ns, dock_lat, dock_lon, alt, out_bearing, "launching", f.incident_id)
        elif t_ns < f.arrive_ns:
            k = (t_ns - f.depart_ns) / max(1, f.arrive_ns - f.depart_ns)
            lat, lon = dock_lat + (f.lat - dock_lat) * k, dock_lon + (f.lon - dock_lon) * k
            self._emit(state, t_ns, lat, lon, ALTITUDE_M, out_bearing, "flying", f.incident_id)
        elif t_ns < f.leave_ns:
            # Orbit the scene so the camera keeps it in view from every side.
            ang = 2 * math.pi * ((t_ns - f.arrive_ns) / NS) / (2 * math.pi * ORBIT_M / 8.0)
            lat = f.lat + ORBIT_M * math.cos(ang) / M_PER_DEG
            lon = f.lon + ORBIT_M * math.sin(ang) / (M_PER_DEG * math.cos(math.radians(f.lat)))
            heading = (math.degrees(ang) + 90.0) % 360.0
            self._emit(state, t_ns, lat, lon, ALTITUDE_M, heading, "flying", f.incident_id)
        elif t_ns < f.home_ns:
            k = (t_ns - f.leave_ns) / max(1, f.home_ns - f.leave_ns)
            lat, lon = f.lat + (dock_lat - f.lat) * k, f.lon + (dock_lon - f.lon) * k
            self._emit(state, t_ns, lat, lon, ALTITUDE_M, (out_bearing + 180.0) % 360.0, "returning", None)
        else:
            alt = ALTITUDE_M * max(0.0, 1 - (t_ns - f.home_ns) / max(1, f.docked_ns - f.home_ns))
            self._emit(state, t_ns, dock_lat, dock_lon, alt, (out_bearing + 180.0) % 360.0, "returning", None)

    def _emit(
        self,
        state: DroneState,
        t_ns: int,
        lat: float,
        lon: float,
        alt: float,
        heading: float | None,
        mode: str,
        incident_id: str | None,
    ) -> None:
        self.ctx.emitter.emit(
            "drones",
            "drone.telemetry",
            t_ns,
            lat,
            lon,
            {
                "drone_id": state.drone.id,
                "altitude_m": round(alt, 1),
                "heading_deg": None if heading is None else round(heading, 1) % 360.0,
                "battery_pct": round(self._battery(state, t_ns), 1),
                "state": mode,
                "incident_id": incident_id,
            },
        )

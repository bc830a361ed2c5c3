"""The live gunshot engine: pulses in, alerts out, within a second of the pulses that locate a shot.

Pulses are buffered per agency. Shortly after pulses stop arriving (or at the latest half a second after the
first unprocessed one) the recent window is grouped and located again; shots not seen before join an
incident (rounds at one place within seconds), and the incident's alert is raised or updated with its
position, uncertainty, round count, the cameras that can see the spot (with pan and tilt for PTZ cameras),
the nearest units, and a new SHOOT call for dispatch. The same grouping and location as `rtcc gunshot
locate` are used, so what operators see can be reproduced from the stored pulses for evidence.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from rtcc.domain.events import GUNSHOT_PULSE, SENSOR_HEARTBEAT, Event
from rtcc.domain.geo import haversine_m
from rtcc.domain.ports import EventBus, SceneDirectory
from rtcc.engines.gunshot.geometry import camera_view
from rtcc.engines.gunshot.locate import (
    DEFAULT_TEMPERATURE_C,
    Incident,
    LocatedShot,
    SensorPulse,
    group_incidents,
    locate,
)

log = structlog.get_logger(__name__)
Emit = Callable[[str, list[dict[str, Any]]], Awaitable[Any]]

CAMERA_SEARCH_M = 600.0
NEAREST_UNITS = 5
AVAILABLE = {"available", "en_route", "dispatched"}


@dataclass
class _AgencyState:
    pulses: dict[str, SensorPulse] = field(default_factory=dict)
    shots: list[LocatedShot] = field(default_factory=list)
    reported: dict[str, int] = field(default_factory=dict)  # incident id -> rounds last reported
    newest_ns: int = 0


def incident_id(incident: Incident) -> str:
    return f"GS-{incident.shots[0].t0_ns // 1_000_000}"


def same_shot(a: LocatedShot, b: LocatedShot) -> bool:
    """Two fixes of one shot: the window is located again as pulses arrive, in a frame that moves with it."""
    if abs(a.t0_ns - b.t0_ns) >= 50_000_000:
        return False
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return math.dist(a.xyz[:2], b.xyz[:2]) < 50
    return haversine_m(a.lat, a.lon, b.lat, b.lon) < 50


class GunshotEngine:
    def __init__(
        self,
        bus: EventBus,
        emit: Emit,
        scene: SceneDirectory,
        *,
        default_temperature_c: float = DEFAULT_TEMPERATURE_C,
        settle_s: float = 0.2,
        max_wait_s: float = 0.5,
        window_s: float = 15.0,
    ):
        self.sub = bus.subscribe([GUNSHOT_PULSE.name, SENSOR_HEARTBEAT.name], maxsize=100_000)
        self.emit = emit
        self.scene = scene
        self.default_temperature_c = default_temperature_c
        self.settle_s = settle_s
        self.max_wait_s = max_wait_s
        self.window_ns = int(window_s * 1e9)
        self.temperatures: dict[str, float] = {}
        self.state: dict[str, _AgencyState] = defaultdict(_AgencyState)
        self.calls_made: set[str] = set()
        self.alerts_raised = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            dirty = self.take(await self.sub.get_many(5000))
            first = loop.time()
            # Wait for the rest of the burst: each sensor's pulse arrives a few milliseconds apart.
            while dirty and loop.time() - first < self.max_wait_s:
                try:
                    async with asyncio.timeout(self.settle_s):
                        dirty |= self.take(await self.sub.get_many(5000))
                except TimeoutError:
                    break
            for agency_id in dirty:
                try:
                    await self.process(agency_id)
                except Exception as exc:  # one bad window must not stop gunshot detection
                    log.error("gunshot_processing_failed", agency=agency_id, error=str(exc))

    def take(self, events: list[Event]) -> set[str]:
        """Buffer pulses and note temperatures; returns the agencies with new pulses."""
        dirty: set[str] = set()
        for event in events:
            try:
                dirty |= self._take_one(event)
            except Exception as exc:  # a malformed stored event must not stop gunshot detection
                log.error("gunshot_event_skipped", event_id=event.id, error=str(exc))
        return dirty

    def _take_one(self, event: Event) -> set[str]:
        if event.type == SENSOR_HEARTBEAT.name:
            beat = SENSOR_HEARTBEAT.payload(event)
            if beat.temperature_c is not None:
                self.temperatures[beat.sensor_id] = beat.temperature_c
            return set()
        pulse = GUNSHOT_PULSE.payload(event)
        if pulse.temperature_c is not None:
            self.temperatures[pulse.sensor_id] = pulse.temperature_c
        if event.location is None:
            raise ValueError("a pulse without the sensor's position")
        # Nanoseconds when the sensor gave them; the stored time keeps microseconds.
        arrival_ns = pulse.arrival_ns or round(event.occurred_at.timestamp() * 1e6) * 1000
        state = self.state[event.agency_id]
        loc = event.location
        state.pulses[event.id] = SensorPulse(
            event.id, pulse.sensor_id, arrival_ns, loc.lat, loc.lon, pulse.elevation_m
        )
        state.newest_ns = max(state.newest_ns, arrival_ns)
        return {event.agency_id}

    def temperature(self, sensor_ids: set[str]) -> float:
        known = sorted(self.temperatures[s] for s in sensor_ids if s in self.temperatures)
        return known[len(known) // 2] if known else self.default_temperature_c

    async def process(self, agency_id: str) -> list[dict[str, Any]]:
        """Locate the recent window and raise or update alerts. Returns the alerts emitted."""
        state = self.state[agency_id]
        pulses = list(state.pulses.values())
        temperature = self.temperature({p.sensor_id for p in pulses})
        shots, _ = await asyncio.to_thread(locate, pulses, temperature_c=temperature)
        changed = False
        for shot in shots:
            known = next((i for i, s in enumerate(state.shots) if same_shot(s, shot)), None)
            if known is None:
                state.shots.append(shot)
                changed = True
            elif shot.sensor_count > state.shots[known].sensor_count:
                state.shots[known] = shot  # more sensors have now reported: a better fix
        # Forget what no new pulse can still belong to. Pruning after locating, not before, keeps a burst
        # that spans minutes (a backlog after a network outage) from losing its earlier shots.
        horizon = state.newest_ns - self.window_ns
        state.pulses = {k: p for k, p in state.pulses.items() if p.arrival_ns >= horizon}
        if not changed:
            state.shots = [s for s in state.shots if s.t0_ns >= horizon - self.window_ns]
            return []
        emitted = []
        for incident in group_incidents(state.shots):
            iid = incident_id(incident)
            if state.reported.get(iid) == incident.rounds:
                continue
            state.reported[iid] = incident.rounds
            items = await asyncio.to_thread(self.alert_items, agency_id, incident, temperature)
            await self.emit(agency_id, items)
            emitted.extend(items)
            self.alerts_raised += 1
        state.shots = [s for s in state.shots if s.t0_ns >= horizon - self.window_ns]
        return emitted

    def alert_items(self, agency_id: str, incident: Incident, temperature_c: float) -> list[dict[str, Any]]:
        """The alert (and on first sight the SHOOT call) for an incident, as native envelopes."""
        best = incident.best
        assert best.lat is not None and best.lon is not None
        iid = incident_id(incident)
        first = incident.shots[0]
        cameras = self.cameras_for(agency_id, best.lat, best.lon)
        units = self.nearest_units(agency_id, best.lat, best.lon)
        rounds = incident.rounds
        what = {
            "single gunshot": "Single gunshot",
            "multiple gunshots": f"Multiple gunshots ({rounds} rounds)",
        }
        title = what.get(
            incident.classification, f"Probable gunfire ({rounds} impulse{'s' if rounds > 1 else ''})"
        )
        radius = best.uncertainty["radius_90_m"]
        location = {"lat": round(best.lat, 7), "lon": round(best.lon, 7), "accuracy_m": radius}
        detail: dict[str, Any] = {
            "incident_id": iid,
            "call_id": iid,
            "agency_id": agency_id,
            "classification": incident.classification,
            "rounds": rounds,
            "first_shot_at": first.time.isoformat(),
            "uncertainty": best.uncertainty,
            "warnings": sorted({w for s in incident.shots for w in s.warnings}),
            "sensor_count": best.sensor_count,
            "sensors": best.sensor_ids,
            # Sensor health found while locating (a clock off by tens of milliseconds): named, with the
            # offset that was removed from its times, so the sensor can be looked at.
            "clock_offsets": {sensor: o for s in incident.shots for sensor, o in s.clock_offsets.items()},
            "temperature_c": round(temperature_c, 1),
            "shots": [
                {
                    "time": s.time.isoformat(),
                    "lat": round(s.lat or 0.0, 7),
                    "lon": round(s.lon or 0.0, 7),
                    "radius_90_m": s.uncertainty["radius_90_m"],
                    "sensor_count": s.sensor_count,
                    "sensors": s.sensor_ids,
                    "pulse_ids": s.pulse_ids,
                }
                for s in incident.shots
            ],
            "cameras": cameras,
            "ptz_commands": [
                {
                    "camera_id": c["camera_id"],
                    "command": "AbsoluteMove",
                    "pan_deg": c["pan_deg"],
                    "tilt_deg": c["tilt_deg"],
                }
                for c in cameras
                if c["ptz"]
            ],
            "units": units,
        }
        severity = "critical" if incident.classification == "multiple gunshots" else "high"
        items: list[dict[str, Any]] = [
            {
                "id": f"{iid}-r{rounds}",
                "type": "alert.raised",
                "occurred_at": first.time.isoformat(),
                "location": location,
                "payload": {
                    "alert_id": iid,
                    "kind": "gunshot",
                    "severity": severity,
                    "title": f"{title}, located within {radius:.0f} m",
                    "detail": detail,
                },
            }
        ]
        if iid not in self.calls_made:
            self.calls_made.add(iid)
            items.append(
                {
                    "id": f"{iid}-call",
                    "type": "call.received",
                    "occurred_at": first.time.isoformat(),
                    "location": location,
                    "payload": {
                        "call_id": iid,
                        "call_type": "SHOOT",
                        "priority": "highest",
                        "description": f"Gunshot detection: {title.lower()}, located within {radius:.0f} m "
                        f"by {best.sensor_count} sensors",
                    },
                }
            )
        return items

    def cameras_for(self, agency_id: str, lat: float, lon: float) -> list[dict[str, Any]]:
        views: list[dict[str, Any]] = []
        for cam in self.scene.cameras_near(agency_id, lat, lon, CAMERA_SEARCH_M):
            if cam.status != "up":
                continue
            view = camera_view(
                cam.id,
                cam.lat,
                cam.lon,
                lat,
                lon,
                heading_deg=cam.heading_deg,
                fov_deg=cam.fov_deg,
                range_m=cam.range_m,
                ptz=cam.ptz,
                mount_height_m=cam.mount_height_m,
            )
            if view.in_view:
                views.append(
                    {
                        "camera_id": cam.id,
                        "name": cam.name,
                        "kind": cam.kind.value,
                        "distance_m": round(view.distance_m, 1),
                        "ptz": view.ptz,
                        "pan_deg": view.pan_deg,
                        "tilt_deg": view.tilt_deg,
                    }
                )
        views.sort(key=lambda v: v["distance_m"])
        return views[:10]

    def nearest_units(self, agency_id: str, lat: float, lon: float) -> list[dict[str, Any]]:
        ranked: list[dict[str, Any]] = []
        for unit in self.scene.units(agency_id=agency_id):
            if unit.lat is None or unit.lon is None or unit.status.value not in AVAILABLE:
                continue
            ranked.append(
                {
                    "unit_id": unit.unit_id,
                    "status": unit.status.value,
                    "distance_m": round(haversine_m(lat, lon, unit.lat, unit.lon), 1),
                }
            )
        ranked.sort(key=lambda u: u["distance_m"])
        return ranked[:NEAREST_UNITS]

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.sub.close()

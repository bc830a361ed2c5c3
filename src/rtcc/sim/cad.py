"""911 calls and the CAD incidents they become, from the first ring to "cleared".

Calls arrive as a Poisson process whose rate follows the daily rhythm of police calls for service
(fewest around 5 a.m., most in the evening). Each call lands at a real street of the city, often near
one of a few hot spots, and is dispatched to the nearest available unit after a delay that depends on its
priority. Traffic stops are officer-initiated: they start on scene, without a call-taker or dispatcher.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rtcc.domain.vocab import IncidentStatus, IncidentType, Priority, UnitStatus
from rtcc.sim.context import SimContext
from rtcc.sim.core import HOUR, MINUTE, NS, derive_rng, from_ns, hourly_profile, local_hour
from rtcc.sim.descriptions import DESCRIPTIONS, DISPOSITIONS
from rtcc.sim.network import StreetAddress, StreetName
from rtcc.sim.units import Fleet, UnitState

CALLS_PER_HOUR = 22.0  # at scale 1, averaged over the day
# Relative call volume by local hour, shaped like municipal calls-for-service data.
CALL_PROFILE = (
    1.00,
    0.85,
    0.72,
    0.58,
    0.46,
    0.40,
    0.45,
    0.60,
    0.80,
    0.90,
    0.95,
    1.00,
    1.05,
    1.10,
    1.15,
    1.20,
    1.30,
    1.35,
    1.40,
    1.45,
    1.45,
    1.40,
    1.30,
    1.15,
)
PROFILE_MAX = max(CALL_PROFILE)
PROFILE_MEAN = sum(CALL_PROFILE) / len(CALL_PROFILE)


@dataclass(frozen=True, slots=True)
class CallKind:
    type: IncidentType
    share: float
    priority: Priority
    on_scene_min: float  # median minutes on scene
    units: int


CALL_MIX: tuple[CallKind, ...] = (
    CallKind(IncidentType.SHOOT, 0.015, Priority.HIGHEST, 60, 2),
    CallKind(IncidentType.WEAPON, 0.03, Priority.HIGH, 35, 2),
    CallKind(IncidentType.ROBBERY, 0.03, Priority.HIGH, 45, 2),
    CallKind(IncidentType.ASSAULT, 0.06, Priority.HIGH, 40, 2),
    CallKind(IncidentType.DVA, 0.06, Priority.HIGH, 45, 2),
    CallKind(IncidentType.MEDICAL, 0.04, Priority.HIGH, 20, 1),
    CallKind(IncidentType.MISSING, 0.01, Priority.HIGH, 50, 1),
    CallKind(IncidentType.FIRE, 0.01, Priority.HIGH, 25, 1),
    CallKind(IncidentType.BURGLARY, 0.07, Priority.NORMAL, 40, 1),
    CallKind(IncidentType.VEHSTLN, 0.04, Priority.NORMAL, 30, 1),
    CallKind(IncidentType.SUSP, 0.10, Priority.NORMAL, 20, 1),
    CallKind(IncidentType.DISTURB, 0.10, Priority.NORMAL, 20, 1),
    CallKind(IncidentType.TRAFFIC, 0.09, Priority.NORMAL, 35, 1),
    CallKind(IncidentType.ALARM, 0.08, Priority.NORMAL, 15, 1),
    CallKind(IncidentType.WELFARE, 0.06, Priority.NORMAL, 25, 1),
    CallKind(IncidentType.THEFT, 0.10, Priority.LOW, 30, 1),
    CallKind(IncidentType.VANDAL, 0.03, Priority.LOW, 25, 1),
    CallKind(IncidentType.NOISE, 0.05, Priority.LOWEST, 10, 1),
    CallKind(IncidentType.OTHER, 0.035, Priority.LOW, 20, 1),
)
KIND_BY_TYPE = {k.type: k for k in CALL_MIX}
TRAFFIC_STOP = CallKind(IncidentType.TSTOP, 0.0, Priority.LOW, 14, 1)
STOPS_PER_UNIT_HOUR = 0.12

# Seconds from the call to the incident being created, and from then to dispatch, by priority.
TAKE_S = {
    Priority.HIGHEST: (20, 45),
    Priority.HIGH: (30, 90),
    Priority.NORMAL: (45, 150),
    Priority.LOW: (60, 240),
    Priority.LOWEST: (60, 240),
}
QUEUE_S = {
    Priority.HIGHEST: (10, 40),
    Priority.HIGH: (30, 120),
    Priority.NORMAL: (60, 360),
    Priority.LOW: (180, 900),
    Priority.LOWEST: (300, 1500),
}
URGENT = (Priority.HIGHEST, Priority.HIGH)

# lat, lon, CivicAddress dict, and the place units drive to: (edge, fraction) or (junction, None).
CallPlace = tuple[float, float, dict[str, Any], tuple[int, float | None]]


@dataclass(slots=True)
class Incident:
    id: str
    call_id: str
    kind: CallKind
    priority: Priority
    lat: float
    lon: float
    address: dict[str, Any]
    target: tuple[int, float | None]  # (edge, fraction) of an address, or (junction, None)
    status: IncidentStatus = IncidentStatus.RECEIVED
    units: list[UnitState] = field(default_factory=list)


def civic(street: StreetName, hno: str | None = None, text: str | None = None) -> dict[str, Any]:
    """A CivicAddress dict; empty parts are left out."""
    line = text or f"{hno} {street.text}"
    parts = {
        "country": "US",
        "a1": "OH",
        "a3": "Columbus",
        "prd": street.prd,
        "rd": street.rd,
        "sts": street.sts,
        "hno": hno,
        "text": f"{line}, Columbus, OH",
    }
    return {k: v for k, v in parts.items() if v}


class Dispatcher:
    """Takes calls, creates incidents, assigns units and walks each incident to cleared."""

    def __init__(self, ctx: SimContext, fleet: Fleet) -> None:
        self.ctx = ctx
        self.fleet = fleet
        self.rng = derive_rng(ctx.seed, "cad")
        self.year = from_ns(ctx.start_ns).year % 100
        self.calls = 0
        self.incidents: dict[str, Incident] = {}
        self.on_urgent: list[Callable[[Incident, int], None]] = []  # drones listen here
        # Addresses that keep calling (the households of the records on file): a share of calls comes from
        # them, as repeat calls for service do. Empty unless the demo loads records.
        self.repeat_places: list[CallPlace] = []
        self.rate_max = CALLS_PER_HOUR * ctx.scale * PROFILE_MAX / PROFILE_MEAN
        net = ctx.net
        # Hot spots: the gunshot-sensor neighbourhoods and a few busy intersections.
        arterial = net.class_ranks({"primary", "secondary"})
        busy = [ix for ix in net.intersections if int(net.node_class[ix.node]) in arterial]
        self.hot_spots = [(a.lat, a.lon) for a in ctx.registry.sensor_arrays]
        self.hot_spots += [(ix.lat, ix.lon) for ix in self.rng.sample(busy, min(5, len(busy)))]
        ctx.scheduler.at(ctx.start_ns + self._gap(), self._random_call)
        stops_rate = STOPS_PER_UNIT_HOUR * len(ctx.registry.units)
        if stops_rate > 0:
            self.stop_gap = HOUR / stops_rate
            ctx.scheduler.at(
                ctx.start_ns + round(self.rng.expovariate(1.0) * self.stop_gap), self._traffic_stop
            )

    def _gap(self) -> int:
        return round(self.rng.expovariate(self.rate_max) * HOUR)

    # New calls ---------------------------------------------------------------------------------------

    def _random_call(self, t_ns: int) -> None:
        # Thinning: candidates come at the peak rate and are kept in proportion to the hour's rate.
        self.ctx.scheduler.at(t_ns + self._gap(), self._random_call)
        if self.rng.random() * PROFILE_MAX > hourly_profile(CALL_PROFILE, local_hour(t_ns)):
            return
        kind = self.rng.choices(CALL_MIX, [k.share for k in CALL_MIX])[0]
        self.new_call(t_ns, kind.type)

    def pick_location(self, near: tuple[float, float] | None = None) -> CallPlace:
        """Where a call comes from: a house, an intersection, or one of the extract's tagged addresses.

        Without ``near``, most calls cluster around the hot spots, as calls for service do.
        """
        net, rng = self.ctx.net, self.rng
        roll = rng.random()
        if near is None and roll < 0.03 and net.tagged_addresses:
            lat, lon, hno, street = rng.choice(net.tagged_addresses)
            return lat, lon, civic(street, hno), (net.nearest_node(lat, lon), None)
        if near is None and roll < 0.2:
            ix = rng.choice(net.intersections)
            return ix.lat, ix.lon, civic(ix.street_a, text=ix.name), (ix.node, None)
        if near is None and roll < 0.6:
            near = rng.choice(self.hot_spots)
        elif near is None and roll < 0.8 and self.repeat_places:
            return rng.choice(self.repeat_places)
        addr: StreetAddress = net.random_address(rng, near, 700.0) if near else net.random_address(rng)
        return addr.lat, addr.lon, civic(addr.street, str(addr.hno)), (addr.edge, addr.fraction)

    def new_call(
        self,
        t_ns: int,
        call_type: IncidentType,
        near: tuple[float, float] | None = None,
        description: str | None = None,
    ) -> str:
        """A 911 call arrives now; returns its call id. Used by other processes too (shots heard)."""
        rng = self.rng
        kind = KIND_BY_TYPE[call_type]
        priority = kind.priority
        if priority is Priority.NORMAL and rng.random() < 0.1:
            priority = Priority.HIGH  # the caller says someone is hurt, or it is still happening
        self.calls += 1
        call_id = f"911-{self.year:02d}-{self.calls:06d}"
        lat, lon, address, target = self.pick_location(near)
        text = description or rng.choice(DESCRIPTIONS[call_type])
        phone = (
            f"{rng.choice(('614', '380'))}-555-01{rng.randrange(100):02d}" if rng.random() < 0.93 else None
        )
        self.ctx.emitter.emit(
            "cad",
            "call.received",
            t_ns,
            lat,
            lon,
            {
                "call_id": call_id,
                "call_type": call_type.value,
                "priority": priority.value,
                "description": text,
                "caller_phone": phone,
            },
            address,
        )
        incident = Incident(
            f"INC-{self.year:02d}-{self.calls:06d}", call_id, kind, priority, lat, lon, address, target
        )
        lo, hi = TAKE_S[priority]
        self.ctx.scheduler.at(t_ns + round(rng.uniform(lo, hi) * NS), lambda t: self._create(incident, t))
        return call_id

    def _traffic_stop(self, t_ns: int) -> None:
        self.ctx.scheduler.at(t_ns + round(self.rng.expovariate(1.0) * self.stop_gap), self._traffic_stop)
        free = self.fleet.available()
        if not free:
            return
        net, rng = self.ctx.net, self.rng
        unit = rng.choice(free)
        duration = round(rng.lognormvariate(math.log(TRAFFIC_STOP.on_scene_min), 0.4) * MINUTE)
        node = self.fleet.stop_at_next_junction(unit, t_ns, duration)
        lat, lon = float(net.node_lat[node]), float(net.node_lon[node])
        edges = [a[0] for a in net.out_arcs[node] if net.edge_hno_from[a[0]] > 0 and net.edge_name[a[0]] >= 0]
        if edges:
            edge = edges[0]
            at_from = int(net.edge_from[edge]) == node
            hno = int(net.edge_hno_from[edge] if at_from else net.edge_hno_to[edge])
            street = net.street_name(edge)
            assert street is not None
            address = civic(street, str(hno - hno % 100) if hno >= 100 else str(hno))
        else:
            address = {"country": "US", "a1": "OH", "a3": "Columbus"}
        self.calls += 1
        call_id = f"911-{self.year:02d}-{self.calls:06d}"
        self.ctx.emitter.emit(
            "cad",
            "call.received",
            t_ns,
            lat,
            lon,
            {
                "call_id": call_id,
                "call_type": IncidentType.TSTOP.value,
                "priority": Priority.LOW.value,
                "description": f"Officer-initiated traffic stop by {unit.unit.id}: "
                + rng.choice(DESCRIPTIONS[IncidentType.TSTOP]),
            },
            address,
        )
        incident = Incident(
            f"INC-{self.year:02d}-{self.calls:06d}",
            call_id,
            TRAFFIC_STOP,
            Priority.LOW,
            lat,
            lon,
            address,
            (node, None),
            IncidentStatus.RECEIVED,
            [unit],
        )
        self.incidents[incident.id] = incident
        self._incident_status(incident, t_ns, None)
        self.fleet.set_status(unit, UnitStatus.ON_SCENE, t_ns, incident.id)
        incident.status = IncidentStatus.ON_SCENE
        self._incident_status(incident, t_ns, unit.unit.id)
        self.ctx.scheduler.at(t_ns + duration, lambda t: self._clear(incident, t))

    # The incident's life ----------------------------------------------------------------------------

    def _incident_status(
        self, incident: Incident, t_ns: int, unit_id: str | None, disposition: str | None = None
    ) -> None:
        self.ctx.emitter.emit(
            "cad",
            "incident.status",
            t_ns,
            incident.lat,
            incident.lon,
            {
                "incident_id": incident.id,
                "call_id": incident.call_id,
                "status": incident.status.value,
                "unit_id": unit_id,
                "incident_type": incident.kind.type.value,
                "priority": incident.priority.value,
                "disposition": disposition,
            },
            incident.address,
        )

    def _advance(self, incident: Incident, status: IncidentStatus, t_ns: int, unit_id: str | None) -> None:
        """Move the incident forward; a second unit catching up with the first changes nothing."""
        order = list(IncidentStatus)
        if order.index(status) > order.index(incident.status):
            incident.status = status
            self._incident_status(incident, t_ns, unit_id)

    def _create(self, incident: Incident, t_ns: int) -> None:
        self.incidents[incident.id] = incident
        self._incident_status(incident, t_ns, None)
        lo, hi = QUEUE_S[incident.priority]
        self.ctx.scheduler.at(
            t_ns + round(self.rng.uniform(lo, hi) * NS), lambda t: self._dispatch(incident, t)
        )
        if incident.priority in URGENT:
            for listener in self.on_urgent:
                listener(incident, t_ns)

    def _dispatch(self, incident: Incident, t_ns: int) -> None:
        free = self.fleet.available()
        if not free:  # everyone is busy: the call waits in the queue
            self.ctx.scheduler.at(t_ns + MINUTE, lambda t: self._dispatch(incident, t))
            return
        net = self.ctx.net
        # The incident belongs to the district of the nearest beat; units from there are preferred.
        home = min(
            self.ctx.registry.units,
            key=lambda u: net.distance_m(u.home_lat, u.home_lon, incident.lat, incident.lon),
        )

        def cost(s: UnitState) -> float:
            fix = self.fleet.fix(s, t_ns)
            d = net.distance_m(fix.lat, fix.lon, incident.lat, incident.lon)
            return d * (1.0 if s.unit.district == home.district else 1.3)

        chosen = sorted(free, key=cost)[: incident.kind.units]
        for state in chosen:
            incident.units.append(state)
            self.fleet.set_status(state, UnitStatus.DISPATCHED, t_ns, incident.id)
            self._advance(incident, IncidentStatus.DISPATCHED, t_ns, state.unit.id)
            delay = round(self.rng.uniform(10, 60) * NS)
            self.ctx.scheduler.at(t_ns + delay, self._en_route_later(incident, state))

    def _en_route_later(self, incident: Incident, state: UnitState) -> Callable[[int], None]:
        return lambda t: self._en_route(incident, state, t)

    def _en_route(self, incident: Incident, state: UnitState, t_ns: int) -> None:
        if state.incident_id != incident.id:
            return
        self.fleet.set_status(state, UnitStatus.EN_ROUTE, t_ns, incident.id)
        self._advance(incident, IncidentStatus.EN_ROUTE, t_ns, state.unit.id)
        urgent = incident.priority in URGENT
        self.fleet.drive_to(state, t_ns, incident.target, urgent, lambda t: self._arrive(incident, state, t))

    def _arrive(self, incident: Incident, state: UnitState, t_ns: int) -> None:
        if state.incident_id != incident.id or incident.status is IncidentStatus.CLEARED:
            return
        self.fleet.set_status(state, UnitStatus.ON_SCENE, t_ns, incident.id)
        if incident.status is not IncidentStatus.ON_SCENE:
            self._advance(incident, IncidentStatus.ON_SCENE, t_ns, state.unit.id)
            minutes = self.rng.lognormvariate(math.log(incident.kind.on_scene_min), 0.5)
            self.ctx.scheduler.at(t_ns + round(minutes * MINUTE), lambda t: self._clear(incident, t))

    def _clear(self, incident: Incident, t_ns: int) -> None:
        incident.status = IncidentStatus.CLEARED
        disposition = self.rng.choice(DISPOSITIONS.get(incident.kind.type, DISPOSITIONS[IncidentType.OTHER]))
        self._incident_status(
            incident, t_ns, incident.units[0].unit.id if incident.units else None, disposition
        )
        for state in incident.units:
            if state.incident_id == incident.id:
                self.fleet.release(state, t_ns)
        del self.incidents[incident.id]

"""Patrol units: where they drive, what status they are in, and their AVL pings.

An available unit wanders its beat on real streets, sometimes parking for a few minutes. A dispatched
unit drives the fastest route to its call, faster than the limit when the call is urgent. Positions are
computed from each unit's current :class:`Trip` only when a ping is due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rtcc.domain.vocab import UnitStatus
from rtcc.sim.assets import Unit
from rtcc.sim.context import SimContext
from rtcc.sim.core import HOUR, MINUTE, NS, derive_rng
from rtcc.sim.movement import Fix, Trip
from rtcc.sim.network import Polyline

BEAT_RADIUS_M = 1800.0
PING_MIN_S, PING_MAX_S = 10.0, 15.0
MEAN_BREAK_GAP = 6 * HOUR  # meal breaks, fuelling, reports at the station


@dataclass(slots=True)
class UnitState:
    unit: Unit
    status: UnitStatus
    trip: Trip
    came_by: int = -1  # the last edge driven on patrol, so the next pick is not a U-turn
    incident_id: str | None = None
    token: int = 0  # bumped on every new assignment, so stale arrival callbacks do nothing


class Fleet:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.rng = derive_rng(ctx.seed, "units")
        self.states: list[UnitState] = []
        t0 = ctx.start_ns
        for unit in ctx.registry.units:
            hold = round(self.rng.uniform(0, 4) * MINUTE)
            trip = Trip.stop(unit.home_lat, unit.home_lon, unit.home_node, t0, hold, self.rng.uniform(0, 360))
            state = UnitState(unit, UnitStatus.AVAILABLE, trip)
            self.states.append(state)
            self._emit_status(state, t0)
            if ctx.emitter.enabled("avl"):
                ctx.scheduler.at(t0 + round(self.rng.uniform(0, PING_MAX_S) * NS), self._pinger(state))
            ctx.scheduler.at(t0 + round(self.rng.expovariate(1.0) * MEAN_BREAK_GAP), self._break(state))

    # Where a unit is ---------------------------------------------------------------------------------

    def fix(self, state: UnitState, t_ns: int) -> Fix:
        if state.status in (UnitStatus.AVAILABLE, UnitStatus.DISPATCHED):
            while state.trip.end_ns <= t_ns:
                self._continue_patrol(state, state.trip.end_ns)
        return state.trip.fix(t_ns)

    def _continue_patrol(self, state: UnitState, t_ns: int) -> None:
        """Start the next stretch of patrol from wherever the unit's trip leaves it at ``t_ns``."""
        self._patrol_from(state, state.trip.remainder_to_junction(t_ns), t_ns)

    def _patrol_from(self, state: UnitState, prefix: Polyline, t_ns: int) -> None:
        net, rng = self.ctx.net, self.rng
        node = prefix.junctions[len(prefix.lats) - 1]
        heading = state.trip.end_heading
        if rng.random() < 0.2:  # park: a report, a business check, watching an intersection
            hold = round(rng.uniform(2, 12) * MINUTE)
            state.trip = Trip(prefix, t_ns, 0.7, heading, hold)
            return
        steps = net.random_walk(
            node,
            rng,
            rng.randint(6, 16),
            state.came_by,
            (state.unit.home_lat, state.unit.home_lon),
            BEAT_RADIUS_M,
        )
        prefix.extend(net.polyline(node, steps))
        state.came_by = steps[-1][0] if steps else -1
        state.trip = Trip(prefix, t_ns, rng.uniform(0.55, 0.8), heading)

    # Pings and statuses --------------------------------------------------------------------------------

    def _pinger(self, state: UnitState) -> Callable[[int], None]:
        def ping(t_ns: int) -> None:
            fix = self.fix(state, t_ns)
            self.ctx.emitter.emit(
                "avl",
                "unit.location",
                t_ns,
                fix.lat,
                fix.lon,
                {
                    "unit_id": state.unit.id,
                    "heading_deg": round(fix.heading_deg, 1) % 360.0,
                    "speed_mps": round(fix.speed_mps, 1),
                },
            )
            self.ctx.scheduler.at(t_ns + round(self.rng.uniform(PING_MIN_S, PING_MAX_S) * NS), ping)

        return ping

    def _emit_status(self, state: UnitState, t_ns: int) -> None:
        fix = state.trip.fix(t_ns)
        self.ctx.emitter.emit(
            "avl",
            "unit.status",
            t_ns,
            fix.lat,
            fix.lon,
            {"unit_id": state.unit.id, "status": state.status.value, "incident_id": state.incident_id},
        )

    def set_status(self, state: UnitState, status: UnitStatus, t_ns: int, incident_id: str | None) -> None:
        state.status = status
        state.incident_id = incident_id
        self._emit_status(state, t_ns)

    # Out of service ------------------------------------------------------------------------------------

    def _break(self, state: UnitState) -> Callable[[int], None]:
        def start(t_ns: int) -> None:
            if state.status is not UnitStatus.AVAILABLE:
                self.ctx.scheduler.at(t_ns + 10 * MINUTE, start)
                return
            duration = round(self.rng.uniform(15, 45) * MINUTE)
            self.fix(state, t_ns)
            prefix = state.trip.remainder_to_junction(t_ns)
            state.trip = Trip(prefix, t_ns, 0.7, state.trip.end_heading, duration)
            state.token += 1
            self.set_status(state, UnitStatus.OUT_OF_SERVICE, t_ns, None)
            self.ctx.scheduler.at(state.trip.end_ns, end)

        def end(t_ns: int) -> None:
            self.set_status(state, UnitStatus.AVAILABLE, t_ns, None)
            self._continue_patrol(state, t_ns)
            self.ctx.scheduler.at(t_ns + round(self.rng.expovariate(1.0) * MEAN_BREAK_GAP), start)

        return start

    # Calls ---------------------------------------------------------------------------------------------

    def available(self) -> list[UnitState]:
        return [s for s in self.states if s.status is UnitStatus.AVAILABLE]

    def drive_to(
        self,
        state: UnitState,
        t_ns: int,
        target: tuple[int, float | None],
        urgent: bool,
        on_arrival: Callable[[int], None],
    ) -> None:
        """Route the unit from where it is to ``target``: (edge, fraction along it) or (junction, None)."""
        net = self.ctx.net
        self.fix(state, t_ns)
        line = state.trip.remainder_to_junction(t_ns)
        node = line.junctions[len(line.lats) - 1]
        where, fraction = target
        goal = int(net.edge_from[where]) if fraction is not None else where
        steps = net.route(node, goal) or []
        line.extend(net.polyline(node, steps))
        if fraction is not None:
            line.extend(net.partial_edge(where, fraction))
        state.token += 1
        token = state.token
        speed = self.rng.uniform(1.05, 1.25) if urgent else self.rng.uniform(0.85, 1.0)
        state.trip = Trip(line, t_ns, speed, state.trip.end_heading)
        state.came_by = -1

        def arrive(at_ns: int) -> None:
            if state.token == token:
                on_arrival(at_ns)

        self.ctx.scheduler.at(state.trip.moving_until_ns, arrive)

    def stop_at_next_junction(self, state: UnitState, t_ns: int, duration_ns: int) -> int:
        """Pull over at the next junction (a traffic stop) for ``duration_ns``; returns that junction."""
        self.fix(state, t_ns)
        prefix = state.trip.remainder_to_junction(t_ns)
        state.token += 1
        state.trip = Trip(prefix, t_ns, 0.6, state.trip.end_heading, duration_ns)
        return prefix.junctions[len(prefix.lats) - 1]

    def release(self, state: UnitState, t_ns: int) -> None:
        """Back in service after a call: available, patrolling from where the unit is."""
        self.fix(state, t_ns)
        state.token += 1
        prefix = state.trip.remainder_to_junction(t_ns)
        self.set_status(state, UnitStatus.AVAILABLE, t_ns, None)
        self._patrol_from(state, prefix, t_ns)

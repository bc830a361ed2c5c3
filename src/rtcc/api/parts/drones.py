"""Drones as first responders: docks, dispatch, telemetry, flight logs.

The services the routes use (which drone can go, sending it), and the flight recorder: a background
engine that follows ``drone.telemetry`` on the bus, keeps each flight's track and milestones, and moves
the drone's camera with the drone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from rtcc.config import Settings
from rtcc.domain.events import DRONE_TELEMETRY, Event
from rtcc.domain.ports import EventBus
from rtcc.engines.drones import (
    DRONE_DISPATCHED_TYPE,
    Assessment,
    Choice,
    DroneReadiness,
    FlightProgress,
    TelemetryPoint,
    advance,
    choose,
)
from rtcc.storage.db import Database
from rtcc.storage.flights import DroneBusy, DroneStore, FlightRecord, TrackPoint, new_flight_id

if TYPE_CHECKING:
    from rtcc.api.context import AppContext

log = structlog.get_logger(__name__)

# A dispatched drone that has not taken off this long after the dispatch is taken not to be coming: its
# flight is closed as not launched and the drone may be sent again (seconds).
DISPATCH_TIMEOUT_S = 300.0


class DispatchRefused(Exception):
    """No drone goes; ``reason`` says why, ``assessments`` why not for each drone considered."""

    def __init__(self, reason: str, assessments: Sequence[Assessment], *, unknown_drone: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.assessments = tuple(assessments)
        self.unknown_drone = unknown_drone


@dataclass(frozen=True, slots=True)
class Scene:
    """Where a drone is sent: a call's location, or a point."""

    lat: float
    lon: float
    call_id: str | None = None
    incident_id: str | None = None


@dataclass(frozen=True, slots=True)
class Dispatched:
    flight: FlightRecord
    chosen: Assessment
    assessments: tuple[Assessment, ...]


def progress_of(flight: FlightRecord) -> FlightProgress:
    return FlightProgress(
        launched_at=flight.launched_at,
        arrived_at=flight.arrived_at,
        returning_at=flight.returning_at,
        landed_at=flight.landed_at,
        battery_start_pct=flight.battery_start_pct,
        battery_end_pct=flight.battery_end_pct,
        last_at=flight.last_report_at,
        points=flight.points,
    )


def progress_fields(p: FlightProgress) -> dict[str, Any]:
    return {
        "status": p.status,
        "launched_at": p.launched_at,
        "arrived_at": p.arrived_at,
        "returning_at": p.returning_at,
        "landed_at": p.landed_at,
        "battery_start_pct": p.battery_start_pct,
        "battery_end_pct": p.battery_end_pct,
        "last_report_at": p.last_at,
        "points": p.points,
    }


def point_of(event: Event) -> TelemetryPoint:
    p = DRONE_TELEMETRY.payload(event)
    assert event.location is not None  # drone.telemetry is a located type
    return TelemetryPoint(
        at=event.occurred_at,
        lat=event.location.lat,
        lon=event.location.lon,
        altitude_m=p.altitude_m,
        battery_pct=p.battery_pct,
        state=p.state,
        heading_deg=p.heading_deg,
    )


@dataclass
class DronesPart:
    settings: Settings
    store: DroneStore

    def readiness(self, agency_id: str) -> list[DroneReadiness]:
        return [
            DroneReadiness(
                drone_id=d.drone_id,
                dock_lat=d.dock_lat,
                dock_lon=d.dock_lon,
                max_flight_s=d.max_flight_s,
                state=d.state,
                battery_pct=d.battery_pct,
                on_flight=d.open_flight_id,
            )
            for d in self.store.registered(agency_id)
        ]

    def options(self, agency_id: str, scene: Scene, named: str | None = None) -> Choice:
        """Every registered drone of the agency, best first, with why each cannot go."""
        now = datetime.now(UTC)
        self.store.close_unlaunched(agency_id, now - timedelta(seconds=DISPATCH_TIMEOUT_S), now)
        return choose(
            self.readiness(agency_id),
            scene.lat,
            scene.lon,
            speed_mps=self.settings.drone_speed_mps,
            launch_s=self.settings.drone_launch_s,
            named=named,
        )

    def dispatch(
        self, agency_id: str, scene: Scene, *, named: str | None, by: str, reason: str | None
    ) -> Dispatched:
        """Send the best drone (or the named one) and open its flight; DispatchRefused when none can go."""
        choice = self.options(agency_id, scene, named)
        if choice.chosen is None:
            unknown = named is not None and not choice.assessments
            raise DispatchRefused(
                choice.refusal or "no drone can go", choice.assessments, unknown_drone=unknown
            )
        chosen = choice.chosen
        registered = self.store.registered(agency_id, chosen.drone_id)
        now = datetime.now(UTC)
        flight = FlightRecord(
            id=new_flight_id(),
            agency_id=agency_id,
            drone_id=chosen.drone_id,
            dock_id=registered[0].dock_id if registered else None,
            origin="dispatch",
            call_id=scene.call_id,
            incident_id=scene.incident_id,
            target_lat=scene.lat,
            target_lon=scene.lon,
            distance_m=round(chosen.distance_m or 0.0, 1),
            eta_s=round(chosen.eta_s or 0.0, 1),
            reason=reason,
            opened_at=now,
            dispatched_by=by,
            status="dispatched",
            launched_at=None,
            arrived_at=None,
            returning_at=None,
            landed_at=None,
            battery_start_pct=chosen.battery_pct,
            battery_end_pct=None,
            last_report_at=None,
            points=0,
            closed_at=None,
            closed_reason=None,
        )
        try:
            self.store.open_flight(flight)
        except DroneBusy:
            # Another dispatch took it between the choice and now.
            raise DispatchRefused(
                f"{chosen.drone_id} was sent elsewhere a moment ago; ask again", choice.assessments
            ) from None
        return Dispatched(flight, chosen, choice.assessments)

    def record(self, events: Sequence[Event]) -> None:
        """Telemetry reports, drone by drone, onto the track of each drone's open flight (a take-off that no
        dispatch from here announced opens a flight of its own), milestones brought up to date, a flight
        closed on landing. A drone's reports in one batch are written in one transaction: a burst (a feed
        catching up) costs a few statements per drone, not per report."""
        by_drone: dict[tuple[str, str], list[Event]] = {}
        for event in events:
            by_drone.setdefault((event.agency_id, str(event.payload["drone_id"])), []).append(event)
        for (agency_id, drone_id), reports in by_drone.items():
            try:
                self._record_drone(agency_id, drone_id, reports)
            except Exception as exc:  # one drone's bad reports must not stop the others' logs
                log.error(
                    "drone_telemetry_not_recorded", drone_id=drone_id, reports=len(reports), error=str(exc)
                )

    def _record_drone(self, agency_id: str, drone_id: str, reports: Sequence[Event]) -> None:
        flight = self.store.open_flight_of(agency_id, drone_id)
        camera_id = self.store.camera_of(drone_id)
        progress = progress_of(flight) if flight is not None else FlightProgress()
        track: list[TrackPoint] = []
        for event in reports:
            point = point_of(event)
            if flight is None:
                if not point.airborne:
                    continue  # a drone resting on its dock: the live picture has it, no flight to log
                flight = self._seen_taking_off(event, drone_id)
                if flight is None:
                    continue
                progress = progress_of(flight)
            target = (
                (flight.target_lat, flight.target_lon)
                if flight.target_lat is not None and flight.target_lon is not None
                else None
            )
            progress = advance(progress, point, target)
            track.append(
                TrackPoint(
                    point.at,
                    point.lat,
                    point.lon,
                    point.altitude_m,
                    point.heading_deg,
                    point.battery_pct,
                    point.state,
                )
            )
            if progress.landed_at is not None:
                self._write(flight.id, track, progress, camera_id, close=True)
                flight, track = None, []
        if flight is not None:
            self._write(flight.id, track, progress, camera_id, close=False)

    def _write(
        self,
        flight_id: str,
        track: list[TrackPoint],
        progress: FlightProgress,
        camera_id: str | None,
        *,
        close: bool,
    ) -> None:
        self.store.record_points(
            flight_id,
            track,
            progress_fields(progress),
            camera_id=camera_id,
            close=close,
            at=datetime.now(UTC),
        )

    def _seen_taking_off(self, event: Event, drone_id: str) -> FlightRecord | None:
        registered = self.store.registered(event.agency_id, drone_id)
        flight = FlightRecord(
            id=new_flight_id(),
            agency_id=event.agency_id,
            drone_id=drone_id,
            dock_id=registered[0].dock_id if registered else None,
            origin="telemetry",
            call_id=None,
            incident_id=event.payload.get("incident_id"),
            target_lat=None,
            target_lon=None,
            distance_m=None,
            eta_s=None,
            reason=None,
            opened_at=datetime.now(UTC),
            dispatched_by=None,
            status="dispatched",
            launched_at=None,
            arrived_at=None,
            returning_at=None,
            landed_at=None,
            battery_start_pct=None,
            battery_end_pct=None,
            last_report_at=None,
            points=0,
            closed_at=None,
            closed_reason=None,
        )
        try:
            return self.store.open_flight(flight)
        except DroneBusy:  # a dispatch opened one meanwhile: the report belongs to it
            return self.store.open_flight_of(event.agency_id, drone_id)


class FlightRecorder:
    """Follows drone telemetry on the bus into the flight logs, a batch at a time. It never misses a report
    (back-pressure, not dropping); a drone whose reports cannot be recorded is logged and skipped, and the
    recorder goes on."""

    def __init__(self, bus: EventBus, part: DronesPart):
        self.sub = bus.subscribe([DRONE_TELEMETRY.name], maxsize=10_000)
        self.part = part
        self.recorded = 0

    async def run(self) -> None:
        while True:
            batch = await self.sub.get_many(500)
            await asyncio.to_thread(self._record_all, batch)

    def _record_all(self, batch: Sequence[Event]) -> None:
        self.part.record(batch)
        self.recorded += len(batch)


@dataclass(frozen=True, slots=True)
class DispatchOrder:
    """What a drone (or its dock's controller) needs to fly a dispatch."""

    drone_id: str
    flight_id: str
    lat: float
    lon: float
    incident_id: str | None
    call_id: str | None


async def follow_dispatches(
    bus: EventBus, store: DroneStore, on_order: Callable[[DispatchOrder], None]
) -> None:
    """Hand every dispatch made here to ``on_order``: the link from the center to the drones (the demo's
    simulated fleet; a dock controller's bridge). Only an event naming an open flight that a dispatch
    opened for that drone becomes an order, so a feed that submits a ``drone.dispatched`` event of its
    own flies nothing."""
    sub = bus.subscribe([DRONE_DISPATCHED_TYPE], maxsize=1000)
    while True:
        event = await sub.get()
        p = event.payload
        flight = await asyncio.to_thread(store.flight, event.agency_id, str(p.get("flight_id")))
        if (
            flight is None
            or not flight.is_open
            or flight.origin != "dispatch"
            or flight.drone_id != p.get("drone_id")
            or flight.target_lat is None
            or flight.target_lon is None
        ):
            log.warning("drone_order_ignored", event_id=event.id, flight_id=p.get("flight_id"))
            continue
        order = DispatchOrder(
            drone_id=flight.drone_id,
            flight_id=flight.id,
            lat=flight.target_lat,
            lon=flight.target_lon,
            incident_id=flight.incident_id,
            call_id=flight.call_id,
        )
        try:
            on_order(order)
        except Exception as exc:
            log.error("drone_order_not_delivered", order=asdict(order), error=str(exc))


def build(settings: Settings, db: Database) -> DronesPart:
    return DronesPart(settings, DroneStore(db))


def background(ctx: AppContext) -> list[Coroutine[Any, Any, None]]:
    return [FlightRecorder(ctx.bus, ctx.drones).run()]

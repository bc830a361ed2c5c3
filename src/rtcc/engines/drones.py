"""Drones as first responders: which drone goes, when it gets there, and what its telemetry says it did.

Pure rules, no I/O, so they are tested on their own:
- the time to scene of a drone is its launch time plus the straight-line distance from its dock at cruise
  speed (drones fly straight over the city, not along streets; wind, climb and no-fly zones are not modelled);
- a drone may go only if it sits on its dock, is on no other flight, and holds enough battery for the way
  out, a minimum time over the scene, the way back, and a reserve it must still have on landing;
- the best drone is the one that can go with the shortest time to scene;
- a flight's milestones (launch, arrival over the scene, start of the return, landing) and the battery it
  used are read from its telemetry, one report at a time.

The dispatch is announced as a ``drone.dispatched`` event (rtcc.domain.events.DroneDispatched).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rtcc.domain.events import DRONE_DISPATCHED
from rtcc.domain.geo import haversine_m

# A drone must land with at least this much battery left (percent), whatever the flight.
RESERVE_PCT = 20.0
# The least time over the scene worth a launch: enough for the camera to show the operator what is there.
MIN_ON_SCENE_S = 120.0
# Within this distance of the scene the drone is over it (its orbit around the scene stays inside).
ARRIVAL_RADIUS_M = 100.0
# Once over the scene, leaving it by this much means it has started back.
LEFT_SCENE_M = 250.0
# At or below this altitude (metres above the dock) a drone that reports no flying state is on the ground.
GROUND_ALTITUDE_M = 2.0
# States a drone's telemetry reports while in the air (anything else, with no altitude, is on the ground).
AIRBORNE_STATES = frozenset({"launching", "flying", "on_scene", "hovering", "returning", "landing"})
DOCKED = "docked"


# Re-exported for the routes and the dispatch follower that announce and read dispatches.
DRONE_DISPATCHED_TYPE = DRONE_DISPATCHED.name


@dataclass(frozen=True, slots=True)
class DroneReadiness:
    """What selection needs to know of one registered drone."""

    drone_id: str
    dock_lat: float | None
    dock_lon: float | None
    max_flight_s: float
    state: str = DOCKED  # as its latest telemetry says
    battery_pct: float | None = None  # None until it has reported
    on_flight: str | None = None  # the open flight it belongs to, if any


@dataclass(frozen=True, slots=True)
class Assessment:
    """Whether one drone can go to the scene, and if not, why."""

    drone_id: str
    distance_m: float | None
    eta_s: float | None
    battery_pct: float | None
    battery_needed_pct: float | None
    reason: str | None = None  # None when it can go

    @property
    def can_go(self) -> bool:
        return self.reason is None


@dataclass(frozen=True, slots=True)
class Choice:
    chosen: Assessment | None
    assessments: tuple[Assessment, ...]
    refusal: str | None = None  # why nobody goes, for the person who asked


def eta_s(distance_m: float, *, speed_mps: float, launch_s: float) -> float:
    """Time from the dispatch to arrival: the launch, then a straight flight at cruise speed."""
    return launch_s + distance_m / speed_mps


def drain_pct_per_s(max_flight_s: float) -> float:
    """A full battery lasts the drone's maximum flight time."""
    return 100.0 / max_flight_s


def battery_needed_pct(
    distance_m: float,
    *,
    speed_mps: float,
    max_flight_s: float,
    on_scene_s: float = MIN_ON_SCENE_S,
    reserve_pct: float = RESERVE_PCT,
) -> float:
    """Battery (percent) for out, over the scene for ``on_scene_s``, back, and the reserve left on landing."""
    airborne_s = 2 * distance_m / speed_mps + on_scene_s
    return airborne_s * drain_pct_per_s(max_flight_s) + reserve_pct


def reach_m(
    *,
    speed_mps: float,
    max_flight_s: float,
    on_scene_s: float = MIN_ON_SCENE_S,
    reserve_pct: float = RESERVE_PCT,
) -> float:
    """How far from its dock a drone with a full battery can be sent (0 when it cannot go at all)."""
    spare_s = (100.0 - reserve_pct) / drain_pct_per_s(max_flight_s) - on_scene_s
    return max(0.0, spare_s * speed_mps / 2)


def assess(drone: DroneReadiness, lat: float, lon: float, *, speed_mps: float, launch_s: float) -> Assessment:
    if drone.dock_lat is None or drone.dock_lon is None:
        return Assessment(drone.drone_id, None, None, drone.battery_pct, None, "has no dock position")
    distance = haversine_m(drone.dock_lat, drone.dock_lon, lat, lon)
    eta = eta_s(distance, speed_mps=speed_mps, launch_s=launch_s)
    needed = battery_needed_pct(distance, speed_mps=speed_mps, max_flight_s=drone.max_flight_s)

    def refused(reason: str) -> Assessment:
        return Assessment(drone.drone_id, distance, eta, drone.battery_pct, needed, reason)

    if drone.on_flight is not None:
        return refused(f"is busy on flight {drone.on_flight}")
    if drone.state != DOCKED:
        return refused(f"is not on its dock (it reports {drone.state})")
    if needed > 100.0:
        reach = reach_m(speed_mps=speed_mps, max_flight_s=drone.max_flight_s)
        return refused(
            f"is out of range: the scene is {distance / 1000:.1f} km away, it reaches {reach / 1000:.1f} km"
        )
    if drone.battery_pct is None:
        return refused("has not reported its battery yet")
    if drone.battery_pct < needed:
        return refused(
            f"has {drone.battery_pct:.0f}% battery, {needed:.0f}% is needed for the round trip and reserve"
        )
    return Assessment(drone.drone_id, distance, eta, drone.battery_pct, needed)


def choose(
    drones: Iterable[DroneReadiness],
    lat: float,
    lon: float,
    *,
    speed_mps: float,
    launch_s: float,
    named: str | None = None,
) -> Choice:
    """The drone to send: ``named`` if it can go, else the one that can go with the shortest time to scene
    (ties to the lower id). When none can, the refusal says why for each."""
    pool = [d for d in drones if named is None or d.drone_id == named]
    if not pool:
        return Choice(None, (), f"no drone {named!r} is registered" if named else "no drone is registered")
    assessments = tuple(
        sorted(
            (assess(d, lat, lon, speed_mps=speed_mps, launch_s=launch_s) for d in pool),
            key=lambda a: (not a.can_go, a.eta_s if a.eta_s is not None else float("inf"), a.drone_id),
        )
    )
    best = assessments[0]
    if best.can_go:
        return Choice(best, assessments)
    if named is not None:
        return Choice(None, assessments, f"{named} cannot go: it {best.reason}")
    why = "; ".join(f"{a.drone_id} {a.reason}" for a in assessments)
    return Choice(None, assessments, f"no drone can go: {why}")


@dataclass(frozen=True, slots=True)
class TelemetryPoint:
    at: datetime
    lat: float
    lon: float
    altitude_m: float
    battery_pct: float
    state: str
    heading_deg: float | None = None

    @property
    def airborne(self) -> bool:
        return self.state in AIRBORNE_STATES or (self.state != DOCKED and self.altitude_m > GROUND_ALTITUDE_M)


@dataclass(frozen=True, slots=True)
class FlightProgress:
    """The milestones of one flight so far, as its telemetry showed them."""

    launched_at: datetime | None = None
    arrived_at: datetime | None = None
    returning_at: datetime | None = None
    landed_at: datetime | None = None
    battery_start_pct: float | None = None
    battery_end_pct: float | None = None
    last_at: datetime | None = None  # the newest report applied (older ones are kept but change nothing)
    points: int = 0

    @property
    def status(self) -> str:
        if self.landed_at is not None:
            return "landed"
        if self.returning_at is not None:
            return "returning"
        if self.arrived_at is not None:
            return "on_scene"
        if self.launched_at is not None:
            return "launched"
        return "dispatched"

    @property
    def battery_used_pct(self) -> float | None:
        if self.battery_start_pct is None:
            return None
        end = self.battery_end_pct
        return None if end is None else round(self.battery_start_pct - end, 1)


def advance(
    progress: FlightProgress, point: TelemetryPoint, target: tuple[float, float] | None
) -> FlightProgress:
    """The flight's milestones after one more telemetry report.

    Launch is the first report in the air; arrival the first within ``ARRIVAL_RADIUS_M`` of the scene after
    launch; the return starts with the first report that says ``returning`` or, once over the scene, is
    ``LEFT_SCENE_M`` away from it; landing is the first report on the ground after launch (a ``docked``
    report sent before the drone took off is not a landing). A flight with no known scene (a launch
    nobody here dispatched) has no arrival. A report older than one already applied
    (buffered by a link that came back) is counted but moves no milestone."""
    p = replace(progress, points=progress.points + 1)
    if p.landed_at is not None or (p.last_at is not None and point.at < p.last_at):
        return p
    p = replace(p, last_at=point.at, battery_end_pct=point.battery_pct)
    if p.battery_start_pct is None:
        p = replace(p, battery_start_pct=point.battery_pct)
    if p.launched_at is None:
        return replace(p, launched_at=point.at) if point.airborne else p
    if not point.airborne:
        return replace(p, landed_at=point.at, returning_at=p.returning_at or point.at)
    away_m = haversine_m(point.lat, point.lon, *target) if target is not None else 0.0
    if target is not None and p.arrived_at is None and p.returning_at is None and away_m <= ARRIVAL_RADIUS_M:
        p = replace(p, arrived_at=point.at)
    if p.returning_at is None and (
        point.state == "returning" or (p.arrived_at is not None and away_m > LEFT_SCENE_M)
    ):
        p = replace(p, returning_at=point.at)
    return p


def segment(points: Sequence[TelemetryPoint], target: tuple[float, float] | None) -> FlightProgress:
    """The milestones of a whole recorded track (in the order it was received)."""
    progress = FlightProgress()
    for point in points:
        progress = advance(progress, point, target)
    return progress

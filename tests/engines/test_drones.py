"""Which drone goes, when it gets there, and what its telemetry says it did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtcc.domain.events import EVENT_TYPES, EventIn, validate_payload
from rtcc.domain.geo import Location, haversine_m
from rtcc.engines.drones import (
    ARRIVAL_RADIUS_M,
    MIN_ON_SCENE_S,
    RESERVE_PCT,
    Choice,
    DroneReadiness,
    TelemetryPoint,
    advance,
    battery_needed_pct,
    choose,
    eta_s,
    reach_m,
    segment,
)
from rtcc.sim.network import M_PER_DEG

SPEED = 15.0
LAUNCH = 20.0
SCENE = (39.9612, -82.9988)  # downtown Columbus
T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def north_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    return lat + metres / M_PER_DEG, lon


def drone(
    drone_id: str,
    metres_from_scene: float,
    *,
    battery: float | None = 95.0,
    state: str = "docked",
    on_flight: str | None = None,
    max_flight_s: float = 1800.0,
) -> DroneReadiness:
    lat, lon = north_of(*SCENE, metres_from_scene)
    return DroneReadiness(drone_id, lat, lon, max_flight_s, state, battery, on_flight)


def pick(*drones: DroneReadiness, named: str | None = None) -> Choice:
    return choose(drones, *SCENE, speed_mps=SPEED, launch_s=LAUNCH, named=named)


def test_time_to_scene_is_the_launch_then_a_straight_flight_at_cruise_speed() -> None:
    assert eta_s(1500.0, speed_mps=15.0, launch_s=20.0) == pytest.approx(120.0)
    choice = pick(drone("D1", 1500.0))
    assert choice.chosen is not None
    assert choice.chosen.distance_m == pytest.approx(1500.0, rel=1e-3)
    assert choice.chosen.eta_s == pytest.approx(120.0, rel=1e-3)


def test_the_nearest_drone_that_can_go_is_chosen_and_the_others_say_why_not() -> None:
    choice = pick(
        drone("D-near-busy", 300.0, state="flying", on_flight="FLT-1"),
        drone("D-near-flat", 500.0, battery=21.0),
        drone("D-mid", 2000.0),
        drone("D-far", 4000.0),
    )
    assert choice.chosen is not None and choice.chosen.drone_id == "D-mid"
    assert choice.refusal is None
    by_id = {a.drone_id: a for a in choice.assessments}
    assert by_id["D-near-busy"].reason == "is busy on flight FLT-1"
    assert by_id["D-near-flat"].reason is not None and by_id["D-near-flat"].reason.startswith(
        "has 21% battery"
    )
    assert by_id["D-far"].can_go
    # Those that can go come first, fastest first.
    assert [a.drone_id for a in choice.assessments][:2] == ["D-mid", "D-far"]


def test_a_drone_away_from_its_dock_does_not_go() -> None:
    choice = pick(drone("D1", 500.0, state="returning"))
    assert choice.chosen is None
    assert choice.refusal == "no drone can go: D1 is not on its dock (it reports returning)"


def test_refusals_name_every_drone_and_its_reason() -> None:
    choice = pick(
        drone("D1", 400.0, on_flight="FLT-9", state="flying"),
        drone("D2", 600.0, battery=None),
        drone("D3", 60_000.0),
    )
    assert choice.chosen is None
    assert choice.refusal is not None
    assert "D1 is busy on flight FLT-9" in choice.refusal
    assert "D2 has not reported its battery yet" in choice.refusal
    assert "D3 is out of range: the scene is 60.0 km away, it reaches" in choice.refusal


def test_a_named_drone_goes_even_when_another_is_nearer() -> None:
    choice = pick(drone("D1", 300.0), drone("D2", 2500.0), named="D2")
    assert choice.chosen is not None and choice.chosen.drone_id == "D2"


def test_a_named_drone_that_cannot_go_is_refused_with_its_reason() -> None:
    choice = pick(drone("D1", 300.0), drone("D2", 2500.0, battery=10.0), named="D2")
    assert choice.chosen is None
    assert choice.refusal is not None and choice.refusal.startswith("D2 cannot go: it has 10% battery")


def test_nothing_registered_or_an_unknown_name() -> None:
    assert pick().refusal == "no drone is registered"
    assert pick(drone("D1", 300.0), named="D9").refusal == "no drone 'D9' is registered"


def test_battery_for_the_round_trip_the_time_over_the_scene_and_the_reserve() -> None:
    # 3 km out and back at 15 m/s is 400 s, plus 120 s over the scene: 520 s of a 1,800 s battery.
    needed = battery_needed_pct(3000.0, speed_mps=15.0, max_flight_s=1800.0)
    assert needed == pytest.approx(520 / 1800 * 100 + RESERVE_PCT)
    exactly = pick(drone("D1", 3000.0, battery=needed + 0.01))
    short = pick(drone("D1", 3000.0, battery=needed - 1.0))
    assert exactly.chosen is not None
    assert short.chosen is None


def test_reach_is_where_a_full_battery_just_suffices() -> None:
    reach = reach_m(speed_mps=SPEED, max_flight_s=1800.0)
    assert reach == pytest.approx(((100 - RESERVE_PCT) / (100 / 1800) - MIN_ON_SCENE_S) * SPEED / 2)
    assert pick(drone("D1", reach - 50.0, battery=100.0)).chosen is not None
    assert "out of range" in (pick(drone("D1", reach + 50.0, battery=100.0)).refusal or "")


fleets = st.lists(
    st.builds(
        lambda i, m, b, s, f: drone(f"D{i}", m, battery=b, state=s, on_flight=f),
        st.integers(0, 999),
        st.floats(0, 20_000),
        st.one_of(st.none(), st.floats(0, 100)),
        st.sampled_from(["docked", "docked", "flying", "returning"]),
        st.sampled_from([None, None, None, "FLT-x"]),
    ),
    max_size=12,
    unique_by=lambda d: d.drone_id,
)


@given(fleets)
def test_a_drone_is_chosen_exactly_when_one_can_go_and_it_is_the_fastest(fleet: list[DroneReadiness]) -> None:
    choice = pick(*fleet)
    able = [a for a in choice.assessments if a.can_go]
    assert (choice.chosen is None) == (not able)
    assert (choice.refusal is None) == bool(able)
    if choice.chosen is not None:
        assert choice.chosen.eta_s == min(a.eta_s for a in able if a.eta_s is not None)
        chosen = next(d for d in fleet if d.drone_id == choice.chosen.drone_id)
        assert chosen.state == "docked" and chosen.on_flight is None
        assert chosen.battery_pct is not None and chosen.battery_pct >= (
            choice.chosen.battery_needed_pct or 0
        )


@given(st.floats(0, 30_000), st.floats(0, 100), st.floats(0, 100))
def test_more_battery_never_keeps_a_drone_home(metres: float, b1: float, b2: float) -> None:
    low, high = sorted((b1, b2))
    if pick(drone("D1", metres, battery=low)).chosen is not None:
        assert pick(drone("D1", metres, battery=high)).chosen is not None


@given(st.floats(0, 30_000), st.floats(0, 30_000))
def test_further_is_never_sooner_nor_cheaper(m1: float, m2: float) -> None:
    near, far = sorted((m1, m2))
    assert eta_s(near, speed_mps=SPEED, launch_s=LAUNCH) <= eta_s(far, speed_mps=SPEED, launch_s=LAUNCH)
    assert battery_needed_pct(near, speed_mps=SPEED, max_flight_s=1800) <= battery_needed_pct(
        far, speed_mps=SPEED, max_flight_s=1800
    )


# Flight segmentation ---------------------------------------------------------------------------------

DOCK = north_of(*SCENE, 1500.0)


def ping(s: float, lat: float, lon: float, alt: float, battery: float, state: str) -> TelemetryPoint:
    return TelemetryPoint(T0 + timedelta(seconds=s), lat, lon, alt, battery, state)


def a_flight() -> list[TelemetryPoint]:
    """Docked, take-off, straight out (1.5 km at 15 m/s), orbit, straight back, landing."""
    pts = [ping(0, *DOCK, 0, 90, "docked"), ping(5, *DOCK, 0, 90, "docked")]
    pts.append(ping(10, *DOCK, 30, 89.9, "launching"))
    for i in range(1, 11):  # 100 s out
        pts.append(ping(10 + i * 10, *north_of(*SCENE, 1500 - i * 150), 90, 89.9 - i * 0.4, "flying"))
    for i in range(6):  # over the scene
        pts.append(ping(120 + i * 20, *north_of(*SCENE, 60), 90, 85.5 - i * 0.4, "flying"))
    for i in range(1, 11):
        pts.append(ping(240 + i * 10, *north_of(*SCENE, i * 150), 90, 83 - i * 0.4, "returning"))
    pts.append(ping(350, *DOCK, 0, 78.5, "docked"))
    pts.append(ping(410, *DOCK, 0, 79, "docked"))  # charging again: after the landing, changes nothing
    return pts


def test_a_flight_is_read_from_its_telemetry() -> None:
    p = segment(a_flight(), SCENE)
    assert p.launched_at == T0 + timedelta(seconds=10)
    assert p.arrived_at == T0 + timedelta(seconds=110)  # the first report within 100 m of the scene
    assert p.returning_at == T0 + timedelta(seconds=250)
    assert p.landed_at == T0 + timedelta(seconds=350)
    assert p.status == "landed"
    assert p.battery_start_pct == 90 and p.battery_end_pct == 78.5
    assert p.battery_used_pct == 11.5
    assert p.points == len(a_flight())


def test_docked_reports_before_take_off_are_not_a_landing() -> None:
    p = segment(a_flight()[:2], SCENE)
    assert p.status == "dispatched" and p.landed_at is None and p.launched_at is None


def test_the_status_follows_the_flight() -> None:
    track = a_flight()
    statuses = [segment(track[: n + 1], SCENE).status for n in range(len(track))]
    assert statuses[0] == "dispatched"
    assert statuses[2] == "launched"
    first = {s: statuses.index(s) for s in ("launched", "on_scene", "returning", "landed")}
    assert first["launched"] < first["on_scene"] < first["returning"] < first["landed"]


def test_a_late_report_is_kept_but_moves_no_milestone() -> None:
    track = a_flight()
    late = ping(100, *SCENE, 90, 86, "flying")  # buffered, arrives after the drone left the scene
    before = segment(track[:20], SCENE)
    after = advance(before, late, SCENE)
    assert after.points == before.points + 1
    assert (after.arrived_at, after.returning_at, after.last_at) == (
        before.arrived_at,
        before.returning_at,
        before.last_at,
    )


def test_a_flight_with_no_known_scene_has_no_arrival() -> None:
    p = segment(a_flight(), None)
    assert p.arrived_at is None
    assert p.launched_at is not None and p.returning_at is not None and p.landed_at is not None


def test_leaving_the_scene_without_saying_so_is_a_return() -> None:
    out_and_away = [
        ping(0, *DOCK, 20, 90, "flying"),
        ping(10, *SCENE, 90, 89, "flying"),
        ping(20, *north_of(*SCENE, 400), 90, 88, "flying"),
    ]
    p = segment(out_and_away, SCENE)
    assert p.arrived_at == T0 + timedelta(seconds=10)
    assert p.returning_at == T0 + timedelta(seconds=20)


reports = st.lists(
    st.tuples(
        st.floats(0, 3000),  # metres north of the scene
        st.floats(0, 120),  # altitude
        st.floats(0, 100),  # battery
        st.sampled_from(["docked", "launching", "flying", "returning", "idle"]),
    ),
    max_size=40,
)


@given(reports)
def test_milestones_come_in_flight_order(raw: list[tuple[float, float, float, str]]) -> None:
    track = [ping(i * 2.0, *north_of(*SCENE, m), alt, b, s) for i, (m, alt, b, s) in enumerate(raw)]
    p = segment(track, SCENE)
    stamps = [p.launched_at, p.arrived_at, p.returning_at, p.landed_at]
    assert p.points == len(track)
    if p.landed_at is not None:
        assert p.launched_at is not None and p.returning_at is not None
    if p.arrived_at is not None:
        assert p.launched_at is not None
        hit = next(t for t in track if t.at == p.arrived_at)
        assert haversine_m(hit.lat, hit.lon, *SCENE) <= ARRIVAL_RADIUS_M
    known = [s for s in stamps if s is not None]
    assert known == sorted(known)


def test_the_dispatch_event_type_is_known_to_ingest() -> None:
    assert "drone.dispatched" in EVENT_TYPES
    item = EventIn(
        type="drone.dispatched",
        occurred_at=T0,
        location=Location(lat=SCENE[0], lon=SCENE[1]),
        payload={
            "drone_id": "D1",
            "flight_id": "FLT-1",
            "distance_m": 1500,
            "eta_s": 120,
            "dispatched_by": "operator",
        },
    )
    payload, errors = validate_payload(item)
    assert errors == [] and payload["eta_s"] == 120
    _, missing = validate_payload(item.model_copy(update={"location": None}))
    assert [e.field for e in missing] == ["location"]

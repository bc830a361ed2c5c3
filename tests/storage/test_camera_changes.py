"""The camera index a server keeps in memory stays in step with the registry whoever changes it: a camera
imported by another process, moved, turned, taken out of the registry or reported down is seen by the next
question, on SQLite and PostgreSQL alike; and it answers as a look at every camera in the registry does."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from rtcc.domain.geo import haversine_m
from rtcc.domain.ports import StateChange
from rtcc.engines.camera_index import LiveCameraIndex
from rtcc.engines.camera_sight import cameras_that_see
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState
from rtcc.storage.tables import cameras

LAT, LON = 39.9612, -82.9988


def row(camera_id: str, lat: float = LAT, lon: float = LON, **extra: Any) -> dict[str, Any]:
    return {
        "id": camera_id,
        "agency_id": "cpd",
        "name": f"Camera {camera_id}",
        "kind": "city_cctv",
        "lat": lat,
        "lon": lon,
        "heading_deg": None,
        "fov_deg": None,
        "range_m": None,
        "ptz": False,
        "mount_height_m": None,
        "status": "up",
        **extra,
    }


def near(index: LiveCameraIndex, lat: float = LAT, lon: float = LON, radius: float = 100.0) -> list[str]:
    return [s.camera_id for s in index.sights(lat, lon, radius, {"cpd"})]


def test_changes_made_elsewhere_are_seen_by_the_next_question(db: Database) -> None:
    index = LiveCameraIndex(SqlLiveState(db))
    assert near(index) == []
    elsewhere = SqlLiveState(db)  # another process: the command line, another server worker

    elsewhere.register("camera", [row("A", lon=LON + 0.0002), row("B", lon=LON - 0.0003)])
    assert near(index) == ["A", "B"]

    elsewhere.register("camera", [row("A", lat=LAT + 0.01)])  # moved 1.1 km north
    assert near(index) == ["B"]
    assert near(index, lat=LAT + 0.01) == ["A"]

    # Turned to look at the place: in view now, so first.
    elsewhere.register("camera", [row("B", lon=LON - 0.0003, heading_deg=90.0, fov_deg=60.0)])
    [b] = index.sights(LAT, LON, 100.0, {"cpd"})
    assert (b.camera_id, b.view) == ("B", "in_view")

    with db.write() as conn:  # taken out of the registry by a statement of its own
        conn.execute(cameras.delete().where(cameras.c.id == "B"))
    assert near(index) == []


def test_a_camera_reported_down_is_down_in_the_index(db: Database) -> None:
    live = SqlLiveState(db)
    live.register("camera", [row("A", lon=LON + 0.0002)])
    index = LiveCameraIndex(live)
    assert [s.status for s in index.sights(LAT, LON, 100.0)] == ["up"]
    live.apply(
        [
            StateChange(
                "camera",
                "cpd",
                "A",
                fields={"status": "down", "status_reason": "black", "status_changed_at": datetime.now(UTC)},
                guard="status_changed_at",
            )
        ]
    )
    assert [s.status for s in index.sights(LAT, LON, 100.0)] == ["down"]


def test_a_rename_does_not_make_every_process_read_the_camera_again(db: Database) -> None:
    live = SqlLiveState(db)
    live.register("camera", [row("A")])
    before = live.last_camera_change()
    with db.write() as conn:
        conn.execute(cameras.update().where(cameras.c.id == "A").values(name="Deli door", owner="Dana"))
    assert live.last_camera_change() == before
    with db.write() as conn:
        conn.execute(cameras.update().where(cameras.c.id == "A").values(range_m=80.0))
    assert live.last_camera_change() > before


def test_a_process_far_behind_or_past_a_pruned_log_reads_everything_again(db: Database) -> None:
    live = SqlLiveState(db)
    index = LiveCameraIndex(live, reload_over=2)
    assert near(index) == []
    live.register("camera", [row(f"C{i}", lon=LON + 0.0001 * i) for i in range(1, 6)])  # 5 changes > 2
    assert near(index) == ["C1", "C2", "C3", "C4", "C5"]

    other = LiveCameraIndex(live)
    assert len(other.catch_up()) == 5
    live.register("camera", [row("C6", lon=LON + 0.0006)])
    live.register("camera", [row("C7", lon=LON + 0.0007)])
    assert live.prune_camera_changes(keep=1) > 0  # C6's change is gone from the log
    assert near(other) == ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]


def test_the_index_answers_as_a_look_at_every_camera_in_the_registry(db: Database) -> None:
    rng = random.Random(7)
    live = SqlLiveState(db)
    rows = []
    for i in range(300):
        lat, lon = LAT + rng.uniform(-0.005, 0.005), LON + rng.uniform(-0.006, 0.006)
        kind = rng.random()
        if kind < 0.5:
            extra = {
                "heading_deg": rng.uniform(0, 360),
                "fov_deg": rng.choice([60.0, 90.0]),
                "range_m": 150.0,
            }
        elif kind < 0.75:
            extra = {"ptz": True, "range_m": 250.0, "mount_height_m": 9.0}
        else:
            extra = {"range_m": rng.choice([None, 80.0])}
        rows.append(row(f"R{i:03d}", lat, lon, **extra))
    live.register("camera", rows)
    index = LiveCameraIndex(live)
    everything = live.cameras(agency_id="cpd")
    for _ in range(20):
        lat, lon = LAT + rng.uniform(-0.004, 0.004), LON + rng.uniform(-0.005, 0.005)
        expected = cameras_that_see(everything, lat, lon, 300.0)
        got = index.sights(lat, lon, 300.0, {"cpd"})
        assert [(s.camera_id, s.distance_m, s.view, s.pan_deg, s.tilt_deg) for s in got] == [
            (s.camera.id, s.distance_m, s.view, s.pan_deg, s.tilt_deg) for s in expected
        ]
        assert all(haversine_m(lat, lon, s.camera.lat, s.camera.lon) <= 300.0 for s in expected)


def test_the_box_around_a_place_holds_every_camera_within_the_radius(db: Database) -> None:
    """A camera due north at 99.95 m from the place is within 100 m, and inside the database's box too."""
    live = SqlLiveState(db)
    north = LAT + 99.95 / 111_195.0
    live.register("camera", [row("N", lat=north)])
    assert 99.9 < haversine_m(LAT, LON, north, LON) <= 100.0
    assert [c.id for c in live.cameras_near("cpd", LAT, LON, 100.0)] == ["N"]

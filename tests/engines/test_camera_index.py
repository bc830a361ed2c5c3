"""The camera index gives the answer a look at every camera gives (cameras_that_see): the same cameras, the
same distances, bearings, views, pans and tilts, in the same order, whatever the cameras and the place, and
it keeps giving it as cameras are added, moved, turned and removed."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rtcc.domain.entities import Camera
from rtcc.domain.geo import EARTH_RADIUS_M, haversine_m
from rtcc.domain.vocab import CameraKind
from rtcc.engines.camera_index import CameraIndex, CameraPlace, PlaceSight
from rtcc.engines.camera_sight import CameraSight, cameras_that_see

AGENCIES = ("cpd", "fcso", "osu")


def offset(lat: float, lon: float, bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """The point distance_m from (lat, lon) on the given bearing (on haversine's sphere)."""
    d, b = distance_m / EARTH_RADIUS_M, math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0


def camera(i: int, agency: str, lat: float, lon: float, **geometry: Any) -> Camera:
    return Camera(
        id=f"cam-{i:03d}",
        agency_id=agency,
        name=f"Camera {i}",
        kind=CameraKind.CITY_CCTV,
        lat=lat,
        lon=lon,
        **geometry,
    )


def as_rows(sights: list[CameraSight] | list[PlaceSight]) -> list[tuple[Any, ...]]:
    out = []
    for s in sights:
        camera_id = s.camera.id if isinstance(s, CameraSight) else s.camera_id
        out.append((camera_id, s.distance_m, s.bearing_deg, s.view, s.pan_deg, s.tilt_deg))
    return out


def index_of(cameras: list[Camera]) -> CameraIndex:
    return CameraIndex(CameraPlace.of(c) for c in cameras)


def reference(cameras: list[Camera], lat: float, lon: float, radius: float, agencies: set[str]) -> list[Any]:
    return as_rows(cameras_that_see([c for c in cameras if c.agency_id in agencies], lat, lon, radius))


# A camera is put where it matters: anywhere around the place, right on the edge of the search circle (a
# hair inside or outside), at its own range's edge, on top of the place, or looking just along the edge of
# its field of view.
geometry = st.fixed_dictionaries(
    {
        "heading_deg": st.none() | st.floats(0, 359.9),
        "fov_deg": st.none() | st.floats(1, 360),
        "range_m": st.none() | st.floats(1, 400),
        "ptz": st.booleans(),
        "mount_height_m": st.none() | st.floats(0, 40),
    }
)
where = st.one_of(
    st.tuples(st.floats(0, 360), st.floats(0, 600)),  # (bearing from the place, distance)
    st.tuples(st.floats(0, 360), st.sampled_from(["edge", "edge-", "edge+", "range", "here"])),
)


@st.composite
def scenes(draw: st.DrawFn) -> tuple[list[Camera], float, float, float, set[str]]:
    lat = draw(st.floats(-70, 70))
    lon = draw(st.floats(-180, 180))
    radius = draw(st.sampled_from([25.0, 150.0, 300.0, 450.0]) | st.floats(1, 600))
    cams = []
    for i in range(draw(st.integers(0, 25))):
        g = draw(geometry)
        bearing, dist = draw(where)
        if dist == "edge":
            dist = radius
        elif dist == "edge-":
            dist = radius - 1e-6
        elif dist == "edge+":
            dist = radius + 1e-6
        elif dist == "range":
            dist = g["range_m"] if g["range_m"] is not None else radius / 2
        elif dist == "here":
            dist = draw(st.floats(0, 1))
        clat, clon = offset(lat, lon, bearing, float(dist))
        if g["heading_deg"] is not None and draw(st.booleans()):
            # Looking so that the place is on the edge of the field of view.
            back = (bearing + 180.0) % 360.0
            half = (g["fov_deg"] or 90.0) / 2
            g["heading_deg"] = (back + draw(st.sampled_from([-1, 1])) * half) % 360.0
        cams.append(camera(i, draw(st.sampled_from(AGENCIES)), clat, clon, **g))
    agencies = draw(st.sets(st.sampled_from(AGENCIES), min_size=1))
    return cams, lat, lon, radius, agencies


@settings(max_examples=400, deadline=None)
@given(scenes())
def test_the_index_finds_what_looking_at_every_camera_finds(scene: Any) -> None:
    cams, lat, lon, radius, agencies = scene
    got = as_rows(index_of(cams).sights(lat, lon, radius, agencies))
    assert got == reference(cams, lat, lon, radius, agencies)


@settings(max_examples=150, deadline=None)
@given(scenes(), st.data())
def test_the_index_keeps_the_same_answer_as_cameras_move_turn_come_and_go(
    scene: Any, data: st.DataObject
) -> None:
    cams, lat, lon, radius, agencies = scene
    index = index_of(cams)
    current = {c.id: c for c in cams}
    for step in range(data.draw(st.integers(1, 12))):
        action = data.draw(st.sampled_from(["move", "turn", "remove", "add"]))
        if action == "add" or not current:
            bearing, dist = data.draw(st.floats(0, 360)), data.draw(st.floats(0, 600))
            clat, clon = offset(lat, lon, bearing, dist)
            cam = camera(100 + step, data.draw(st.sampled_from(AGENCIES)), clat, clon, **data.draw(geometry))
        else:
            old = current[data.draw(st.sampled_from(sorted(current)))]
            if action == "remove":
                del current[old.id]
                index.remove([old.id])
                continue
            if action == "move":
                bearing, dist = data.draw(st.floats(0, 360)), data.draw(st.floats(0, 600))
                clat, clon = offset(lat, lon, bearing, dist)
                cam = old.model_copy(update={"lat": clat, "lon": clon})
            else:
                cam = old.model_copy(update=data.draw(geometry))
        current[cam.id] = cam
        index.put([CameraPlace.of(cam)])
    assert len(index) == len(current)
    got = as_rows(index.sights(lat, lon, radius, agencies))
    assert got == reference(list(current.values()), lat, lon, radius, agencies)


def test_a_pan_tilt_zoom_camera_in_range_is_in_view_with_where_to_point_it() -> None:
    lat, lon = 39.9612, -82.9988
    clat, clon = offset(lat, lon, 180.0, 110.0)  # 110 m south of the place
    index = index_of(
        [
            camera(1, "cpd", clat, clon, ptz=True, range_m=200.0, mount_height_m=12.0),
            camera(2, "cpd", *offset(lat, lon, 0.0, 60.0), heading_deg=90.0, fov_deg=60.0),  # looks away
            camera(3, "cpd", *offset(lat, lon, 90.0, 30.0)),  # orientation not on record
            camera(4, "cpd", *offset(lat, lon, 90.0, 80.0), range_m=50.0),  # too short-sighted
        ]
    )
    found = index.sights(lat, lon, 300.0, {"cpd"})
    assert [(s.camera_id, s.view) for s in found] == [
        ("cam-001", "in_view"),
        ("cam-003", "unknown"),
        ("cam-002", "out_of_view"),
        ("cam-004", "out_of_view"),
    ]
    ptz = found[0]
    assert (ptz.pan_deg is not None and abs(ptz.pan_deg) < 0.2) or ptz.pan_deg == 360.0  # due north
    assert ptz.tilt_deg is not None and -7 < ptz.tilt_deg < -5  # 12 m up, 110 m away
    assert found[1].pan_deg is None and found[1].tilt_deg is None


def test_only_the_asked_agencies_cameras_are_found() -> None:
    lat, lon = 39.9612, -82.9988
    index = index_of([camera(1, "cpd", lat, lon + 0.0001), camera(2, "fcso", lat, lon - 0.0001)])
    assert [s.camera_id for s in index.sights(lat, lon, 100.0, {"cpd"})] == ["cam-001"]
    assert [s.camera_id for s in index.sights(lat, lon, 100.0, {"cpd", "fcso"})] == ["cam-001", "cam-002"]
    assert index.sights(lat, lon, 100.0, {"nobody"}) == []
    assert len(index.sights(lat, lon, 100.0)) == 2  # no agency named: all of them


def test_a_camera_across_the_antimeridian_or_the_pole_is_found() -> None:
    east = camera(1, "cpd", 10.0, 179.9995)
    west = camera(2, "cpd", 10.0, -179.9995)
    arctic = camera(3, "cpd", 89.9995, 10.0)
    other_side = camera(4, "cpd", 89.9995, -170.0)
    index = index_of([east, west, arctic, other_side])
    assert {s.camera_id for s in index.sights(10.0, 179.9999, 200.0)} == {"cam-001", "cam-002"}
    near_pole = index.sights(89.9995, 10.0, 200.0)
    assert {s.camera_id for s in near_pole} == {"cam-003", "cam-004"}
    assert haversine_m(89.9995, 10.0, 89.9995, -170.0) < 200.0


def test_a_wide_search_reads_every_occupied_cell_and_still_agrees() -> None:
    lat, lon = 39.9612, -82.9988
    cams = [camera(i, "cpd", *offset(lat, lon, i * 37.0 % 360, 40.0 * i)) for i in range(60)]
    index = index_of(cams)
    assert as_rows(index.sights(lat, lon, 5000.0, {"cpd"})) == reference(cams, lat, lon, 5000.0, {"cpd"})
    assert len(index.sights(lat, lon, 5000.0, {"cpd"})) == 60


def test_a_moved_camera_is_found_where_it_went_and_a_removed_one_nowhere() -> None:
    lat, lon = 39.9612, -82.9988
    cam = camera(1, "cpd", lat, lon)
    index = index_of([cam])
    far = offset(lat, lon, 45.0, 2000.0)
    index.put([CameraPlace.of(cam.model_copy(update={"lat": far[0], "lon": far[1]}))])
    assert index.sights(lat, lon, 300.0) == []
    assert [s.camera_id for s in index.sights(far[0], far[1], 300.0)] == ["cam-001"]
    index.remove(["cam-001", "never-held"])
    assert index.sights(far[0], far[1], 300.0) == [] and len(index) == 0 and "cam-001" not in index
    index.put([CameraPlace.of(cam)])  # back again, in a slot freed by the removal
    assert index.get("cam-001") == CameraPlace.of(cam)


def test_the_status_on_record_comes_with_each_camera() -> None:
    lat, lon = 39.9612, -82.9988
    cam = camera(1, "cpd", lat, lon + 0.0001, status="down")
    [found] = index_of([cam]).sights(lat, lon, 50.0)
    assert (found.camera_id, found.agency_id, found.status) == ("cam-001", "cpd", "down")

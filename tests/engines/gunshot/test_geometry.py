import math

import numpy as np
import pytest

from rtcc.engines.gunshot.geometry import LocalFrame, camera_view, inside_hull, speed_of_sound


def test_speed_of_sound_follows_the_air_temperature() -> None:
    assert speed_of_sound(0) == pytest.approx(331.3)
    assert speed_of_sound(20) == pytest.approx(343.2, abs=0.1)
    # about 1.7 m of range per kilometre for each degree (BRIEF, gunshot location)
    per_degree = 1000 / speed_of_sound(10) * (speed_of_sound(11) - speed_of_sound(10))
    assert per_degree == pytest.approx(1.7, abs=0.1)


def test_local_frame_round_trips_and_measures_metres() -> None:
    frame = LocalFrame(39.9612, -82.9988, 230.0)
    lat, lon, h = frame.to_geodetic((1000.0, -500.0, 12.0))
    assert np.allclose(frame.to_enu(lat, lon, h), [1000.0, -500.0, 12.0], atol=1e-4)
    north = frame.to_enu(39.9612 + 1 / 60, -82.9988, 230.0)  # one nautical mile north
    assert north[1] == pytest.approx(1852, rel=0.003) and abs(north[0]) < 0.01


def test_inside_the_hull_of_the_sensors() -> None:
    square = np.array([[0, 0], [1000, 0], [1000, 1000], [0, 1000], [500, 500]])
    assert inside_hull((500, 200), square)
    assert not inside_hull((1200, 500), square)


def test_a_fixed_camera_sees_what_is_in_its_field_of_view_and_range() -> None:
    # camera 100 m south of the spot, looking north with a 60 degree view, 150 m range
    spot = (39.9612, -82.9988)
    cam = (39.9612 - 100 / 111_195, -82.9988)
    facing = camera_view(
        "c1", *cam, *spot, heading_deg=0, fov_deg=60, range_m=150, ptz=False, mount_height_m=6
    )
    assert facing.in_view and facing.distance_m == pytest.approx(100, abs=0.5) and facing.pan_deg is None
    away = camera_view(
        "c2", *cam, *spot, heading_deg=180, fov_deg=60, range_m=150, ptz=False, mount_height_m=6
    )
    assert not away.in_view
    short = camera_view("c3", *cam, *spot, heading_deg=0, fov_deg=60, range_m=50, ptz=False, mount_height_m=6)
    assert not short.in_view


def test_a_ptz_camera_is_told_where_to_look() -> None:
    spot = (39.9612, -82.9988)
    cam = (39.9612, -82.9988 - 100 / (111_195 * math.cos(math.radians(39.9612))))  # 100 m west
    view = camera_view(
        "ptz", *cam, *spot, heading_deg=0, fov_deg=50, range_m=300, ptz=True, mount_height_m=10
    )
    assert view.in_view and view.ptz
    assert view.pan_deg == pytest.approx(90, abs=0.5)  # east
    assert view.tilt_deg == pytest.approx(-math.degrees(math.atan2(10, 100)), abs=0.2)

"""The static world: every kind of camera, sensor arrays of realistic density, units, drones, hotlist."""

from __future__ import annotations

import math
import random

from rtcc.domain.vocab import CameraKind
from rtcc.sim import CitySimulator
from rtcc.sim.plates import CONFUSABLE, misread, random_vehicle
from tests.sim.conftest import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, START, Run


def test_counts_at_scale_one(hour: Run) -> None:
    reg = hour.sim.registry()
    assert 200 <= len(reg.cameras) <= 600
    assert {c.kind for c in reg.cameras} == set(CameraKind)
    assert 50 <= len(reg.sensors) <= 70
    assert 15 <= len(reg.readers) <= 25
    assert 35 <= len(reg.units) <= 45
    assert len(reg.drones) == 3 and len(reg.docks) == 3
    assert {"NCIC stolen vehicle", "Amber alert", "agency BOLO"} <= {h.source for h in reg.hotlist}


def test_ids_unique_and_places_in_columbus(hour: Run) -> None:
    reg = hour.sim.registry()
    for group in (reg.cameras, reg.sensors, reg.readers, reg.units, reg.drones):
        ids = [x.id for x in group]
        assert len(ids) == len(set(ids))
    for cam in reg.cameras:
        assert cam.stream_url == f"rtsp://127.0.0.1:8554/{cam.id}"
        assert 0 <= cam.heading_deg < 360 and cam.fov_deg > 0 and cam.range_m > 0
        assert LAT_MIN <= cam.lat <= LAT_MAX and LON_MIN <= cam.lon <= LON_MAX
    for unit in reg.units:
        assert len(unit.id) == 4 and unit.id[0].isdigit() and unit.id[1].isalpha() and unit.id[2:].isdigit()
        assert unit.id.startswith(unit.district)


def test_sensor_arrays_have_ten_to_twenty_sensors_per_square_km(hour: Run) -> None:
    reg = hour.sim.registry()
    assert 2 <= len(reg.sensor_arrays) <= 3
    for array in reg.sensor_arrays:
        members = [s for s in reg.sensors if s.array == array.name]
        density = len(members) / (array.side_m / 1000) ** 2
        assert 10 <= density <= 20
        for s in members:
            assert 150 < s.elevation_m < 300


def test_scale_multiplies_the_world() -> None:
    small = CitySimulator(seed=1, start=START, scale=0.25).registry()
    big = CitySimulator(seed=1, start=START, scale=2.0).registry()
    assert len(small.units) == 10 and len(big.units) == 80
    assert len(small.readers) < len(big.readers)
    assert len(small.cameras) < len(big.cameras)
    assert math.isclose(len(big.units) / len(small.units), 8)


def test_misreads_are_one_ocr_error_away() -> None:
    rng = random.Random(3)
    for _ in range(300):
        vehicle = random_vehicle(rng)
        assert 5 <= len(vehicle.plate) <= 8 and vehicle.plate.isalnum() and vehicle.plate.isupper()
        wrong = misread(vehicle.plate, rng)
        assert wrong != vehicle.plate
        if len(wrong) == len(vehicle.plate):
            diffs = [(a, b) for a, b in zip(vehicle.plate, wrong, strict=True) if a != b]
            assert len(diffs) == 1 and CONFUSABLE[diffs[0][0]] == diffs[0][1]
        else:
            assert abs(len(wrong) - len(vehicle.plate)) == 1

"""Grouping, late-path and echo rejection, temperature, geometry warnings and rounds, on synthetic arrays."""

import math

import numpy as np
import pytest

from rtcc.engines.gunshot.geometry import speed_of_sound
from rtcc.engines.gunshot.locate import group_incidents, locate
from rtcc.engines.gunshot.solver import least_squares_fix
from tests.engines.gunshot.synth import Scene, grid_array

SPOT = (640.0, 470.0, 1.5)


def error(shot_xyz: tuple[float, float, float], spot: tuple[float, float, float] = SPOT) -> float:
    return math.dist(shot_xyz[:2], spot[:2])


def test_a_clean_shot_is_located_within_a_metre_with_its_uncertainty() -> None:
    scene = Scene(grid_array())
    scene.shoot(SPOT, 1.0)
    [shot], unexplained = locate(scene.shuffled(), temperature_c=15)
    assert error(shot.xyz) < 1.0
    assert shot.sensor_count == 25 and unexplained == []
    assert shot.warnings == []
    unc = shot.uncertainty
    assert 0 < unc["radius_90_m"] < 3 and unc["ellipse_semi_major_m"] >= unc["ellipse_semi_minor_m"]


def test_late_paths_and_echoes_are_not_used_for_the_fix() -> None:
    scene = Scene(grid_array())
    late = {0: 0.020, 6: 0.035, 12: 0.012, 18: 0.008}
    echoes = {3: 0.05, 7: 0.12, 12: 0.30, 20: 0.09}
    scene.shoot(SPOT, 1.0, late=late, echoes=echoes)
    [shot], unexplained = locate(scene.shuffled(), temperature_c=15)
    assert error(shot.xyz) < 1.0
    used_kinds = {scene.truth_kind[p] for p in shot.pulse_ids}
    assert used_kinds == {"direct"}
    assert {scene.truth_kind[p] for p in shot.extra_pulse_ids} <= {"late", "echo"}
    assert unexplained == []


def test_without_rejection_late_paths_would_pull_the_fix_away() -> None:
    scene = Scene(grid_array())
    scene.shoot(SPOT, 1.0, late={0: 0.030, 6: 0.040, 12: 0.025, 18: 0.035, 24: 0.030})
    p = np.array([pl.xyz for pl in scene.pulses])
    t = np.array([(pl.arrival_ns - scene.pulses[0].arrival_ns) / 1e9 for pl in scene.pulses])
    plain = least_squares_fix(p, t, speed_of_sound(15), z_prior=0.0)
    [shot], _ = locate(scene.pulses, temperature_c=15)
    assert error(tuple(plain.position)) > 3 * error(shot.xyz)


def test_unrelated_impulses_stay_unexplained_and_make_no_shot() -> None:
    scene = Scene(grid_array())
    scene.shoot(SPOT, 1.0)
    # a door before the shot, an engine backfire and fireworks well after its last echo
    for sensor, t in ((3, 0.2), (4, 0.25), (22, 8.4), (10, 9.0), (11, 9.05)):
        scene.noise(sensor, t)
    shots, unexplained = locate(scene.shuffled(), temperature_c=15)
    assert len(shots) == 1
    assert {scene.truth_kind[p] for p in shots[0].pulse_ids} == {"direct"}
    assert sorted(scene.truth_kind[p] for p in unexplained) == ["noise"] * 5


def test_rounds_a_fraction_of_a_second_apart_are_separate_shots_of_one_incident() -> None:
    scene = Scene(grid_array())
    for i, t in enumerate((1.0, 1.22, 1.61, 2.5)):
        scene.shoot(SPOT, t, echoes={i: 0.25, i + 5: 0.31})
    shots, _ = locate(scene.shuffled(), temperature_c=15)
    assert len(shots) == 4 and all(error(s.xyz) < 1.5 for s in shots)
    [incident] = group_incidents(shots)
    assert incident.rounds == 4 and incident.classification == "multiple gunshots"


def test_shots_at_two_places_are_two_incidents() -> None:
    scene = Scene(grid_array())
    scene.shoot(SPOT, 1.0)
    scene.shoot((200.0, 900.0, 1.5), 1.4)
    shots, _ = locate(scene.shuffled(), temperature_c=15)
    incidents = group_incidents(shots)
    assert [i.rounds for i in incidents] == [1, 1]
    assert incidents[0].classification == "single gunshot"


def test_the_reported_temperature_matters_and_is_refined_by_many_sensors() -> None:
    scene = Scene(grid_array(), temperature_c=30.0)
    scene.shoot(SPOT, 1.0)
    [right], _ = locate(scene.pulses, temperature_c=30.0)
    [off], _ = locate(scene.pulses, temperature_c=24.0)
    assert error(right.xyz) < 1.0
    # Told 6 degrees too cold, the fit still lands close: the speed of sound is refined by 25 sensors.
    assert error(off.xyz) < 3.0
    assert speed_of_sound(24.0) < speed_of_sound(30.0)


def test_a_shooter_outside_the_array_is_flagged() -> None:
    scene = Scene(grid_array())
    outside = (1500.0, 600.0, 1.5)
    scene.shoot(outside, 1.0)
    [shot], _ = locate(scene.pulses, temperature_c=15)
    assert "outside_sensor_hull" in shot.warnings
    assert error(shot.xyz, outside) < 25


def test_few_sensors_are_flagged_and_called_probable_gunfire() -> None:
    scene = Scene(grid_array(n_side=3, spacing=350))
    heard = {0, 1, 3, 4, 5}
    scene.shoot((400.0, 300.0, 1.5), 1.0, deaf=set(range(9)) - heard)
    [shot], _ = locate(scene.pulses, temperature_c=15)
    assert shot.sensor_count == 5 and "too_few_sensors" in shot.warnings
    assert group_incidents([shot])[0].classification == "probable gunfire"


def test_four_sensors_are_not_enough_to_call_a_shot() -> None:
    scene = Scene(grid_array(n_side=3, spacing=350))
    scene.shoot((400.0, 300.0, 1.5), 1.0, deaf=set(range(9)) - {0, 1, 3, 4})
    shots, unexplained = locate(scene.pulses, temperature_c=15)
    assert shots == [] and len(unexplained) == 4


@pytest.mark.parametrize("geodetic", [False, True])
def test_both_frames_give_the_same_answer(geodetic: bool) -> None:
    scene = Scene(grid_array(), geodetic=geodetic)
    scene.shoot(SPOT, 1.0, late={2: 0.02})
    [shot], _ = locate(scene.shuffled(), temperature_c=15)
    if geodetic:
        from tests.engines.gunshot.synth import ORIGIN

        assert shot.lat is not None and shot.lon is not None
        e, n, _ = ORIGIN.to_enu(shot.lat, shot.lon, shot.elevation_m or 0.0)
        assert math.dist((e, n), SPOT[:2]) < 1.0
    else:
        assert shot.lat is None and error(shot.xyz) < 1.0

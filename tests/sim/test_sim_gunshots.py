"""Gunshot pulses against the truth: arrival times from geometry, and the echoes, late paths and noise."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from rtcc.domain.geo import haversine_m
from rtcc.sim import CitySimulator
from rtcc.sim.acoustics import speed_of_sound
from rtcc.sim.core import to_ns
from tests.sim.conftest import START, Run


@pytest.fixture(scope="module")
def gunfire() -> Run:
    """Six evening hours of gunfire and the calls it draws (other feeds off, to keep it quick)."""
    sim = CitySimulator(seed=21, start=START, feeds={"gunshot", "cad"})
    return Run(sim, list(sim.events(START + timedelta(hours=6))))


def test_speed_of_sound() -> None:
    assert speed_of_sound(0.0) == pytest.approx(331.3)
    assert speed_of_sound(10.0) == pytest.approx(337.3, abs=0.1)


def test_direct_arrivals_match_geometry(gunfire: Run) -> None:
    sensors = {s.id: s for s in gunfire.sim.registry().sensors}
    shots = {s.shot_id: s for s in gunfire.sim.truth.shots}
    assert shots
    direct = [p for p in gunfire.sim.truth.pulses if p.kind == "direct"]
    assert len(direct) >= 4 * len(shots)
    for pulse in direct:
        shot, sensor = shots[str(pulse.shot_id)], sensors[pulse.sensor_id]
        assert pulse.round_index is not None
        distance = math.hypot(
            haversine_m(shot.lat, shot.lon, sensor.lat, sensor.lon), sensor.elevation_m - shot.elevation_m
        )
        assert distance <= 1500
        expected_ns = shot.round_ns[pulse.round_index] + distance / shot.speed_of_sound_mps * 1e9
        assert abs(pulse.arrival_ns - expected_ns) <= 4e6  # 1 ms jitter, clipped at 3 ms


def test_late_echo_and_unrelated_pulses_exist(gunfire: Run) -> None:
    kinds = {p.kind for p in gunfire.sim.truth.pulses}
    assert kinds == {"direct", "nlos", "echo", "noise"}
    shots = {s.shot_id: s for s in gunfire.sim.truth.shots}
    sensors = {s.id: s for s in gunfire.sim.registry().sensors}
    for pulse in gunfire.sim.truth.pulses:
        if pulse.kind in ("nlos", "echo"):
            shot, sensor = shots[str(pulse.shot_id)], sensors[pulse.sensor_id]
            assert pulse.round_index is not None
            distance = math.hypot(
                haversine_m(shot.lat, shot.lon, sensor.lat, sensor.lon), sensor.elevation_m - shot.elevation_m
            )
            direct_ns = shot.round_ns[pulse.round_index] + distance / shot.speed_of_sound_mps * 1e9
            assert pulse.arrival_ns - direct_ns >= 2e6  # later than any direct path could be
        if pulse.kind == "noise":
            assert pulse.shot_id is None and pulse.source_id is not None
    per_impulse: dict[str, set[str]] = {}
    for pulse in gunfire.sim.truth.pulses:
        if pulse.source_id:
            per_impulse.setdefault(pulse.source_id, set()).add(pulse.sensor_id)
    assert per_impulse and all(1 <= len(s) <= 2 for s in per_impulse.values())


def test_pulse_events_carry_the_arrival_time(gunfire: Run) -> None:
    sensors = {s.id: s for s in gunfire.sim.registry().sensors}
    truth = {p.event_id: p for p in gunfire.sim.truth.pulses}
    pulses = gunfire.of_type("gunshot.pulse")
    assert len(pulses) == len(truth)
    for item in pulses:
        payload, loc = item.event["payload"], item.event["location"]
        assert payload["arrival_ns"] == truth[item.event["id"]].arrival_ns
        assert payload["snr_db"] > 0
        assert (
            to_ns(datetime.fromisoformat(item.event["occurred_at"])) == payload["arrival_ns"] // 1000 * 1000
        )
        sensor = sensors[payload["sensor_id"]]
        assert (loc["lat"], loc["lon"]) == (sensor.lat, sensor.lon)


def test_shots_are_multi_round_sometimes_and_draw_calls(gunfire: Run) -> None:
    shots = gunfire.sim.truth.shots
    assert shots[0].fired_at - START <= timedelta(minutes=45)
    for shot in shots:
        gaps = [(b - a) / 1e9 for a, b in zip(shot.round_ns, shot.round_ns[1:], strict=False)]
        assert all(0.2 <= g <= 1.0 for g in gaps)
    assert any(s.rounds > 1 for s in shots) and any(s.rounds == 1 for s in shots)
    calls = {e.event["payload"]["call_id"]: e.event for e in gunfire.of_type("call.received")}
    reported = [s for s in shots if s.call_id]
    assert reported, "neighbours call 911 about some shootings"
    for shot in reported:
        call = calls[shot.call_id]
        assert call["payload"]["call_type"] == "SHOOT" and call["payload"]["priority"] == "highest"
        assert haversine_m(shot.lat, shot.lon, call["location"]["lat"], call["location"]["lon"]) < 1000

"""Bursts on a small array: several rounds from a moving shooter, heard by six sensors that each also report
echoes, one of them with its clock off. Shot-by-shot grouping finds chance fits there; tracking the burst
locates every round, finds the clock offset, and names the sensor."""

import asyncio
import math
import random
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from rtcc.bus.memory import InProcessBus
from rtcc.domain.events import Event
from rtcc.domain.geo import Location
from rtcc.engines.gunshot.association import AssociationConfig
from rtcc.engines.gunshot.burst import estimate_clock_offsets, fit_round
from rtcc.engines.gunshot.engine import GunshotEngine
from rtcc.engines.gunshot.geometry import speed_of_sound
from rtcc.engines.gunshot.locate import LocatedShot, group_incidents, locate
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState
from tests.conftest import World
from tests.engines.gunshot.synth import ORIGIN, T0_NS, Scene

# Six rooftop sensors over about a square kilometre: a small array, like a pilot deployment.
SENSORS = np.array(
    [
        [290.0, 370.0, 10.0],
        [0.0, -360.0, -7.0],
        [590.0, 120.0, 7.0],
        [-130.0, 800.0, -4.0],
        [590.0, 690.0, -3.0],
        [-270.0, 620.0, -3.0],
    ]
)
CLOCK_SENSOR = 4


def burst(
    *, clock: dict[int, float] | None = None, seed: int = 3
) -> tuple[Scene, list[tuple[float, tuple[float, float, float]]]]:
    """Seven rounds over five seconds from a car driving south at 8 m/s, each sensor also hearing one to
    three echoes per round, and a few unrelated impulses."""
    rng = random.Random(seed)
    scene = Scene(SENSORS.copy(), temperature_c=26.0, rng=random.Random(seed))
    truth = []
    t = 1.0
    for k in range(7):
        spot = (5.0, -8.0 * (t - 1.0), -15.0)
        echoes = {i: rng.uniform(0.05, 0.4) for i in range(6)}
        scene.shoot(spot, t, clock=clock, echoes=echoes)
        for i in range(6):
            for _ in range(rng.randint(0, 2)):
                scene.noise(i, t + rng.uniform(0.6, 2.5))  # more echoes, off farther walls
        truth.append((t, spot))
        t += rng.uniform(0.35, 1.1) if k < 6 else 0.0
    for _ in range(4):
        scene.noise(rng.randrange(6), rng.uniform(0.0, t + 2))
    return scene, truth


def match(shots: list[LocatedShot], truth: list[tuple[float, tuple[float, float, float]]]) -> list[float]:
    """Distance from each true round to the located shot fired closest in time to it (within 20 ms)."""
    out = []
    for t, spot in truth:
        t_ns = T0_NS + round(t * 1e9)
        shot = min(shots, key=lambda s: abs(s.t0_ns - t_ns))
        out.append(math.dist(shot.xyz[:2], spot[:2]) if abs(shot.t0_ns - t_ns) < 20_000_000 else math.inf)
    return out


def test_a_burst_with_one_clock_off_is_located_round_by_round() -> None:
    scene, truth = burst(clock={CLOCK_SENSOR: -0.025})
    shots, _ = locate(scene.shuffled(), temperature_c=26.0)
    assert len(shots) == len(truth)
    assert max(match(shots, truth)) < 10
    for shot in shots:
        assert shot.sensor_count >= 5
        assert shot.burst_rounds == 7
        assert "sensor_clock_offset" in shot.warnings
        [(sensor, found)] = shot.clock_offsets.items()
        assert sensor == f"S{CLOCK_SENSOR:02d}"
        assert found["offset_ms"] == pytest.approx(-25, abs=max(8.0, 3 * found["uncertainty_ms"]))
        assert found["rounds"] >= 3
    [incident] = group_incidents(shots)
    assert incident.rounds == 7 and incident.classification == "multiple gunshots"


def test_sensors_with_good_clocks_are_not_given_offsets() -> None:
    scene, truth = burst()
    shots, _ = locate(scene.shuffled(), temperature_c=26.0)
    assert len(shots) == len(truth)
    assert max(match(shots, truth)) < 10
    assert all(not s.clock_offsets and "sensor_clock_offset" not in s.warnings for s in shots)


def test_shot_by_shot_grouping_alone_does_not_manage_it() -> None:
    """What the burst pass is for: without it, the same pulses give chance fits and lost rounds."""
    scene, truth = burst(clock={CLOCK_SENSOR: -0.025})
    shots, _ = locate(scene.shuffled(), temperature_c=26.0, config=AssociationConfig(bursts=False))
    good = [d for d in match(shots, truth) if d < 10] if shots else []
    assert len(good) < len(truth) or len(shots) > len(truth)
    assert not any(s.clock_offsets for s in shots)


def test_leaving_out_an_early_arrival_beats_dropping_the_worst_residual() -> None:
    c = speed_of_sound(20.0)
    spot = np.array([10.0, -30.0, -15.0])
    t = np.linalg.norm(SENSORS - spot, axis=1) / c
    t[CLOCK_SENSOR] -= 0.030  # early: no sound path does that, a clock does
    fix = fit_round(SENSORS, t, c, z_prior=-15.0, threshold_s=0.003, min_arrivals=4)
    assert fix is not None
    assert CLOCK_SENSOR not in fix.used and len(fix.used) == 5
    assert math.dist(fix.position[:2], spot[:2]) < 2


def test_no_clock_offset_is_claimed_from_fits_that_cannot_check_themselves() -> None:
    """Five sensors: leaving one out leaves four, which fit any position exactly, so no lag means anything."""
    c = speed_of_sound(20.0)
    spot = np.array([10.0, -30.0, -15.0])
    five = SENSORS[:5]
    t = np.linalg.norm(five - spot, axis=1) / c
    t[1] -= 0.030
    rounds = [[(i, float(v) + k) for i, v in enumerate(t)] for k in range(5)]
    kwargs = {"z_prior": -15.0, "threshold_s": 0.003, "min_arrivals": 4, "min_rounds": 3}
    assert estimate_clock_offsets(five, rounds, c, max_offset_s=0.1, **kwargs) == {}  # type: ignore[arg-type]
    six_t = np.linalg.norm(SENSORS - spot, axis=1) / c
    six_t[1] -= 0.030
    six = [[(i, float(v) + k) for i, v in enumerate(six_t)] for k in range(5)]
    found = estimate_clock_offsets(SENSORS, six, c, max_offset_s=0.1, **kwargs)  # type: ignore[arg-type]
    assert list(found) == [1] and found[1].offset_s == pytest.approx(-0.030, abs=0.002)


def test_the_alert_names_the_sensor_with_its_clock_off(db: Database, world: World) -> None:
    scene, truth = burst(clock={CLOCK_SENSOR: -0.025})
    events = []
    for k, p in enumerate(scene.shuffled()):
        assert p.xyz is not None
        lat, lon, h = ORIGIN.to_geodetic(p.xyz)
        when = datetime.fromtimestamp(p.arrival_ns / 1e9, UTC)
        events.append(
            Event(
                seq=k + 1,
                id=p.id,
                type="gunshot.pulse",
                source_id="sensors",
                agency_id=world.agency_id,
                occurred_at=when,
                received_at=when,
                location=Location(lat=lat, lon=lon),
                payload={
                    "sensor_id": p.sensor_id,
                    "arrival_ns": p.arrival_ns,
                    "elevation_m": h,
                    "temperature_c": 26.0,
                },
            )
        )
    emitted: list[dict[str, Any]] = []

    async def emit(agency_id: str, items: list[dict[str, Any]]) -> None:
        emitted.extend(items)

    async def go() -> None:
        engine = GunshotEngine(InProcessBus(), emit, SqlLiveState(db))
        for agency in engine.take(events):
            await engine.process(agency)

    asyncio.run(go())
    [alert] = [i["payload"] for i in emitted if i["type"] == "alert.raised"]
    detail = alert["detail"]
    assert detail["rounds"] == len(truth)
    assert list(detail["clock_offsets"]) == [f"S{CLOCK_SENSOR:02d}"]
    assert "sensor_clock_offset" in detail["warnings"]
    assert all(len(s["sensors"]) >= 5 for s in detail["shots"])

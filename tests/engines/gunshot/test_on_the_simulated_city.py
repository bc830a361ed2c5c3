"""Score the gunshot pipeline on the simulated city's pulse stream against its ground truth: every round
of every shooting, with echoes, late paths and unrelated impulses in the stream as the feeds deliver them."""

import math
from datetime import UTC, datetime, timedelta

from rtcc.domain.geo import haversine_m
from rtcc.engines.gunshot.locate import SensorPulse, group_incidents, locate
from rtcc.sim import CitySimulator


def test_rounds_are_located_within_25_m_and_incidents_counted() -> None:
    start = datetime(2026, 11, 21, 18, tzinfo=UTC)
    sim = CitySimulator(seed=11, start=start, feeds=["gunshot"])
    pulses, temperatures = [], []
    for item in sim.events(start + timedelta(hours=12)):
        e = item.event
        if e["type"] == "gunshot.pulse":
            p, loc = e["payload"], e["location"]
            pulses.append(
                SensorPulse(
                    e["id"], p["sensor_id"], p["arrival_ns"], loc["lat"], loc["lon"], p["elevation_m"]
                )
            )
        elif "temperature_c" in e["payload"]:
            temperatures.append(e["payload"]["temperature_c"])
    shots, _ = locate(pulses, temperature_c=sum(temperatures) / len(temperatures))
    rounds = [(truth, fired_ns) for truth in sim.truth.shots for fired_ns in truth.round_ns]
    assert len(rounds) >= 20
    errors = []
    for truth, fired_ns in rounds:
        near = [s for s in shots if abs(s.t0_ns - fired_ns) < 50_000_000]
        errors.append(
            min((haversine_m(s.lat or 0, s.lon or 0, truth.lat, truth.lon) for s in near), default=math.inf)
        )
    within = sum(e <= 25 for e in errors) / len(errors)
    assert within >= 0.97, sorted(errors)[-5:]
    # no shot that the truth does not explain
    assert all(any(abs(s.t0_ns - f) < 50_000_000 for _, f in rounds) for s in shots)
    incidents = group_incidents(shots)
    assert sorted(i.rounds for i in incidents) == sorted(len(t.round_ns) for t in sim.truth.shots)

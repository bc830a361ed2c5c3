"""The event stream: valid envelopes and payloads, time order, every feed, determinism."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any

from rtcc.domain.events import EventIn, validate_payload
from rtcc.sim import FEEDS, CitySimulator
from tests.sim.conftest import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, SEED, START, Run

EXPECTED_TYPES = {
    "cad": {"call.received", "incident.status"},
    "avl": {"unit.location", "unit.status"},
    "cameras": {"camera.status"},
    "alpr": {"alpr.read"},
    "gunshot": {"gunshot.pulse", "sensor.heartbeat"},
    "drones": {"drone.telemetry"},
}


def digest(events: list[dict[str, object]]) -> str:
    return hashlib.sha256(json.dumps(events, sort_keys=True).encode()).hexdigest()


def test_every_event_validates(hour: Run) -> None:
    for item in hour.events:
        json.dumps(item.event)  # JSON-ready as it stands
        event = EventIn.model_validate(item.event)
        _, errors = validate_payload(event)
        assert not errors, (item.event, errors)
        assert event.occurred_at.utcoffset() == timedelta(0)
        assert len(item.event["occurred_at"]) == len("2026-11-21T22:00:00.000000Z")


def test_ids_are_unique_and_times_ordered(hour: Run) -> None:
    ids = [e.event["id"] for e in hour.events]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"sim-{SEED}-") for i in ids)
    times = [datetime.fromisoformat(e.event["occurred_at"]) for e in hour.events]
    assert times == sorted(times)
    assert times[0] >= START and times[-1] < START + timedelta(hours=1)


def test_every_feed_and_type_appears_within_an_hour(hour: Run) -> None:
    seen: dict[str, set[str]] = {}
    for item in hour.events:
        seen.setdefault(item.feed, set()).add(item.type)
    assert seen == EXPECTED_TYPES
    assert set(FEEDS) == set(EXPECTED_TYPES)


def test_event_rate_is_realistic(hour: Run) -> None:
    assert 5 <= len(hour.events) / 3600 <= 30


def test_locations_are_in_columbus(hour: Run) -> None:
    for item in hour.events:
        loc = item.event.get("location")
        assert loc is not None, item.event
        assert LAT_MIN <= loc["lat"] <= LAT_MAX and LON_MIN <= loc["lon"] <= LON_MAX, item.event


def test_calls_carry_civic_addresses(hour: Run) -> None:
    calls = hour.of_type("call.received")
    assert len(calls) >= 10
    for call in calls:
        address = call.event["location"]["address"]
        assert (address["country"], address["a1"], address["a3"]) == ("US", "OH", "Columbus")
        assert address["rd"] and address["text"].endswith(", Columbus, OH")
    assert any("hno" in c.event["location"]["address"] for c in calls)
    assert any(" & " in c.event["location"]["address"]["text"] for c in calls)


def test_same_seed_same_bytes_different_seed_differs(hour: Run) -> None:
    until = START + timedelta(hours=1)
    again = [e.event for e in CitySimulator(seed=SEED, start=START).events(until)]
    assert digest(again) == digest([e.event for e in hour.events])
    other = [e.event for e in CitySimulator(seed=SEED + 1, start=START).events(START + timedelta(minutes=10))]
    assert digest(other) != digest(
        [e.event for e in hour.events if e.event["occurred_at"] < other[-1]["occurred_at"]]
    )


def test_resuming_in_steps_gives_the_same_stream(hour: Run) -> None:
    sim = CitySimulator(seed=SEED, start=START)
    stepped: list[dict[str, Any]] = []
    for minutes in range(5, 65, 5):
        stepped.extend(e.event for e in sim.events(START + timedelta(minutes=minutes)))
    assert digest(stepped) == digest([e.event for e in hour.events])


def test_determinism_does_not_depend_on_the_process() -> None:
    """Another interpreter, with another string-hash seed, must produce the same bytes."""
    script = (
        "import hashlib, json, sys; from datetime import timedelta; from rtcc.sim import CitySimulator; "
        "from tests.sim.conftest import START; "
        "sim = CitySimulator(seed=3, start=START); "
        "ev = [e.event for e in sim.events(START + timedelta(minutes=15))]; "
        "sys.stdout.write(hashlib.sha256(json.dumps(ev, sort_keys=True).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True, check=True
    )
    here = [e.event for e in CitySimulator(seed=3, start=START).events(START + timedelta(minutes=15))]
    assert out.stdout == digest(here)


def test_feeds_can_be_switched_off() -> None:
    sim = CitySimulator(seed=SEED, start=START, feeds={"cad", "cameras"})
    feeds = {e.feed for e in sim.events(START + timedelta(minutes=30))}
    assert feeds == {"cad", "cameras"}

"""Behaviour over time: units on streets, incidents in order, cameras failing, plates hotlisted, calls by hour."""

from __future__ import annotations

import collections
from datetime import datetime, timedelta

from rtcc.domain.geo import haversine_m
from rtcc.domain.vocab import IncidentStatus
from rtcc.sim import CitySimulator, StreetNetwork
from rtcc.sim.core import local_hour, to_ns
from tests.sim.conftest import Run


def test_units_move_along_streets(hour: Run, network: StreetNetwork) -> None:
    pings = hour.of_type("unit.location")
    assert len(pings) > 1000
    for ping in pings[::25]:
        loc = ping.event["location"]
        _, distance = network.nearest_edge(loc["lat"], loc["lon"])
        assert distance < 1.0, ping.event
    last: dict[str, tuple[datetime, float, float]] = {}
    moving = 0
    for ping in pings:
        unit, loc = ping.event["payload"]["unit_id"], ping.event["location"]
        at = datetime.fromisoformat(ping.event["occurred_at"])
        if unit in last:
            then, lat, lon = last[unit]
            gap = (at - then).total_seconds()
            assert 9.9 <= gap <= 15.1
            step = haversine_m(lat, lon, loc["lat"], loc["lon"])
            assert step <= gap * 40.0  # no faster than a cruiser on a freeway with lights on
            moving += step > 5
        last[unit] = (at, loc["lat"], loc["lon"])
    assert moving > len(pings) / 3


def test_incidents_progress_in_order(hour: Run) -> None:
    order = list(IncidentStatus)
    history: dict[str, list[IncidentStatus]] = collections.defaultdict(list)
    for item in hour.of_type("incident.status"):
        history[item.event["payload"]["incident_id"]].append(IncidentStatus(item.event["payload"]["status"]))
    assert any(h == order for h in history.values()), "some incident goes the whole way within the hour"
    for statuses in history.values():
        assert statuses[0] is IncidentStatus.RECEIVED
        assert [order.index(s) for s in statuses] == sorted({order.index(s) for s in statuses})
    units = {e.event["payload"]["status"] for e in hour.of_type("unit.status")}
    assert units == {"available", "dispatched", "en_route", "on_scene", "out_of_service"}


def test_cameras_go_down_and_come_back(hour: Run) -> None:
    changes: dict[str, list[str]] = collections.defaultdict(list)
    for item in hour.of_type("camera.status"):
        payload = item.event["payload"]
        changes[payload["camera_id"]].append(payload["status"])
        if payload["status"] == "down":
            assert payload["reason"]
    assert any(s[:2] == ["down", "up"] for s in changes.values())
    reasons = {e.event["payload"]["reason"] for e in hour.of_type("camera.status")}
    assert reasons & {"unreachable", "frozen", "black image"}


def test_hotlisted_plates_and_misreads_appear(hour: Run) -> None:
    reads = hour.of_type("alpr.read")
    assert 20 * 60 <= len(reads) <= 100 * 60  # tens per minute city-wide
    hot = {h.plate for h in hour.sim.registry().hotlist}
    read_plates = [r.event["payload"]["plate"] for r in reads]
    assert sum(p in hot for p in read_plates) >= 3
    assert sum(p in hot for p in read_plates) < len(read_plates) * 0.05
    truth = hour.sim.truth.plate_reads
    hot_misreads = [t for t in truth if t.hotlisted and t.misread]
    assert hot_misreads, "a hotlisted plate was misread"
    by_id = {r.event["id"]: r.event["payload"] for r in reads}
    for t in truth:
        assert by_id[t.event_id]["plate"] == t.read_plate
        assert abs(len(t.read_plate) - len(t.true_plate)) <= 1
    states = collections.Counter(r.event["payload"].get("state") for r in reads)
    assert states.most_common(1)[0][0] == "OH" and len(states) > 3
    for r in reads:
        assert 0 <= r.event["payload"]["confidence"] <= 100


def test_drones_fly_to_urgent_calls(hour: Run) -> None:
    states = collections.Counter(e.event["payload"]["state"] for e in hour.of_type("drone.telemetry"))
    assert states["docked"] > 0 and states["flying"] > 0
    urgent = {
        e.event["payload"]["incident_id"]
        for e in hour.of_type("incident.status")
        if e.event["payload"]["priority"] in ("highest", "high")
    }
    flown = {e.event["payload"].get("incident_id") for e in hour.of_type("drone.telemetry")} - {None}
    assert flown and flown <= urgent


def test_calls_follow_a_daily_rhythm() -> None:
    start = datetime.fromisoformat("2026-11-22T05:00:00+00:00")  # local midnight
    sim = CitySimulator(seed=5, start=start, feeds={"cad"})
    per_hour = collections.Counter(
        int(local_hour(to_ns(datetime.fromisoformat(e.event["occurred_at"]))))
        for e in sim.events(start + timedelta(days=1))
        if e.type == "call.received"
    )
    evening = sum(per_hour[h] for h in range(18, 23)) / 5
    small_hours = sum(per_hour[h] for h in range(3, 6)) / 3
    assert evening > 1.5 * small_hours

"""Simulated drones answer a dispatch from the center: straight out, over the scene, home, battery draining."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rtcc.domain.geo import haversine_m
from rtcc.sim import CitySimulator
from rtcc.sim.drones import CRUISE_MPS, ORBIT_M

START = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)


def quiet_fleet() -> CitySimulator:
    """Drones only, launched by nobody but the center."""
    sim = CitySimulator(seed=7, start=START, feeds=["drones"])
    sim.drones.launch_on_urgent_calls = False
    return sim


def telemetry(sim: CitySimulator, until: datetime, drone_id: str) -> list[dict[str, Any]]:
    return [
        e.event
        for e in sim.events(until)
        if e.type == "drone.telemetry" and e.event["payload"]["drone_id"] == drone_id
    ]


def test_without_dispatches_the_drones_stay_on_their_docks() -> None:
    sim = quiet_fleet()
    events = [e.event for e in sim.events(START + timedelta(hours=1))]
    assert events
    assert {e["payload"]["state"] for e in events} == {"docked"}


def test_a_dispatched_drone_flies_to_the_scene_orbits_it_and_comes_home() -> None:
    sim = quiet_fleet()
    drone = sim.registry().drones[0]
    scene = (drone.dock_lat - 0.018, drone.dock_lon)  # about 2 km south of its dock
    distance = haversine_m(drone.dock_lat, drone.dock_lon, *scene)
    list(sim.events(START + timedelta(minutes=5)))
    assert sim.drones.dispatch(drone.id, *scene, incident_id="CALL-1")
    assert not sim.drones.dispatch(drone.id, *scene, incident_id="CALL-2")  # it is already going
    assert not sim.drones.dispatch("DRONE-404", *scene, incident_id=None)

    track = telemetry(sim, START + timedelta(minutes=45), drone.id)
    states = [t["payload"]["state"] for t in track]
    first_airborne = states.index("launching")
    assert "flying" in states and "returning" in states
    assert states[-1] == "docked"

    def away(t: dict[str, Any]) -> float:
        return haversine_m(t["location"]["lat"], t["location"]["lon"], *scene)

    over = [t for t in track if away(t) <= ORBIT_M + 5]
    assert over, "the drone never reached the scene"
    assert all(t["payload"]["altitude_m"] > 50 for t in over)
    assert over[0]["payload"]["incident_id"] == "CALL-1"
    # It got there in the launch, the climb and the straight flight: no detour.
    launched = datetime.fromisoformat(track[first_airborne]["occurred_at"])
    arrived = datetime.fromisoformat(over[0]["occurred_at"])
    assert (arrived - launched).total_seconds() <= distance / CRUISE_MPS + 15 + 2 + 1
    # Home again on its dock, with less battery than it left with (it charges from then on).
    landed = states.index("docked", first_airborne)
    home = track[landed]
    assert haversine_m(home["location"]["lat"], home["location"]["lon"], drone.dock_lat, drone.dock_lon) < 1
    batteries = [t["payload"]["battery_pct"] for t in track[first_airborne : landed + 1]]
    assert batteries == sorted(batteries, reverse=True)
    assert track[first_airborne]["payload"]["battery_pct"] - home["payload"]["battery_pct"] > 5


def test_the_drone_can_be_sent_again_once_it_is_home() -> None:
    sim = quiet_fleet()
    drone = sim.registry().drones[1]
    scene = (drone.dock_lat, drone.dock_lon + 0.01)
    assert sim.drones.dispatch(drone.id, *scene, incident_id=None)
    list(sim.events(START + timedelta(minutes=40)))
    assert sim.drones.dispatch(drone.id, *scene, incident_id=None)

"""Drones through the API: docks and registration, dispatch with a time to scene or the reason none can go,
and the flight log recorded from telemetry, with the simulated fleet flying the dispatch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rtcc.api.parts.drones import DISPATCH_TIMEOUT_S, DispatchOrder, follow_dispatches
from rtcc.domain.geo import haversine_m
from rtcc.engines.drones import ARRIVAL_RADIUS_M
from rtcc.sim import CitySimulator
from rtcc.sim.drones import CLIMB_S, CRUISE_MPS, MAX_FLIGHT_S, MODEL
from rtcc.sim.network import M_PER_DEG
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from rtcc.storage.flights import DroneStore
from rtcc.storage.live_state import SqlLiveState
from tests.api._flow import at, eventually, send
from tests.conftest import World, login

DOCK = (39.9612, -82.9988)
STREAM = "rtsp://pilot:s3cret@127.0.0.1:8554/drone1"


def north(metres: float, of: tuple[float, float] = DOCK) -> tuple[float, float]:
    return of[0] + metres / M_PER_DEG, of[1]


def add_dock(client: TestClient, headers: dict[str, str], dock_id: str = "DOCK-1", **extra: Any) -> Any:
    body = {"id": dock_id, "name": "Downtown dock", "lat": DOCK[0], "lon": DOCK[1], "capacity": 2} | extra
    resp = client.post("/api/v1/drone-docks", json=body, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def add_drone(client: TestClient, headers: dict[str, str], drone_id: str = "D1", **extra: Any) -> Any:
    body = {"id": drone_id, "dock_id": "DOCK-1", "model": "Quad X", "max_flight_s": 1800} | extra
    resp = client.post("/api/v1/drones", json=body, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def report(
    client: TestClient,
    key: str,
    drone_id: str,
    seconds: float,
    where: tuple[float, float],
    *,
    battery: float,
    state: str = "docked",
    altitude: float = 0.0,
) -> None:
    payload = {"drone_id": drone_id, "altitude_m": altitude, "battery_pct": battery, "state": state}
    item = {
        "id": f"{drone_id}-{seconds}",
        "type": "drone.telemetry",
        "occurred_at": at(seconds),
        "location": {"lat": where[0], "lon": where[1]},
        "payload": payload,
    }
    send(client, key, [item])


def call_at(client: TestClient, key: str, call_id: str, where: tuple[float, float]) -> None:
    item = {
        "id": f"call-{call_id}",
        "type": "call.received",
        "occurred_at": at(0),
        "location": {"lat": where[0], "lon": where[1]},
        "payload": {"call_id": call_id, "call_type": "SHOOT", "priority": "highest"},
    }
    send(client, key, [item])


@contextmanager
def dispatch_link(client: TestClient, orders: list[DispatchOrder]) -> Iterator[None]:
    """The link from the center to the drones, as the demo wires it: dispatch events become orders."""
    assert client.portal is not None
    bus = client.app.state.ctx.bus  # type: ignore[attr-defined]
    store = client.app.state.ctx.drones.store  # type: ignore[attr-defined]
    link = client.portal.start_task_soon(partial(follow_dispatches, bus, store, orders.append))
    try:
        yield
    finally:
        link.cancel()


def test_docks_and_drones_are_registered_and_a_streaming_drone_is_a_camera(
    client: TestClient, world: World, db: Database
) -> None:
    supervisor = login(client, "supervisor")
    dock = add_dock(client, supervisor)
    assert dock == {
        "id": "DOCK-1",
        "name": "Downtown dock",
        "lat": DOCK[0],
        "lon": DOCK[1],
        "capacity": 2,
        "drones": 0,
    }
    drone = add_drone(client, supervisor, stream_url=STREAM)
    assert drone["camera_id"] == "D1-cam"
    assert drone["stream_url"] == "rtsp://127.0.0.1:8554/drone1"  # never the credentials
    assert (drone["dock_lat"], drone["dock_lon"], drone["state"]) == (DOCK[0], DOCK[1], "docked")
    assert drone["reach_m"] > 3000

    operator = login(client, "operator")
    assert client.get("/api/v1/drones/D1", headers=operator).json()["camera_id"] == "D1-cam"
    live = client.get("/api/v1/drones", headers=operator).json()
    assert [(d["id"], d["lat"], d["lon"]) for d in live] == [("D1", DOCK[0], DOCK[1])]
    cams = {c["id"]: c for c in client.get("/api/v1/cameras", headers=operator).json()}
    assert cams["D1-cam"]["kind"] == "drone"
    assert cams["D1-cam"]["stream_url"] == "rtsp://127.0.0.1:8554/drone1"
    assert client.get("/api/v1/drone-docks", headers=operator).json()[0]["drones"] == 1

    [entry] = AuditLog(db).entries(action="drone.register", username="supervisor")
    assert entry.detail is not None and entry.detail["camera_id"] == "D1-cam"
    assert "s3cret" not in str(entry.detail)
    assert AuditLog(db).entries(action="drone.dock.create", username="supervisor")

    # Registered again without a stream, the drone has no camera any more.
    again = add_drone(client, supervisor, model="Quad Y")
    assert (again["model"], again["camera_id"], again["stream_url"]) == ("Quad Y", None, None)
    assert "D1-cam" not in {c["id"] for c in client.get("/api/v1/cameras", headers=operator).json()}
    assert AuditLog(db).entries(action="drone.update", username="supervisor")


def test_registration_refuses_bad_input_naming_the_field(client: TestClient, world: World) -> None:
    admin = login(client, "admin")  # administrators manage cameras too
    add_dock(client, admin, capacity=1)
    add_drone(client, admin)

    def refused(body: dict[str, Any]) -> list[dict[str, str]]:
        resp = client.post("/api/v1/drones", json=body, headers=admin)
        assert resp.status_code == 422, resp.text
        errors: list[dict[str, str]] = resp.json()["errors"]
        return errors

    base = {"id": "D2", "dock_id": "DOCK-1", "model": "Quad X", "max_flight_s": 1800}
    [full] = refused(base)
    assert full == {"field": "dock_id", "reason": "dock DOCK-1 holds 1 drone(s) and is full"}
    [unknown] = refused(base | {"dock_id": "DOCK-9"})
    assert unknown["field"] == "dock_id" and "register the dock first" in unknown["reason"]
    [scheme] = refused(base | {"stream_url": "file:///etc/passwd"})
    assert scheme["field"] == "stream_url"
    [short] = refused(base | {"max_flight_s": 5})
    assert short["field"] == "max_flight_s"
    bad_dock = client.post(
        "/api/v1/drone-docks", json={"id": "X", "name": "x", "lat": 95, "lon": 0}, headers=admin
    )
    assert bad_dock.status_code == 422 and bad_dock.json()["errors"][0]["field"] == "lat"

    # Another agency does not see it.
    other = login(client, "other-operator")
    assert client.get("/api/v1/drones/D1", headers=other).status_code == 404


def test_only_camera_managers_register_and_only_the_desks_dispatch(client: TestClient, world: World) -> None:
    operator, officer = login(client, "operator"), login(client, "officer")
    dock = {"id": "DOCK-1", "name": "Dock", "lat": DOCK[0], "lon": DOCK[1]}
    assert client.post("/api/v1/drone-docks", json=dock, headers=operator).status_code == 403
    sent = client.post("/api/v1/drones/dispatch", json={"lat": DOCK[0], "lon": DOCK[1]}, headers=officer)
    assert sent.status_code == 403 and "drones:dispatch" in sent.json()["detail"]
    assert client.get("/api/v1/drone-flights", headers=officer).status_code == 200


def test_a_dispatch_is_refused_with_the_reason_until_a_drone_can_go(
    client: TestClient, world: World, db: Database
) -> None:
    supervisor, operator = login(client, "supervisor"), login(client, "operator")
    key = world.keys["cad"]
    two_km = north(2000)
    point = {"lat": two_km[0], "lon": two_km[1]}

    def dispatch(body: dict[str, Any]) -> Any:
        return client.post("/api/v1/drones/dispatch", json=body, headers=operator)

    none = dispatch(point)
    assert none.status_code == 409 and none.json()["detail"] == "no drone is registered"

    add_dock(client, supervisor)
    add_drone(client, supervisor)
    silent = dispatch(point)
    assert silent.status_code == 409
    assert silent.json()["detail"] == "no drone can go: D1 has not reported its battery yet"

    report(client, key, "D1", 0, DOCK, battery=25)
    eventually(lambda: client.get("/api/v1/drones/D1", headers=operator).json()["battery_pct"] == 25)
    low = dispatch(point)
    assert low.status_code == 409
    assert low.json()["detail"].startswith("no drone can go: D1 has 25% battery, ")
    [d1] = low.json()["drones"]
    assert d1["drone_id"] == "D1" and not d1["can_go"] and d1["battery_needed_pct"] > 25

    report(client, key, "D1", 60, DOCK, battery=96)
    far = north(60_000)
    eventually(lambda: client.get("/api/v1/drones/D1", headers=operator).json()["battery_pct"] == 96)
    away = dispatch({"lat": far[0], "lon": far[1]})
    assert (
        away.status_code == 409 and "D1 is out of range: the scene is 60.0 km away" in away.json()["detail"]
    )

    sent = dispatch(point | {"reason": "shots fired, no call yet"})
    assert sent.status_code == 201, sent.text
    flight = sent.json()["flight"]
    assert sent.json()["chosen"]["drone_id"] == "D1"
    assert flight["eta_s"] == pytest.approx(20 + 2000 / 15, abs=0.5)
    assert (flight["status"], flight["dispatched_by"], flight["reason"]) == (
        "dispatched",
        "operator",
        "shots fired, no call yet",
    )

    busy = dispatch(point)
    assert (
        busy.status_code == 409
        and busy.json()["detail"] == f"no drone can go: D1 is busy on flight {flight['id']}"
    )
    named = dispatch(point | {"drone_id": "D1"})
    assert named.status_code == 409 and named.json()["detail"].startswith("D1 cannot go: it is busy")

    refusals = AuditLog(db).entries(action="drone.dispatch", outcome="failure", username="operator")
    assert len(refusals) == 6
    assert refusals[0].detail is not None and "busy on flight" in refusals[0].detail["refused"]
    [done] = AuditLog(db).entries(action="drone.dispatch", outcome="success", username="operator")
    assert done.detail is not None and done.detail["flight_id"] == flight["id"]


def test_dispatch_input_is_checked_field_by_field(client: TestClient, world: World) -> None:
    operator = login(client, "operator")

    def error(body: dict[str, Any]) -> dict[str, str]:
        resp = client.post("/api/v1/drones/dispatch", json=body, headers=operator)
        assert resp.status_code == 422, resp.text
        first: dict[str, str] = resp.json()["errors"][0]
        return first

    assert error({})["field"] == "call_id"
    assert error({"lat": 39.9})["field"] == "lon"
    assert error({"call_id": "NOPE"}) == {"field": "call_id", "reason": "no call 'NOPE' in the agency"}
    assert error({"lat": 91, "lon": 0})["field"] == "lat"
    supervisor = login(client, "supervisor")
    add_dock(client, supervisor)
    add_drone(client, supervisor)
    assert error({"lat": 39.9, "lon": -83.0, "drone_id": "D9"}) == {
        "field": "drone_id",
        "reason": "no drone 'D9' is registered",
    }


def test_a_dispatched_drone_flies_and_its_flight_is_logged_from_telemetry(
    client: TestClient, world: World, db: Database
) -> None:
    """End to end: the simulated fleet is registered, a call comes in, the operator sends the best drone,
    the simulated drone answers the dispatch event, its telemetry comes in through ingest, and the flight
    log shows launch, arrival over the call, return and landing with the track and the battery used."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    sim = CitySimulator(seed=7, start=start, feeds=["drones"])
    sim.drones.launch_on_urgent_calls = False
    supervisor, operator = login(client, "supervisor"), login(client, "operator")
    reg = sim.registry()
    for d in reg.docks:
        body = {"id": d.id, "name": d.name, "lat": d.lat, "lon": d.lon, "capacity": 1}
        assert client.post("/api/v1/drone-docks", json=body, headers=supervisor).status_code == 200
    for drone in reg.drones:
        body = {"id": drone.id, "dock_id": drone.dock_id, "model": MODEL, "max_flight_s": MAX_FLIGHT_S}
        if drone.id == "DRONE-1":
            body["stream_url"] = "rtsp://127.0.0.1:8554/drone1"
        assert client.post("/api/v1/drones", json=body, headers=supervisor).status_code == 200
    key = world.keys["cad"]

    def fly_until(minutes: float) -> None:
        items = [e.event for e in sim.events(start + timedelta(minutes=minutes))]
        for i in range(0, len(items), 500):
            send(client, key, items[i : i + 500])

    fly_until(3)  # every drone reports from its dock
    eventually(lambda: all(d["battery_pct"] for d in client.get("/api/v1/drones", headers=operator).json()))
    home = reg.drones[0]
    scene = north(1800, of=(home.dock_lat, home.dock_lon))
    call_at(client, key, "C-7", scene)
    eventually(lambda: client.get("/api/v1/calls/C-7", headers=operator).status_code == 200)

    options = client.get("/api/v1/drones/options", params={"call_id": "C-7"}, headers=operator).json()
    assert options["best"]["drone_id"] == home.id
    assert options["best"]["eta_s"] == pytest.approx(20 + 1800 / 15, abs=1)
    assert options["drones"][0]["drone_id"] == home.id

    orders: list[DispatchOrder] = []
    with dispatch_link(client, orders):
        # A feed's own "dispatch" flies nothing: only dispatches made here become orders.
        forged = {
            "drone_id": home.id,
            "flight_id": "FLT-forged",
            "distance_m": 1,
            "eta_s": 1,
            "dispatched_by": "x",
        }
        location = {"lat": scene[0], "lon": scene[1]}
        send(
            client,
            key,
            [{"type": "drone.dispatched", "occurred_at": at(1), "location": location, "payload": forged}],
        )
        sent = client.post("/api/v1/drones/dispatch", json={"call_id": "C-7"}, headers=operator)
        assert sent.status_code == 201, sent.text
        flight_id = sent.json()["flight"]["id"]
        assert sent.json()["flight"]["call_id"] == "C-7"
        [order] = eventually(lambda: orders)
        assert (order.drone_id, order.flight_id, order.call_id) == (home.id, flight_id, "C-7")
        assert (order.lat, order.lon) == pytest.approx(scene)
        assert sim.drones.dispatch(order.drone_id, order.lat, order.lon, order.call_id)

        analyst = login(client, "analyst")
        event = client.get("/api/v1/events", params={"type": "drone.dispatched"}, headers=analyst).json()[-1]
        assert event["payload"]["flight_id"] == flight_id and event["payload"]["dispatched_by"] == "operator"
        assert event["location"]["lat"] == pytest.approx(scene[0])

        def flight() -> dict[str, Any]:
            got: dict[str, Any] = client.get(f"/api/v1/drone-flights/{flight_id}", headers=operator).json()
            return got

        fly_until(8)  # out and over the scene
        # Arrival is the first report within ARRIVAL_RADIUS_M of the call, after the climb and the straight flight.
        over = eventually(lambda: (f := flight())["status"] == "on_scene" and f)
        assert over["flight_to_scene_s"] == pytest.approx(
            CLIMB_S + (1800 - ARRIVAL_RADIUS_M) / CRUISE_MPS, abs=3
        )
        # Its camera is where it is: among the cameras near the call.
        cam = {c["id"]: c for c in client.get("/api/v1/cameras", headers=operator).json()}["DRONE-1-cam"]
        assert haversine_m(cam["lat"], cam["lon"], *scene) < 100
        assert client.get(f"/api/v1/drones/{home.id}", headers=operator).json()["open_flight_id"] == flight_id

        fly_until(40)  # orbit, return, landing
        done = eventually(lambda: (f := flight())["status"] == "landed" and f)
        assert done["launched_at"] < done["arrived_at"] < done["returning_at"] < done["landed_at"]
        assert done["closed_reason"] == "landed"
        assert done["battery_used_pct"] > 5
        assert done["battery_start_pct"] - done["battery_end_pct"] == pytest.approx(done["battery_used_pct"])
        track = done["track"]
        assert len(track) == done["points"] > 100
        assert min(haversine_m(p["lat"], p["lon"], *scene) for p in track) < 70
        assert track[-1]["state"] == "docked"
        assert max(p["altitude_m"] for p in track) == 90

        listed = client.get(f"/api/v1/drones/{home.id}/flights", headers=operator).json()
        assert [f["id"] for f in listed] == [flight_id]
        assert [
            f["id"] for f in client.get("/api/v1/drone-flights?call_id=C-7", headers=operator).json()
        ] == [flight_id]
        # Home again, it can be sent again; another agency sees none of it.
        assert client.get(f"/api/v1/drones/{home.id}", headers=operator).json()["open_flight_id"] is None
        other = login(client, "other-operator")
        assert client.get(f"/api/v1/drone-flights/{flight_id}", headers=other).status_code == 404
        assert client.get("/api/v1/drone-flights", headers=other).json() == []


def test_a_take_off_nobody_dispatched_here_is_logged_too(client: TestClient, world: World) -> None:
    supervisor, operator = login(client, "supervisor"), login(client, "operator")
    add_dock(client, supervisor)
    add_drone(client, supervisor)
    key = world.keys["cad"]
    report(client, key, "D1", 0, DOCK, battery=90)
    report(client, key, "D1", 10, DOCK, battery=90, state="launching", altitude=20)
    report(client, key, "D1", 20, north(300), battery=89, state="flying", altitude=90)
    report(client, key, "D1", 40, DOCK, battery=88, state="docked")

    def logged() -> Any:
        flights = client.get("/api/v1/drones/D1/flights", headers=operator).json()
        return flights and flights[0]["status"] == "landed" and flights[0]

    f = eventually(logged)
    assert (f["origin"], f["dispatched_by"], f["arrived_at"], f["battery_used_pct"]) == (
        "telemetry",
        None,
        None,
        2.0,
    )
    assert f["points"] == 3


def test_a_drone_that_never_takes_off_is_freed_for_another_dispatch(
    client: TestClient, world: World, db: Database
) -> None:
    supervisor, operator = login(client, "supervisor"), login(client, "operator")
    add_dock(client, supervisor)
    add_drone(client, supervisor)
    report(client, world.keys["cad"], "D1", 0, DOCK, battery=90)
    eventually(lambda: client.get("/api/v1/drones/D1", headers=operator).json()["battery_pct"] == 90)
    point = {"lat": north(1000)[0], "lon": DOCK[1]}
    first = client.post("/api/v1/drones/dispatch", json=point, headers=operator).json()["flight"]
    assert client.post("/api/v1/drones/dispatch", json=point, headers=operator).status_code == 409
    # DISPATCH_TIMEOUT_S later, by the store's own rule, nothing took off: the dispatch is closed.
    later = datetime.now(UTC) + timedelta(seconds=DISPATCH_TIMEOUT_S + 1)
    closed = DroneStore(db).close_unlaunched(
        world.agency_id, later - timedelta(seconds=DISPATCH_TIMEOUT_S), later
    )
    assert closed == [first["id"]]
    stale = client.get(f"/api/v1/drone-flights/{first['id']}", headers=operator).json()
    assert (stale["status"], stale["closed_reason"]) == (
        "not_launched",
        "the drone did not take off after the dispatch",
    )
    again = client.post("/api/v1/drones/dispatch", json=point, headers=operator)
    assert again.status_code == 201 and again.json()["flight"]["id"] != first["id"]


def test_a_drone_camera_already_in_the_registry_is_linked_by_its_id(
    client: TestClient, world: World, db: Database
) -> None:
    camera = {"id": "CAM-DRN-001", "agency_id": world.agency_id, "name": "gimbal", "kind": "drone"}
    SqlLiveState(db).register(
        "camera", [camera | {"lat": DOCK[0], "lon": DOCK[1], "status": "up", "ptz": True}]
    )
    supervisor = login(client, "supervisor")
    add_dock(client, supervisor)
    assert add_drone(client, supervisor, camera_id="CAM-DRN-001")["camera_id"] == "CAM-DRN-001"
    unknown = client.post(
        "/api/v1/drones",
        json={
            "id": "D2",
            "dock_id": "DOCK-1",
            "model": "Quad",
            "max_flight_s": 1800,
            "camera_id": "CAM-NONE",
        },
        headers=supervisor,
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "camera_id"

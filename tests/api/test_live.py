"""Events become the live picture: calls with their status and units, moving units, cameras up and down."""

from fastapi.testclient import TestClient

from tests.api._flow import at, eventually, send
from tests.conftest import World, login


def native(
    i: str,
    type_: str,
    seconds: float,
    payload: dict[str, object],
    lat: float | None = 39.96,
    lon: float = -82.99,
) -> dict[str, object]:
    item: dict[str, object] = {"id": i, "type": type_, "occurred_at": at(seconds), "payload": payload}
    if lat is not None:
        item["location"] = {
            "lat": lat,
            "lon": lon,
            "address": {"hno": "90", "prd": "W", "rd": "BROAD", "sts": "ST", "a3": "Columbus", "a1": "OH"},
        }
    return item


def status(event_id: str, seconds: float, state: str, unit: str | None = None) -> dict[str, object]:
    payload: dict[str, object] = {"incident_id": "I1", "call_id": "C1", "status": state}
    if unit:
        payload["unit_id"] = unit
    return native(event_id, "incident.status", seconds, payload, lat=None)


def test_a_call_follows_its_incident_through_dispatch_to_clearance(client: TestClient, world: World) -> None:
    key = world.keys["cad"]
    headers = login(client, "operator")
    send(
        client,
        key,
        [
            native(
                "c1",
                "call.received",
                0,
                {
                    "call_id": "C1",
                    "call_type": "ROBBERY",
                    "priority": "highest",
                    "description": "armed robbery at the pharmacy",
                },
            )
        ],
    )
    call = eventually(lambda: client.get("/api/v1/calls", headers=headers).json())[0]
    assert call["status"] == "received" and call["address"] == "90 W BROAD ST, Columbus, OH"
    send(
        client,
        key,
        [
            status("c1-d", 30, "dispatched", "1A12"),
            status("c1-d2", 35, "dispatched", "1B04"),
            status("c1-s", 240, "on_scene", "1A12"),
        ],
    )
    call = eventually(
        lambda: [c for c in client.get("/api/v1/calls", headers=headers).json() if c["status"] == "on_scene"]
    )[0]
    assert call["units"] == ["1A12", "1B04"] and call["incident_id"] == "I1"
    # a late, older status does not move the call backwards
    send(
        client,
        key,
        [
            native(
                "c1-late",
                "incident.status",
                100,
                {"incident_id": "I1", "call_id": "C1", "status": "en_route"},
                lat=None,
            )
        ],
    )
    send(
        client,
        key,
        [
            native(
                "c1-c",
                "incident.status",
                900,
                {"incident_id": "I1", "call_id": "C1", "status": "cleared", "disposition": "report taken"},
                lat=None,
            )
        ],
    )
    eventually(lambda: client.get("/api/v1/calls", headers=headers).json()[0]["status"] == "cleared")
    assert client.get("/api/v1/calls", headers=headers, params={"open_only": True}).json() == []


def test_units_move_and_out_of_order_pings_do_not_jump_back(client: TestClient, world: World) -> None:
    key = world.keys["avl"]
    headers = login(client, "officer")
    send(
        client,
        key,
        [{"unit": "1A12", "time": at(10), "lat": 39.961, "lon": -82.998, "heading": 0, "speed": 40}],
    )
    send(client, key, [{"unit": "1A12", "time": at(20), "lat": 39.965, "lon": -82.998, "status": "en_route"}])
    send(
        client, key, [{"unit": "1A12", "time": at(15), "lat": 39.963, "lon": -82.998}]
    )  # delayed in the modem
    unit = eventually(
        lambda: [u for u in client.get("/api/v1/units", headers=headers).json() if u["status"] == "en_route"]
    )[0]
    eventually(lambda: client.get("/api/v1/feeds", headers=login(client, "operator")).json())
    assert (unit["lat"], unit["status"]) == (39.965, "en_route")


def test_a_camera_going_down_raises_an_alert_and_coming_back_another(
    client: TestClient, world: World
) -> None:
    key = world.keys["cad"]
    headers = login(client, "operator")
    send(
        client,
        key,
        [
            native(
                "cam-1-down",
                "camera.status",
                0,
                {"camera_id": "CAM-1", "status": "down", "kind": "traffic", "reason": "frozen image"},
            )
        ],
    )
    camera = eventually(lambda: client.get("/api/v1/cameras", headers=headers).json())[0]
    assert (camera["id"], camera["status"], camera["status_reason"], camera["kind"]) == (
        "CAM-1",
        "down",
        "frozen image",
        "traffic",
    )
    alert = eventually(lambda: client.get("/api/v1/alerts", headers=headers).json())[0]
    assert alert["kind"] == "camera.down" and "frozen image" in alert["title"] and alert["status"] == "new"
    send(client, key, [native("cam-1-up", "camera.status", 60, {"camera_id": "CAM-1", "status": "up"})])
    alerts = eventually(
        lambda: [a for a in client.get("/api/v1/alerts", headers=headers).json() if a["kind"] == "camera.up"]
    )
    assert alerts and client.get("/api/v1/cameras", headers=headers).json()[0]["status"] == "up"


def test_sensors_and_drones_report_in(client: TestClient, world: World) -> None:
    send(
        client,
        world.keys["sensors"],
        [{"sensor_id": "S1", "kind": "heartbeat", "t": at(0), "lat": 39.95, "lon": -83.0}],
    )
    send(
        client,
        world.keys["cad"],
        [
            native(
                "d1",
                "drone.telemetry",
                0,
                {"drone_id": "DFR-1", "altitude_m": 60, "battery_pct": 88, "state": "flying"},
            )
        ],
    )
    headers = login(client, "operator")
    sensor = eventually(lambda: client.get("/api/v1/sensors", headers=headers).json())[0]
    drone = eventually(lambda: client.get("/api/v1/drones", headers=headers).json())[0]
    assert sensor["id"] == "S1" and sensor["last_heartbeat_at"] is not None
    assert (drone["id"], drone["altitude_m"], drone["battery_pct"]) == ("DFR-1", 60.0, 88.0)


def test_an_agency_sees_only_its_own_live_picture(client: TestClient, world: World) -> None:
    send(
        client,
        world.keys["other-cad"],
        [native("o1", "call.received", 0, {"call_id": "F1", "call_type": "THEFT", "priority": "low"})],
    )
    send(
        client,
        world.keys["cad"],
        [native("c1", "call.received", 0, {"call_id": "C1", "call_type": "THEFT", "priority": "low"})],
    )
    ours = eventually(lambda: client.get("/api/v1/calls", headers=login(client, "operator")).json())
    theirs = eventually(lambda: client.get("/api/v1/calls", headers=login(client, "other-operator")).json())
    assert [c["call_id"] for c in ours] == ["C1"] and [c["call_id"] for c in theirs] == ["F1"]


def test_the_event_history_can_be_searched_by_type_and_time(client: TestClient, world: World) -> None:
    read = {"plate": "HJK4821", "latitude": 39.9, "longitude": -83.0, "reader_id": "R1"}
    send(client, world.keys["alpr"], [{**read, "time": at(s)} for s in (0, 60, 120)])
    headers = login(client, "analyst")
    refused = client.get("/api/v1/events", headers=headers, params={"type": "alpr.read"})
    assert refused.status_code == 422 and "purpose and case_number: required" in refused.json()["detail"]
    no_case = client.get(
        "/api/v1/events", headers={**headers, "X-Purpose": "stolen car"}, params={"type": "alpr.read"}
    )
    assert no_case.status_code == 422 and no_case.json()["detail"].startswith("case_number: required")
    # without a plate type, an analyst's search could return plate reads too: the same rule applies
    assert client.get("/api/v1/events", headers=headers).status_code == 422
    assert client.get("/api/v1/events", headers=headers, params={"type": "unit.location"}).status_code == 200
    headers = {**headers, "X-Purpose": "stolen vehicle recovery", "X-Case-Number": "26-004411"}
    resp = client.get(
        "/api/v1/events", headers=headers, params={"type": "alpr.read", "occurred_from": at(30)}
    )
    assert [e["payload"]["plate"] for e in resp.json()] == ["HJK4821", "HJK4821"]
    newest = client.get(
        "/api/v1/events", headers=headers, params={"type": "alpr.read", "limit": 1, "newest_first": True}
    ).json()
    assert newest[0]["occurred_at"].startswith(at(120)[:19])


def test_an_agency_reads_only_its_own_event_history(client: TestClient, world: World) -> None:
    send(
        client,
        world.keys["other-cad"],
        [native("o1", "call.received", 0, {"call_id": "F1", "call_type": "THEFT", "priority": "low"})],
    )
    send(
        client,
        world.keys["cad"],
        [native("c1", "call.received", 0, {"call_id": "C1", "call_type": "THEFT", "priority": "low"})],
    )
    ours = client.get(
        "/api/v1/events", headers=login(client, "operator"), params={"type": "call.received"}
    ).json()
    theirs = client.get(
        "/api/v1/events", headers=login(client, "other-operator"), params={"type": "call.received"}
    ).json()
    assert [e["id"] for e in ours] == ["c1"] and [e["id"] for e in theirs] == ["o1"]

"""Operator positions: who sits at which desk, one desk per person and one person per desk, taking over a
desk someone left, and every console seeing the change at once."""

from typing import Any

from fastapi.testclient import TestClient

from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from tests.api._flow import at, read_events, send, token
from tests.conftest import World, login


def make_desks(client: TestClient, *names: str) -> dict[str, str]:
    admin = login(client, "admin")
    ids = {}
    for name in names:
        resp = client.post("/api/v1/positions", headers=admin, json={"name": name, "description": "desk"})
        assert resp.status_code == 201, resp.text
        ids[name] = resp.json()["id"]
    return ids


def by_name(client: TestClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in client.get("/api/v1/positions", headers=headers).json()}


def test_positions_are_listed_with_who_holds_them(client: TestClient, world: World) -> None:
    make_desks(client, "Desk 2", "Desk 1")
    operator = login(client, "operator")
    listed = client.get("/api/v1/positions", headers=operator).json()
    assert [p["name"] for p in listed] == ["Desk 1", "Desk 2"]
    assert set(listed[0]) == {"id", "name", "description", "occupant", "occupant_since", "open_alerts"}
    assert (listed[0]["occupant"], listed[0]["occupant_since"], listed[0]["open_alerts"]) == (None, None, 0)

    again = client.post("/api/v1/positions", headers=login(client, "admin"), json={"name": "Desk 1"})
    assert (
        again.status_code == 409
        and again.json()["detail"] == "name: the agency already has a position 'Desk 1'"
    )
    # Another agency has its own positions, and may use the same names.
    assert client.get("/api/v1/positions", headers=login(client, "other-operator")).json() == []


def test_one_desk_per_person_and_one_person_per_desk(client: TestClient, world: World, db: Database) -> None:
    ids = make_desks(client, "Desk 1", "Desk 2")
    operator, supervisor = login(client, "operator"), login(client, "supervisor")

    taken = client.post(f"/api/v1/positions/{ids['Desk 1']}/sign-in", headers=operator)
    assert taken.status_code == 200 and taken.json()["occupant"] == "operator"
    assert taken.json()["occupant_since"] is not None

    refused = client.post(f"/api/v1/positions/{ids['Desk 1']}/sign-in", headers=supervisor, json={})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Desk 1 is held by operator; send take_over: true to take it over"

    # Moving to another desk leaves the first.
    moved = client.post(f"/api/v1/positions/{ids['Desk 2']}/sign-in", headers=operator)
    assert moved.status_code == 200
    desks = by_name(client, operator)
    assert (desks["Desk 1"]["occupant"], desks["Desk 2"]["occupant"]) == (None, "operator")

    # The supervisor takes over the desk the operator walked away from.
    over = client.post(
        f"/api/v1/positions/{ids['Desk 2']}/sign-in", headers=supervisor, json={"take_over": True}
    )
    assert over.status_code == 200 and over.json()["occupant"] == "supervisor"
    assert [p["occupant"] for p in by_name(client, operator).values()] == [None, "supervisor"]
    [entry] = AuditLog(db).entries(action="position.sign_in", username="supervisor")
    assert entry.detail == {"position": "Desk 2", "took_over_from": "operator", "left": None}
    assert client.post("/api/v1/positions/POS-nope/sign-in", headers=operator).status_code == 404


def test_only_the_occupant_or_an_administrator_signs_out(
    client: TestClient, world: World, db: Database
) -> None:
    ids = make_desks(client, "Desk 1")
    desk = ids["Desk 1"]
    operator, supervisor, admin = (
        login(client, "operator"),
        login(client, "supervisor"),
        login(client, "admin"),
    )
    client.post(f"/api/v1/positions/{desk}/sign-in", headers=operator)

    not_theirs = client.post(f"/api/v1/positions/{desk}/sign-out", headers=supervisor)
    assert not_theirs.status_code == 403
    assert not_theirs.json()["detail"] == (
        "Desk 1 is held by operator; only they or an administrator can sign out of it"
    )
    left = client.post(f"/api/v1/positions/{desk}/sign-out", headers=operator)
    assert left.status_code == 200 and left.json()["occupant"] is None

    client.post(f"/api/v1/positions/{desk}/sign-in", headers=supervisor)
    freed = client.post(f"/api/v1/positions/{desk}/sign-out", headers=admin)
    assert freed.status_code == 200 and freed.json()["occupant"] is None
    [entry] = AuditLog(db).entries(action="position.sign_out", username="admin")
    assert entry.detail == {"position": "Desk 1", "occupant": "supervisor"}

    empty = client.post(f"/api/v1/positions/{desk}/sign-out", headers=operator)
    assert empty.status_code == 409 and empty.json()["detail"] == "nobody holds Desk 1"


def test_every_desk_console_sees_who_takes_and_leaves_a_position(client: TestClient, world: World) -> None:
    ids = make_desks(client, "Desk 1", "Desk 2")
    operator = login(client, "operator")
    with (
        client.websocket_connect(f"/ws?token={token(client, 'analyst')}") as desk_ws,
        client.websocket_connect(f"/ws?token={token(client, 'officer')}") as field_ws,
    ):
        client.post(f"/api/v1/positions/{ids['Desk 1']}/sign-in", headers=operator)
        client.post(f"/api/v1/positions/{ids['Desk 2']}/sign-in", headers=operator)
        client.post(f"/api/v1/positions/{ids['Desk 2']}/sign-out", headers=operator)
        changes = [e["payload"] for e in read_events(desk_ws, 4)]
        # An officer in the field is not told who sits at which desk: the next thing it gets is a unit.
        send(client, world.keys["avl"], [{"unit": "1A12", "time": at(1), "lat": 39.96, "lon": -82.99}])
        [first] = read_events(field_ws, 1)
    assert changes == [
        {"position_id": ids["Desk 1"], "name": "Desk 1", "occupant": "operator"},
        {"position_id": ids["Desk 1"], "name": "Desk 1"},  # nobody holds it: no occupant
        {"position_id": ids["Desk 2"], "name": "Desk 2", "occupant": "operator"},
        {"position_id": ids["Desk 2"], "name": "Desk 2"},
    ]
    assert first["type"] == "unit.location"

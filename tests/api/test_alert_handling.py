"""Handling an alert at the desks: acknowledge, assign to a person and a position, dismiss or record the
outcome. Each step is refused when it no longer fits, audited, and seen live by every console."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from rtcc.storage.tables import users
from tests.api._flow import at, eventually, send
from tests.conftest import World, login


def raised(alert_id: str, seconds: float = 0, title: str = "Shots fired near 5th and Main") -> dict[str, Any]:
    return {
        "id": f"raise-{alert_id}-{title}",
        "type": "alert.raised",
        "occurred_at": at(seconds),
        "location": {"lat": 39.96, "lon": -82.99},
        "payload": {"alert_id": alert_id, "kind": "gunshot", "severity": "high", "title": title},
    }


def raise_alert(client: TestClient, world: World, alert_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Raise an alert as an engine or a feed does, and wait for it to reach the queue."""
    send(client, world.keys["cad"], [raised(alert_id)])

    def found() -> dict[str, Any] | None:
        resp = client.get(f"/api/v1/alerts/{alert_id}", headers=headers)
        return resp.json() if resp.status_code == 200 else None

    alert: dict[str, Any] = eventually(found)
    return alert


def token(client: TestClient, username: str) -> str:
    return login(client, username)["Authorization"].split()[1]


def alert_updates(ws: Any, n: int) -> list[dict[str, Any]]:
    out = []
    while len(out) < n:
        msg = ws.receive_json()
        if msg["kind"] == "event" and msg["event"]["type"] == "alert.updated":
            out.append(msg["event"]["payload"])
    return out


def test_an_alert_is_acknowledged_assigned_and_closed_and_every_console_sees_each_step(
    client: TestClient, world: World, db: Database
) -> None:
    operator = login(client, "operator")
    admin = login(client, "admin")
    alert = raise_alert(client, world, "G1", operator)
    assert alert["status"] == "new" and alert["acknowledged_by"] is None and alert["assigned_to"] is None
    desk = client.post("/api/v1/positions", headers=admin, json={"name": "Desk 1"}).json()

    with client.websocket_connect(f"/ws?token={token(client, 'supervisor')}") as ws:
        acked = client.post("/api/v1/alerts/G1/acknowledge", headers=operator)
        assert acked.status_code == 200, acked.text
        assert acked.json()["status"] == "acknowledged" and acked.json()["acknowledged_by"] == "operator"
        # A second click (or a second operator) changes nothing.
        again = client.post("/api/v1/alerts/G1/acknowledge", headers=login(client, "supervisor"))
        assert again.status_code == 200 and again.json() == acked.json()

        assigned = client.post(
            "/api/v1/alerts/G1/assign",
            headers=operator,
            json={"username": "supervisor", "position_id": desk["id"]},
        )
        assert assigned.status_code == 200, assigned.text
        assert (assigned.json()["assigned_to"], assigned.json()["position_id"]) == ("supervisor", desk["id"])
        assert assigned.json()["status"] == "acknowledged"
        [listed] = client.get("/api/v1/positions", headers=operator).json()
        assert listed["open_alerts"] == 1

        closed = client.post("/api/v1/alerts/G1/outcome", headers=operator, json={"outcome": "no_evidence"})
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert client.get("/api/v1/positions", headers=operator).json()[0]["open_alerts"] == 0

        updates = alert_updates(ws, 3)
    assert [(u["status"], u["by"]) for u in updates] == [
        ("acknowledged", "operator"),
        ("acknowledged", "operator"),
        ("closed", "operator"),
    ]
    assert updates[0]["acknowledged_by"] == "operator" and "assigned_to" not in updates[0]
    assert (updates[1]["assigned_to"], updates[1]["position_id"]) == ("supervisor", desk["id"])
    assert updates[2]["outcome"] == "no_evidence" and updates[2]["alert_id"] == "G1"

    # A console that reconnects is caught up on the updates it missed.
    with client.websocket_connect(f"/ws?token={token(client, 'officer')}&since=0&types=alert.*") as ws:
        assert [u["status"] for u in alert_updates(ws, 3)] == ["acknowledged", "acknowledged", "closed"]

    late = client.post("/api/v1/alerts/G1/acknowledge", headers=operator)
    assert late.status_code == 409
    assert late.json()["detail"] == "alert 'G1' is closed: operator recorded the outcome 'no_evidence'"
    actions = [e.action for e in AuditLog(db).entries(username="operator", limit=100)]
    for action in ("alert.acknowledge", "alert.assign", "alert.outcome"):
        assert action in actions


def test_a_dismissed_alert_keeps_its_row_and_says_why(client: TestClient, world: World) -> None:
    operator = login(client, "operator")
    raise_alert(client, world, "G2", operator)
    short = client.post("/api/v1/alerts/G2/dismiss", headers=operator, json={"reason": "  x "})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "reason"

    dismissed = client.post(
        "/api/v1/alerts/G2/dismiss", headers=operator, json={"reason": "fireworks at the stadium"}
    )
    assert dismissed.status_code == 200, dismissed.text
    body = dismissed.json()
    assert (body["status"], body["dismissed_by"], body["dismissed_reason"]) == (
        "dismissed",
        "operator",
        "fireworks at the stadium",
    )
    assert body["dismissed_at"] is not None and body["outcome"] is None
    # Still there for the reports: raised, with no outcome recorded.
    assert [a["id"] for a in client.get("/api/v1/alerts", headers=operator).json()] == ["G2"]
    [line, _] = client.get("/api/v1/reports/alert-outcomes?kind=gunshot", headers=operator).json()["lines"]
    assert (line["alerts"], line["with_outcome"]) == (1, 0)

    for step, body_ in (("acknowledge", None), ("dismiss", {"reason": "duplicate"})):
        refused = client.post(f"/api/v1/alerts/G2/{step}", headers=operator, json=body_)
        assert refused.status_code == 409
        assert refused.json()["detail"] == "alert 'G2' was dismissed by operator: fireworks at the stadium"
    assign = client.post("/api/v1/alerts/G2/assign", headers=operator, json={"username": "operator"})
    assert assign.status_code == 409


def test_assignments_name_the_field_at_fault(client: TestClient, world: World, db: Database) -> None:
    operator = login(client, "operator")
    raise_alert(client, world, "G3", operator)

    def assign(body: dict[str, Any]) -> Any:
        return client.post("/api/v1/alerts/G3/assign", headers=operator, json=body)

    with db.write() as conn:
        conn.execute(update(users).where(users.c.username == "supervisor").values(active=False))
    other_desk = client.post(
        "/api/v1/positions", headers=login(client, "admin"), json={"name": "Desk 9"}
    ).json()
    assert assign({}).json()["detail"] == "username or position_id: give at least one"
    assert (
        assign({"username": "nobody"}).json()["detail"] == "username: no enabled user 'nobody' in your agency"
    )
    assert assign({"username": "other-operator"}).json()["detail"].startswith("username: no enabled user")
    assert assign({"username": "supervisor"}).json()["detail"].startswith("username: no enabled user")
    assert assign({"username": "analyst"}).json()["detail"] == (
        "username: 'analyst' is analyst, a role that does not handle alerts"
    )
    assert assign({"position_id": "POS-nope"}).json()["detail"] == (
        "position_id: no position 'POS-nope' in your agency"
    )
    assert all(assign(b).status_code == 422 for b in ({}, {"username": "nobody"}, {"position_id": "x"}))

    # A field given is set, one left out is kept, and null clears.
    assert assign({"username": "officer"}).json()["assigned_to"] == "officer"
    kept = assign({"position_id": other_desk["id"]}).json()
    assert (kept["assigned_to"], kept["position_id"]) == ("officer", other_desk["id"])
    cleared = assign({"username": None}).json()
    assert (cleared["assigned_to"], cleared["position_id"]) == (None, other_desk["id"])


def test_another_agencys_alert_is_not_found(client: TestClient, world: World) -> None:
    raise_alert(client, world, "G4", login(client, "operator"))
    outsider = login(client, "other-operator")
    for step, body in (
        ("acknowledge", None),
        ("assign", {"username": "other-operator"}),
        ("dismiss", {"reason": "not ours"}),
        ("outcome", {"outcome": "no_evidence"}),
    ):
        resp = client.post(f"/api/v1/alerts/G4/{step}", headers=outsider, json=body)
        assert resp.status_code == 404 and resp.json()["detail"] == "no alert 'G4'"


def test_an_engine_updating_the_alert_does_not_undo_what_the_desk_did(
    client: TestClient, world: World
) -> None:
    operator = login(client, "operator")
    raise_alert(client, world, "G5", operator)
    assert client.post("/api/v1/alerts/G5/acknowledge", headers=operator).status_code == 200
    # The gunshot engine raises the same alert again as more rounds are located.
    send(client, world.keys["cad"], [raised("G5", 5, title="3 rounds near 5th and Main")])
    updated = eventually(
        lambda: [
            a
            for a in client.get("/api/v1/alerts", headers=operator).json()
            if a["title"] == "3 rounds near 5th and Main"
        ]
    )[0]
    assert (updated["status"], updated["acknowledged_by"]) == ("acknowledged", "operator")

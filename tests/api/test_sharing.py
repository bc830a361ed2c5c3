"""Sharing between agencies: nothing crosses without a recorded agreement; an agreement shares what it
names until it ends or is revoked; the owning agency's audit logs every access by the other agency."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from tests.api._flow import at, eventually, send
from tests.conftest import World, login

PLATE_SEARCH = {"type": "alpr.read", "purpose": "stolen vehicle", "case_number": "FC-26-77"}


def seed(client: TestClient, world: World) -> None:
    call = {
        "id": "c1",
        "type": "call.received",
        "occurred_at": at(0),
        "location": {"lat": 39.96, "lon": -82.99},
        "payload": {"call_id": "C1", "call_type": "ROBBERY", "priority": "high"},
    }
    send(client, world.keys["cad"], [call])
    send(
        client,
        world.keys["alpr"],
        [{"plate": "HJK4821", "time": at(1), "latitude": 39.9, "longitude": -83.0, "reader_id": "R1"}],
    )
    eventually(lambda: client.get("/api/v1/calls", headers=login(client, "operator")).json())


def test_nothing_crosses_without_an_agreement_then_what_it_names(
    client: TestClient, world: World, db: Database
) -> None:
    seed(client, world)
    sheriff = login(client, "other-operator")
    assert client.get("/api/v1/calls", headers=sheriff).json() == []
    assert client.get("/api/v1/events", headers=sheriff, params=PLATE_SEARCH).json() == []

    admin = login(client, "admin")
    bad = client.post(
        "/api/v1/sharing",
        headers=admin,
        json={
            "recipient_agency_id": "nowhere",
            "kinds": ["live"],
            "purpose": "mutual aid",
            "legal_basis": "MOU 2026-3",
        },
    )
    assert bad.status_code == 422 and "recipient_agency_id" in bad.json()["detail"]
    body = {
        "recipient_agency_id": world.other_agency_id,
        "kinds": ["live"],
        "purpose": "mutual aid on county roads",
        "legal_basis": "MOU 2026-3",
    }
    assert client.post("/api/v1/sharing", headers=login(client, "operator"), json=body).status_code == 403
    resp = client.post("/api/v1/sharing", headers=admin, json=body)
    assert resp.status_code == 201
    agreement = resp.json()

    assert [c["call_id"] for c in client.get("/api/v1/calls", headers=sheriff).json()] == ["C1"]
    # the agreement names the live picture, not plate reads
    assert client.get("/api/v1/events", headers=sheriff, params=PLATE_SEARCH).json() == []
    access = AuditLog(db).entries(action="sharing.access")
    assert access and access[0].agency_id == world.agency_id and access[0].username == "other-operator"
    assert access[0].detail["recipient_agency"] == world.other_agency_id

    plates = {**body, "kinds": ["plates"], "ends_at": (datetime.now(UTC) + timedelta(days=30)).isoformat()}
    assert client.post("/api/v1/sharing", headers=admin, json=plates).status_code == 201
    shared = client.get("/api/v1/events", headers=sheriff, params=PLATE_SEARCH).json()
    assert [e["payload"]["plate"] for e in shared] == ["HJK4821"]
    report = client.get("/api/v1/transparency", params={"agency": world.agency_id}).json()
    assert report["shared_with"] == ["Franklin County Sheriff"]

    assert client.post(f"/api/v1/sharing/{agreement['id']}/revoke", headers=admin).status_code == 204
    assert client.get("/api/v1/calls", headers=sheriff).json() == []
    listed = client.get("/api/v1/sharing", headers=login(client, "auditor")).json()
    assert {a["id"]: a["revoked_at"] is not None for a in listed}[agreement["id"]] is True


def test_an_agreement_that_has_ended_shares_nothing(client: TestClient, world: World, db: Database) -> None:
    seed(client, world)
    from sqlalchemy import update

    from rtcc.storage.tables import sharing_agreements

    admin = login(client, "admin")
    body = {
        "recipient_agency_id": world.other_agency_id,
        "kinds": ["live"],
        "purpose": "event security",
        "legal_basis": "MOU 2026-4",
    }
    client.post("/api/v1/sharing", headers=admin, json=body)
    with db.write() as conn:
        conn.execute(update(sharing_agreements).values(ends_at=datetime.now(UTC) - timedelta(minutes=1)))
    assert client.get("/api/v1/calls", headers=login(client, "other-operator")).json() == []


def test_the_live_stream_carries_what_an_agreement_shares(
    client: TestClient, world: World, db: Database
) -> None:
    admin = login(client, "admin")
    body = {
        "recipient_agency_id": world.other_agency_id,
        "kinds": ["live"],
        "purpose": "mutual aid",
        "legal_basis": "MOU 2026-3",
    }
    client.post("/api/v1/sharing", headers=admin, json=body)
    token = login(client, "other-operator")["Authorization"].split()[1]
    with client.websocket_connect(f"/ws?token={token}") as ws:
        ws.receive_json()
        send(
            client,
            world.keys["alpr"],
            [{"plate": "HJK4821", "time": at(1), "latitude": 39.9, "longitude": -83.0, "reader_id": "R1"}],
        )
        send(client, world.keys["avl"], [{"unit": "1A12", "time": at(2), "lat": 39.96, "lon": -82.99}])
        msg = ws.receive_json()
        while msg["kind"] != "event":
            msg = ws.receive_json()
        # the unit moves on the sheriff's map; the plate read (not shared) never arrives
        assert msg["event"]["type"] == "unit.location" and msg["event"]["agency_id"] == world.agency_id
    assert any(e.resource == "ws" for e in AuditLog(db).entries(action="sharing.access"))

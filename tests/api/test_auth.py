"""Sign-in, sessions, roles, and the audit of every sign-in and every read."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.config import Settings
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from tests.conftest import TEST_PASSWORD, World, login

PROTECTED_GETS = [
    "/api/v1/calls",
    "/api/v1/units",
    "/api/v1/cameras",
    "/api/v1/sensors",
    "/api/v1/drones",
    "/api/v1/alerts",
    "/api/v1/events",
    "/api/v1/feeds",
    "/api/v1/deadletters",
    "/api/v1/users",
    "/api/v1/auth/me",
]
PUBLIC = ["/healthz", "/readyz", "/metrics", "/", "/openapi.json"]


def test_every_data_endpoint_needs_a_session(client: TestClient) -> None:
    for path in PROTECTED_GETS:
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers={"Authorization": "Bearer not-a-token"}).status_code == 401, path
    for path in PUBLIC:
        assert client.get(path).status_code == 200, path


def test_sign_in_and_failures_are_audited(client: TestClient, db: Database) -> None:
    bad = client.post("/api/v1/auth/login", json={"username": "operator", "password": "wrong password"})
    assert bad.status_code == 401
    nobody = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "whatever1"})
    assert (
        nobody.status_code == 401 and nobody.json()["detail"] == bad.json()["detail"]
    )  # no user enumeration
    headers = login(client, "operator")
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert me["username"] == "operator" and me["role"] == "operator"
    logins = AuditLog(db).entries(action="login")
    assert [(e.username, e.outcome) for e in reversed(logins)] == [
        ("operator", "failure"),
        ("nobody", "failure"),
        ("operator", "success"),
    ]
    assert all(e.source_ip for e in logins)


def test_every_read_and_search_is_audited_with_who_what_and_outcome(client: TestClient, db: Database) -> None:
    headers = login(client, "analyst")
    client.get("/api/v1/units", headers=headers)
    client.get(
        "/api/v1/events",
        headers={**headers, "X-Purpose": "robbery investigation", "X-Case-Number": "26-001234"},
        params={"type": "alpr.read"},
    )
    client.get("/api/v1/feeds", headers=headers)  # analysts may not see feeds
    entries = list(reversed(AuditLog(db).entries()))[1:]  # after the sign-in
    assert [(e.username, e.action, e.resource, e.outcome) for e in entries] == [
        ("analyst", "read", "GET /api/v1/units", "success"),
        ("analyst", "search", "GET /api/v1/events", "success"),
        ("analyst", "read", "GET /api/v1/feeds", "denied"),
    ]
    assert entries[1].purpose == "robbery investigation"
    assert (
        entries[1].detail["query"] == {"type": "alpr.read"}
        and entries[1].detail["case_number"] == "26-001234"
    )


def test_the_audit_log_is_hash_chained(client: TestClient, db: Database) -> None:
    headers = login(client, "operator")
    client.get("/api/v1/units", headers=headers)
    entries = list(reversed(AuditLog(db).entries()))
    assert entries[0].hash != entries[1].hash
    from sqlalchemy import select

    from rtcc.storage.tables import audit_log

    with db.read() as conn:
        rows = list(conn.execute(select(audit_log.c.prev_hash, audit_log.c.hash).order_by(audit_log.c.seq)))
    assert rows[0].prev_hash == "0" * 64
    assert all(rows[i + 1].prev_hash == rows[i].hash for i in range(len(rows) - 1))


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("officer", "/api/v1/units", 200),
        ("officer", "/api/v1/events", 403),
        ("officer", "/api/v1/feeds", 403),
        ("auditor", "/api/v1/units", 403),
        ("auditor", "/api/v1/feeds", 200),
        ("operator", "/api/v1/users", 403),
        ("admin", "/api/v1/users", 200),
        ("analyst", "/api/v1/events?type=alpr.read&purpose=stolen+car&case_number=26-9", 200),
        ("admin", "/api/v1/events?type=alpr.read", 403),
    ],
)
def test_roles_get_only_what_they_need(client: TestClient, username: str, path: str, status: int) -> None:
    assert client.get(path, headers=login(client, username)).status_code == status


def test_sign_out_ends_the_session(client: TestClient) -> None:
    headers = login(client, "operator")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/units", headers=headers).status_code == 401


def test_idle_sessions_expire(database_url: str, world: World, db: Database) -> None:
    settings = Settings(mode="demo", database_url=database_url, session_idle_minutes=1)
    with TestClient(create_app(settings)) as client:
        headers = login(client, "operator")
        assert client.get("/api/v1/units", headers=headers).status_code == 200
        from sqlalchemy import update

        from rtcc.storage.accounts import now_utc
        from rtcc.storage.tables import sessions

        with db.write() as conn:
            conn.execute(update(sessions).values(last_seen_at=now_utc() - timedelta(minutes=2)))
        resp = client.get("/api/v1/units", headers=headers)
        assert resp.status_code == 401 and "expired" in resp.json()["detail"]


def test_admins_create_users_who_can_then_sign_in(client: TestClient, db: Database) -> None:
    admin = login(client, "admin")
    resp = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "dispatch7", "password": "short", "role": "operator"},
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "password"
    resp = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "dispatch7", "password": TEST_PASSWORD, "role": "operator"},
    )
    assert resp.status_code == 201 and "password" not in resp.text
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "dispatch7", "password": TEST_PASSWORD}
        ).status_code
        == 200
    )
    assert AuditLog(db).entries(action="user.create")[0].detail["new_username"] == "dispatch7"


def test_admins_create_sources_and_the_key_works_once_shown(client: TestClient) -> None:
    admin = login(client, "admin")
    bad = client.post("/api/v1/sources", headers=admin, json={"name": "lpr-east", "adapter": "teletype"})
    assert bad.status_code == 422 and "teletype" in bad.json()["detail"]
    resp = client.post("/api/v1/sources", headers=admin, json={"name": "lpr-east", "adapter": "alpr"})
    assert resp.status_code == 201
    key = resp.json()["api_key"]
    read = {
        "plate": "ABC1234",
        "time": "2026-11-21T20:00:00Z",
        "latitude": 39.9,
        "longitude": -83.0,
        "reader_id": "R1",
    }
    assert client.post("/api/v1/ingest", headers={"X-API-Key": key}, json=[read]).json()["accepted"] == 1
    assert (
        client.post(
            "/api/v1/sources", headers=login(client, "operator"), json={"name": "x", "adapter": "alpr"}
        ).status_code
        == 403
    )

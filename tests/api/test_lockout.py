"""CJIS sign-in rules: five failed sign-ins within 15 minutes lock the account until an administrator
unlocks it; auditors read the audit log, and that reading is itself audited."""

from fastapi.testclient import TestClient

from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from tests.conftest import TEST_PASSWORD, login


def attempt(client: TestClient, username: str, password: str) -> tuple[int, str]:
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    return resp.status_code, resp.json().get("detail", "")


def test_five_failures_lock_the_account_until_an_administrator_unlocks_it(
    client: TestClient, db: Database
) -> None:
    for _ in range(4):
        assert attempt(client, "officer", "not the password")[0] == 401
    assert attempt(client, "officer", TEST_PASSWORD)[0] == 200  # four failures: still open
    for _ in range(5):
        attempt(client, "officer", "not the password")
    code, detail = attempt(client, "officer", TEST_PASSWORD)
    assert code == 401 and "locked" in detail  # even the right password is refused now
    assert AuditLog(db).entries(action="account.lock")[0].username == "officer"

    admin = login(client, "admin")
    assert client.post("/api/v1/users/officer/unlock", headers=login(client, "operator")).status_code == 403
    resp = client.post("/api/v1/users/officer/unlock", headers=admin)
    assert resp.status_code == 200 and resp.json()["locked_at"] is None
    assert attempt(client, "officer", TEST_PASSWORD)[0] == 200
    # the failures before the unlock do not count again
    assert attempt(client, "officer", "not the password")[0] == 401
    assert attempt(client, "officer", TEST_PASSWORD)[0] == 200
    assert client.post("/api/v1/users/officer/unlock", headers=admin).status_code == 409


def test_unknown_usernames_fail_like_wrong_passwords(client: TestClient) -> None:
    assert attempt(client, "nobody-here", "whatever1") == attempt(client, "officer", "whatever1")


def test_auditors_read_the_log_and_the_reading_is_audited(client: TestClient, db: Database) -> None:
    attempt(client, "operator", "not the password")
    auditor = login(client, "auditor")
    failures = client.get(
        "/api/v1/audit", headers=auditor, params={"action": "login", "outcome": "failure"}
    ).json()
    assert [(e["username"], e["detail"]["reason"]) for e in failures] == [("operator", "wrong_password")]
    assert client.get("/api/v1/audit", headers=login(client, "operator")).status_code == 403
    check = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert check["intact"] and check["problems"] == []
    reads = AuditLog(db).entries(username="auditor", action="search")
    assert any(e.resource == "GET /api/v1/audit" for e in reads)


def test_an_auditor_sees_their_own_agencys_entries(client: TestClient, world: object, db: Database) -> None:
    login(client, "other-operator")  # another agency's sign-in
    login(client, "operator")
    auditor = login(client, "auditor")
    names = {
        e["username"] for e in client.get("/api/v1/audit", headers=auditor, params={"action": "login"}).json()
    }
    assert "operator" in names and "other-operator" not in names


def test_common_passwords_and_ones_built_from_the_username_are_refused(client: TestClient) -> None:
    admin = login(client, "admin")
    for password, reason in (
        ("short1", "at least 8"),
        ("password123", "too common"),
        ("aaaaaaaaaa", "too common"),
        ("jsmith-2026!", "username"),
    ):
        body = {"username": "jsmith", "password": password, "role": "analyst"}
        resp = client.post("/api/v1/users", headers=admin, json=body)
        assert resp.status_code == 422 and reason in str(resp.json()), (password, resp.text)
    body = {"username": "jsmith", "password": "lantern-cobalt-river", "role": "analyst"}
    assert client.post("/api/v1/users", headers=admin, json=body).status_code == 201


def test_accounts_unused_for_90_days_are_disabled_until_enabled(client: TestClient, db: Database) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from rtcc.storage.accounts import now_utc
    from rtcc.storage.tables import users

    with db.write() as conn:
        stale = now_utc() - timedelta(days=91)
        conn.execute(update(users).where(users.c.username == "analyst").values(last_login_at=stale))
    code, detail = attempt(client, "analyst", TEST_PASSWORD)
    assert code == 401 and "90 days" in detail
    admin = login(client, "admin")
    assert client.post("/api/v1/users/analyst/enable", headers=admin).status_code == 200
    assert attempt(client, "analyst", TEST_PASSWORD)[0] == 200
    assert client.post("/api/v1/users/analyst/enable", headers=admin).status_code == 409
    assert AuditLog(db).entries(action="account.enable")[0].username == "admin"

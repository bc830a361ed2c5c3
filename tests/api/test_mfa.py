"""Multi-factor sign-in (CJIS: every account): until a second factor is set up a session reaches only the
enrolment; afterwards every sign-in needs a fresh code, and a code works once."""

import time
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from rtcc.app import create_app
from rtcc.config import Settings
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from rtcc.storage.tables import users
from tests.conftest import TEST_PASSWORD, World


@pytest.fixture
def mfa_client(database_url: str, world: World) -> Iterator[TestClient]:
    settings = Settings(mode="demo", database_url=database_url, require_mfa=True)
    with TestClient(create_app(settings)) as client:
        yield client


def sign_in(client: TestClient, username: str, otp: str | None = None) -> tuple[int, dict[str, object]]:
    body: dict[str, object] = {"username": username, "password": TEST_PASSWORD}
    if otp is not None:
        body["otp"] = otp
    resp = client.post("/api/v1/auth/login", json=body)
    return resp.status_code, resp.json()


def bearer(body: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['token']}"}


def code_at(secret: str, steps_ahead: int) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(int(time.time()) + steps_ahead * totp.interval)


def test_enrol_then_every_sign_in_needs_a_fresh_code(mfa_client: TestClient, db: Database) -> None:
    status, body = sign_in(mfa_client, "operator")
    assert status == 200 and body["mfa_enrolment_required"] is True
    headers = bearer(body)
    refused = mfa_client.get("/api/v1/units", headers=headers)
    assert refused.status_code == 403 and "second factor" in refused.json()["detail"]
    assert mfa_client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with (
        pytest.raises(WebSocketDisconnect) as exc,
        mfa_client.websocket_connect(f"/ws?token={body['token']}") as ws,
    ):
        ws.receive_json()
    assert exc.value.code == 4403

    begin = mfa_client.post("/api/v1/auth/mfa/begin", headers=headers).json()
    secret = begin["secret"]
    assert begin["otpauth_uri"].startswith("otpauth://totp/OpenRTCC:operator")
    with db.read() as conn:
        stored = conn.execute(select(users.c.totp_secret).where(users.c.username == "operator")).scalar_one()
    assert secret not in stored and stored.startswith("v1:")  # sealed at rest

    assert (
        mfa_client.post("/api/v1/auth/mfa/confirm", headers=headers, json={"code": "000000"}).status_code
        == 422
    )
    assert (
        mfa_client.post(
            "/api/v1/auth/mfa/confirm", headers=headers, json={"code": code_at(secret, 0)}
        ).status_code
        == 204
    )
    assert mfa_client.get("/api/v1/units", headers=headers).status_code == 200

    status, body = sign_in(mfa_client, "operator")
    assert status == 401 and "otp" in str(body["detail"])
    assert sign_in(mfa_client, "operator", "123456")[0] == 401
    fresh = code_at(secret, 1)  # the next time step: the one just used at confirmation is spent
    status, body = sign_in(mfa_client, "operator", fresh)
    assert status == 200 and body["mfa_enrolment_required"] is False
    assert sign_in(mfa_client, "operator", fresh)[0] == 401  # a code works once
    outcomes = [(e.action, e.outcome) for e in reversed(AuditLog(db).entries(username="operator", limit=50))]
    assert ("mfa.confirm", "failure") in outcomes and ("mfa.confirm", "success") in outcomes


def test_an_administrator_resets_a_lost_second_factor(mfa_client: TestClient, db: Database) -> None:
    # the administrator enrols first
    _, body = sign_in(mfa_client, "admin")
    admin = bearer(body)
    secret = mfa_client.post("/api/v1/auth/mfa/begin", headers=admin).json()["secret"]
    mfa_client.post("/api/v1/auth/mfa/confirm", headers=admin, json={"code": code_at(secret, 0)})
    # the analyst enrols, then loses the phone
    _, body = sign_in(mfa_client, "analyst")
    analyst_secret = mfa_client.post("/api/v1/auth/mfa/begin", headers=bearer(body)).json()["secret"]
    mfa_client.post(
        "/api/v1/auth/mfa/confirm", headers=bearer(body), json={"code": code_at(analyst_secret, 0)}
    )
    assert sign_in(mfa_client, "analyst")[0] == 401
    resp = mfa_client.post("/api/v1/users/analyst/mfa/reset", headers=admin)
    assert resp.status_code == 200 and resp.json()["mfa_enrolled_at"] is None
    status, body = sign_in(mfa_client, "analyst")
    assert status == 200 and body["mfa_enrolment_required"] is True
    assert AuditLog(db).entries(action="mfa.reset")[0].username == "admin"


def test_wrong_codes_count_towards_the_lockout(mfa_client: TestClient) -> None:
    _, body = sign_in(mfa_client, "officer")
    secret = mfa_client.post("/api/v1/auth/mfa/begin", headers=bearer(body)).json()["secret"]
    mfa_client.post("/api/v1/auth/mfa/confirm", headers=bearer(body), json={"code": code_at(secret, 0)})
    for _ in range(5):
        sign_in(mfa_client, "officer", "999999")
    status, body = sign_in(mfa_client, "officer", code_at(secret, 1))
    assert status == 401 and "locked" in str(body["detail"])

"""A camera's login is set by a supervisor, sealed in the database, used by the server to reach the camera
(HTTP Basic or Digest for snapshots, userinfo in RTSP addresses for the video gateway), and never appears in
the database in the clear, in any API answer, in any event, or in the audit log."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.config import Settings
from rtcc.storage.audit import AuditLog
from rtcc.storage.camera_credentials import CameraCredentials, Credential, camera_credentials
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState
from rtcc.storage.tables import metadata
from tests.api.test_camera_snapshots import CAMERA_PASSWORD, PNG, camera_server  # noqa: F401  (fixture)
from tests.conftest import World, login
from tests.ingest.test_camera_probes import PASSWORD as DIGEST_PASSWORD
from tests.ingest.test_camera_probes import USER as DIGEST_USER
from tests.ingest.test_camera_probes import CameraWorld, cameras_world  # noqa: F401  (fixture)


def register(db: Database, agency: str, cameras: dict[str, str]) -> None:
    SqlLiveState(db).register(
        "camera",
        [
            {
                "id": camera_id,
                "agency_id": agency,
                "name": f"Camera {camera_id}",
                "kind": "city_cctv",
                "lat": 39.96,
                "lon": -82.99,
                "ptz": False,
                "status": "up",
                "snapshot_url": url,
                "stream_url": "rtsp://10.1.2.3:554/live",
            }
            for camera_id, url in cameras.items()
        ],
    )


def everything_stored(db: Database) -> str:
    """Every row of every table as text: what someone reading the database would see."""
    with db.read() as conn:
        return "\n".join(str(list(conn.execute(select(t)))) for t in metadata.sorted_tables)


def test_a_supervisor_sets_a_login_that_is_used_and_never_shown(
    client: TestClient,
    world: World,
    db: Database,
    settings: Settings,
    camera_server: str,  # noqa: F811
) -> None:
    register(db, world.agency_id, {"LOCKED": f"{camera_server}/locked.png"})
    operator, supervisor = login(client, "operator"), login(client, "supervisor")
    body = {"username": "viewer", "password": CAMERA_PASSWORD}

    assert client.get("/api/v1/cameras/LOCKED/snapshot", headers=operator).status_code == 502
    assert client.put("/api/v1/cameras/LOCKED/credentials", headers=operator, json=body).status_code == 403
    saved = client.put("/api/v1/cameras/LOCKED/credentials", headers=supervisor, json=body)
    assert saved.status_code == 200 and saved.json() == {"camera_id": "LOCKED", "credentials_stored": True}

    shown = client.get("/api/v1/cameras/LOCKED/snapshot", headers=operator)
    assert shown.status_code == 200 and shown.content == PNG

    # Sealed in its row: neither the user name nor the password can be read there.
    with db.read() as conn:
        row = conn.execute(select(camera_credentials)).one()
    assert row.password_sealed.startswith("v1:") and row.username_sealed.startswith("v1:")
    assert CAMERA_PASSWORD not in everything_stored(db)

    answers = [
        client.get("/api/v1/cameras", headers=operator),
        client.get("/api/v1/camera-health", headers=operator),
        client.get("/api/v1/camera-health/LOCKED", headers=operator),
    ]
    for answer in answers:
        assert answer.status_code == 200 and CAMERA_PASSWORD not in answer.text
    assert client.get("/api/v1/camera-health/LOCKED", headers=operator).json()["credentials_stored"] is True
    assert CAMERA_PASSWORD not in everything_stored(db)  # events, audit, dead letters included
    audit = AuditLog(db).entries(limit=10_000)
    assert all(CAMERA_PASSWORD not in str(e.detail) and "viewer" not in str(e.detail) for e in audit)
    [set_entry] = [e for e in audit if e.action == "camera.credentials"]
    assert (set_entry.username, set_entry.resource, set_entry.detail) == (
        "supervisor",
        "camera/LOCKED",
        {"camera_id": "LOCKED", "change": "set"},
    )

    # The video gateway's view: the stream address with the login in it, inside the server only.
    store = CameraCredentials(db, settings.secret_key)
    assert store.with_credentials("LOCKED", "rtsp://10.1.2.3:554/live") == (
        f"rtsp://viewer:{CAMERA_PASSWORD}@10.1.2.3:554/live"
    )

    cleared = client.delete("/api/v1/cameras/LOCKED/credentials", headers=supervisor)
    assert cleared.json() == {"camera_id": "LOCKED", "credentials_stored": False}
    assert client.get("/api/v1/cameras/LOCKED/snapshot", headers=operator).status_code == 502
    assert store.with_credentials("LOCKED", "rtsp://10.1.2.3:554/live") == "rtsp://10.1.2.3:554/live"


def test_a_digest_camera_is_reached_with_the_stored_login(
    client: TestClient,
    world: World,
    db: Database,
    cameras_world: tuple[str, CameraWorld],  # noqa: F811
) -> None:
    base, cams = cameras_world
    register(db, world.agency_id, {"DIGEST": f"{base}/digest.jpg"})
    operator, admin = login(client, "operator"), login(client, "admin")
    body = {"username": DIGEST_USER, "password": DIGEST_PASSWORD}
    assert client.put("/api/v1/cameras/DIGEST/credentials", headers=admin, json=body).status_code == 200
    shown = client.get("/api/v1/cameras/DIGEST/snapshot", headers=operator)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert cams.seen_auth[-1].startswith("Digest ") and DIGEST_PASSWORD not in cams.seen_auth[-1]


def test_bad_logins_are_refused_naming_the_field_and_other_agencies_cameras_are_not_found(
    client: TestClient, world: World, db: Database
) -> None:
    register(db, world.agency_id, {"MINE": "http://10.1.2.3/snap.jpg"})
    register(db, world.other_agency_id, {"THEIRS": "http://10.1.2.4/snap.jpg"})
    supervisor = login(client, "supervisor")
    missing = client.put("/api/v1/cameras/MINE/credentials", headers=supervisor, json={"username": "u"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "password"
    empty = client.put(
        "/api/v1/cameras/MINE/credentials", headers=supervisor, json={"username": "", "password": "p"}
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "username"
    theirs = client.put(
        "/api/v1/cameras/THEIRS/credentials", headers=supervisor, json={"username": "u", "password": "p"}
    )
    assert theirs.status_code == 404


def test_the_store_made_with_no_arguments_reads_the_servers_settings(
    monkeypatch: pytest.MonkeyPatch, world: World, db: Database, settings: Settings, database_url: str
) -> None:
    register(db, world.agency_id, {"GW": "http://10.1.2.3/snap.jpg"})
    CameraCredentials(db, settings.secret_key).save(
        "GW", world.agency_id, Credential("gw", "pw/with:@"), by="t"
    )
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    assert CameraCredentials().with_credentials("GW", "rtsp://10.1.2.3/live") == (
        "rtsp://gw:pw%2Fwith%3A%40@10.1.2.3/live"
    )

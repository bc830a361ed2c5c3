"""The camera health monitor running in the server against cameras on the loopback interface: a healthy
one, a frozen one, a black one, a covered one, one that errors and one that never answers in time, plus a
camera that sends heartbeats. Each is seen in its state through the API, on the live picture and in the
alerts; uptime and the maintenance list are read back, and an operator's note set on a down camera."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.config import Settings
from rtcc.domain.vocab import HealthState
from rtcc.storage.audit import AuditLog
from rtcc.storage.camera_health import CameraHealthStore
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState
from tests.api._flow import eventually, send
from tests.conftest import World, login
from tests.ingest.test_camera_probes import CameraWorld, cameras_world  # noqa: F401  (fixture)

PROBE_EVERY_S = 0.3


@pytest.fixture
def fast_client(database_url: str, world: World) -> Iterator[TestClient]:
    """The server with its health monitor probing every camera every 0.3 s."""
    settings = Settings(
        mode="demo",
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        camera_probe_every_s=PROBE_EVERY_S,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def register(db: Database, agency: str, cameras: dict[str, dict[str, Any]]) -> None:
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
                "snapshot_url": None,
                "stream_url": None,
                **fields,
            }
            for camera_id, fields in cameras.items()
        ],
    )


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["camera_id"]: r for r in rows}


def test_every_health_state_is_seen_and_alerted_and_a_repaired_camera_comes_back(
    fast_client: TestClient,
    world: World,
    db: Database,
    cameras_world: tuple[str, CameraWorld],  # noqa: F811
) -> None:
    client = fast_client
    base, cams = cameras_world
    register(
        db,
        world.agency_id,
        {
            "HEALTHY": {"snapshot_url": f"{base}/healthy.jpg"},
            "FROZEN": {"snapshot_url": f"{base}/frozen.jpg"},
            "BLACK": {"snapshot_url": f"{base}/black.jpg"},
            "COVERED": {"snapshot_url": f"{base}/covered.jpg"},
            "ERROR": {"snapshot_url": f"{base}/error.jpg"},
            "SLOW": {"snapshot_url": f"{base}/slow.jpg"},
            "STREAM": {"stream_url": f"{base}/healthy.jpg"},  # no snapshot address: ffmpeg grabs a frame
        },
    )
    operator = login(client, "operator")
    expected = {
        "FROZEN": "frozen",
        "BLACK": "black",
        "COVERED": "covered",
        "ERROR": "unreachable",
        "SLOW": "unreachable",
    }

    def settled() -> dict[str, dict[str, Any]] | None:
        health = by_id(client.get("/api/v1/camera-health", headers=operator).json())
        down = {c: h["condition"] for c, h in health.items() if h["status"] == "down"}
        return health if down == expected else None

    health = eventually(settled, timeout=30)
    assert health["HEALTHY"]["status"] == "up" and health["STREAM"]["status"] == "up"
    assert health["HEALTHY"]["uptime"]["24h"]["percent"] == 100.0
    assert health["ERROR"]["reason"] == "unreachable: the camera answered HTTP 500"
    assert health["SLOW"]["reason"] == "unreachable: the camera did not answer within 0.5 s"
    assert health["FROZEN"]["reason"].startswith("frozen: the picture has not changed")
    for camera_id in expected:
        assert health[camera_id]["uptime"]["24h"]["percent"] == 0.0  # down since first watched

    # Each change went out as a camera.status event with its reason, for the map, the wall and the alerts.
    events = client.get(
        "/api/v1/events", headers=operator, params={"type": "camera.status", "limit": 500}
    ).json()
    reasons = {e["payload"]["camera_id"]: e["payload"].get("reason", "") for e in events}
    assert {c: reasons[c].partition(":")[0] for c in expected} == expected
    assert all(e["payload"]["status"] == "down" for e in events) and "HEALTHY" not in reasons

    # The live picture and the alerts say the same, with the reason.
    live = {c["id"]: c for c in client.get("/api/v1/cameras", headers=operator).json()}
    assert live["BLACK"]["status"] == "down" and live["BLACK"]["status_reason"].startswith("black:")

    def alerts(kind: str) -> dict[str, str]:
        rows = client.get("/api/v1/alerts", headers=operator).json()
        return {a["detail"]["camera_id"]: a["title"] for a in rows if a["kind"] == kind}

    down_alerts = eventually(lambda: (a := alerts("camera.down")) and len(a) == len(expected) and a)
    assert set(down_alerts) == set(expected)
    assert "covered" in down_alerts["COVERED"] and "HTTP 500" in down_alerts["ERROR"]

    # The maintenance list: what is down, since when and why; a supervisor files a ticket.
    listed = by_id(client.get("/api/v1/camera-maintenance", headers=operator).json())
    assert set(listed) == set(expected)
    assert listed["FROZEN"]["condition"] == "frozen" and listed["FROZEN"]["down_since"] is not None
    note = {"note": "sensor replaced on order", "ticket": "DPW-4471"}
    refused = client.put("/api/v1/camera-maintenance/ERROR", headers=operator, json=note)
    assert refused.status_code == 403
    supervisor = login(client, "supervisor")
    saved = client.put("/api/v1/camera-maintenance/ERROR", headers=supervisor, json=note)
    assert saved.status_code == 200, saved.text
    listed = by_id(client.get("/api/v1/camera-maintenance", headers=operator).json())
    assert (listed["ERROR"]["note"], listed["ERROR"]["ticket"], listed["ERROR"]["note_by"]) == (
        "sensor replaced on order",
        "DPW-4471",
        "supervisor",
    )
    [audited] = AuditLog(db).entries(action="camera.maintenance")
    assert audited.username == "supervisor" and audited.detail["ticket"] == "DPW-4471"
    bad = client.put("/api/v1/camera-maintenance/ERROR", headers=supervisor, json={"ticket": "x" * 101})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ticket"

    # A recorder saying the black camera is alive does not bring it back: its picture is still black.
    heartbeat = {
        "id": "black-alive",
        "type": "camera.status",
        "occurred_at": datetime.now(UTC).isoformat(),
        "payload": {"camera_id": "BLACK", "status": "up"},
    }
    send(client, world.keys["cad"], [heartbeat])

    def black_reports() -> list[str]:
        events = client.get(
            "/api/v1/events", headers=operator, params={"type": "camera.status", "limit": 500}
        ).json()
        return [e["payload"]["status"] for e in events if e["payload"]["camera_id"] == "BLACK"]

    assert eventually(lambda: len(black_reports()) == 3 and black_reports()) == ["down", "up", "down"]
    eventually(lambda: client.get("/api/v1/camera-health/BLACK", headers=operator).json()["status"] == "down")
    black = client.get("/api/v1/camera-health/BLACK", headers=operator).json()
    assert [h["status"] for h in black["history"]] == ["down"] and black["uptime"]["24h"]["percent"] == 0.0
    assert "BLACK" not in alerts("camera.up")

    # The camera is repaired: it comes back, an alert says so, and it leaves the maintenance list.
    cams.broken.clear()
    cams.shows["error"] = "healthy"
    eventually(
        lambda: client.get("/api/v1/camera-health/ERROR", headers=operator).json()["status"] == "up",
        timeout=30,
    )
    assert "ERROR" in eventually(lambda: alerts("camera.up"))
    one = client.get("/api/v1/camera-health/ERROR", headers=operator).json()
    assert [h["status"] for h in one["history"]] == ["up", "down"]
    assert one["history"][1]["condition"] == "unreachable"
    assert 0.0 < one["uptime"]["24h"]["percent"] < 100.0
    assert "ERROR" not in by_id(client.get("/api/v1/camera-maintenance", headers=operator).json())


def test_a_camera_that_sends_heartbeats_is_down_when_it_goes_quiet(
    fast_client: TestClient, world: World, db: Database
) -> None:
    client = fast_client
    operator = login(client, "operator")
    register(db, world.agency_id, {"BEAT": {}})

    def heartbeat(n: int) -> None:
        item = {
            "id": f"beat-{n}",
            "type": "camera.status",
            "occurred_at": datetime.now(UTC).isoformat(),
            "payload": {"camera_id": "BEAT", "status": "up"},
        }
        send(client, world.keys["cad"], [item])

    heartbeat(1)
    heartbeat(2)
    gone = eventually(
        lambda: (
            (h := client.get("/api/v1/camera-health/BEAT", headers=operator).json())["status"] == "down" and h
        ),
        timeout=30,
    )
    assert gone["condition"] == "no_heartbeat" and gone["reason"].startswith(
        "no heartbeat: nothing heard for"
    )
    heartbeat(3)
    eventually(lambda: client.get("/api/v1/camera-health/BEAT", headers=operator).json()["status"] == "up")
    kinds = [a["kind"] for a in client.get("/api/v1/alerts", headers=operator).json()]
    assert sorted(kinds) == ["camera.down", "camera.up"]  # the repeated "up" heartbeats raised none


def test_uptime_over_a_day_a_week_and_a_month(client: TestClient, world: World, db: Database) -> None:
    register(db, world.agency_id, {"OLD": {}})
    history = CameraHealthStore(db)
    now = datetime.now(UTC)
    day = timedelta(days=1)
    history.record(world.agency_id, "OLD", HealthState.UP, now - 10 * day)
    history.record(
        world.agency_id, "OLD", HealthState.DOWN, now - 3 * day, condition="frozen", reason="frozen: x"
    )
    history.record(world.agency_id, "OLD", HealthState.UP, now - day - timedelta(hours=6))
    assert not history.record(world.agency_id, "OLD", HealthState.UP, now - day)  # no change, no row
    figures = client.get("/api/v1/camera-health/OLD", headers=login(client, "analyst")).json()["uptime"]
    assert figures["24h"]["percent"] == 100.0
    assert figures["7d"]["percent"] == pytest.approx(100 * 126 / 168, abs=0.01)
    assert figures["30d"]["percent"] == pytest.approx(100 * 198 / 240, abs=0.01)
    assert figures["30d"]["observed_s"] == pytest.approx(10 * 86400, abs=5)
    other = client.get("/api/v1/camera-health/OLD", headers=login(client, "other-operator"))
    assert other.status_code == 404

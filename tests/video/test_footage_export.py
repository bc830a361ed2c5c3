"""Footage export from a recording camera: a supervisor switches recording on, an analyst exports a window
with a purpose and case number, gets an MP4 of the camera's own picture with its SHA-256 and a chain of
custody, every download is added to that custody, and a file that no longer matches its hash is refused.
Community cameras' footage is asked of their owners instead."""

import hashlib
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from rtcc.config import Settings
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from tests.conftest import World, login
from tests.video.conftest import CAMERA_PASSWORD, CAMERA_USER, register_camera, wait_until
from tests.video.rtsp_source import RtspCamera

CASE = {"X-Purpose": "robbery at the corner store", "X-Case-Number": "2026-004512"}


def clip_duration_s(path: Path) -> float:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name,width",
         "-of", "default=nw=1", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    fields = dict(line.split("=", 1) for line in probe.stdout.split())
    assert (fields["codec_name"], fields["width"]) == ("h264", "320")
    return float(fields["duration"])


def test_a_recorded_window_is_exported_hashed_and_kept_in_custody(
    client: TestClient, world: World, db: Database, camera: RtspCamera, settings: Settings, tmp_path: Path
) -> None:
    register_camera(db, world.agency_id, "CAM-REC", camera.url_with(CAMERA_USER, CAMERA_PASSWORD))
    supervisor, analyst = login(client, "supervisor"), login(client, "analyst")

    # Nothing is recorded before recording is switched on.
    now = datetime.now(UTC)
    window = {
        "camera_id": "CAM-REC",
        "start": (now - timedelta(seconds=5)).isoformat(),
        "end": now.isoformat(),
    }
    early = client.post("/api/v1/footage/exports", json=window, headers={**analyst, **CASE})
    assert early.status_code == 409 and "nothing was recorded" in early.json()["detail"]

    started = client.post("/api/v1/cameras/CAM-REC/recording", headers=supervisor)
    assert started.status_code == 200, started.text
    assert started.json()["recording"] and started.json()["running"]
    t0 = datetime.now(UTC)
    listed = client.get("/api/v1/recordings", headers=analyst).json()
    assert [(r["camera_id"], r["started_by"]) for r in listed] == [("CAM-REC", "supervisor")]
    # Recording goes on with nobody watching, past the live idle time.
    wait_until(lambda: datetime.now(UTC) > t0 + timedelta(seconds=6), what="six seconds of recording")
    assert client.get("/api/v1/recordings", headers=analyst).json()[0]["running"]

    window = {
        "camera_id": "CAM-REC",
        "start": (t0 + timedelta(seconds=1)).isoformat(),
        "end": (t0 + timedelta(seconds=4)).isoformat(),
    }
    no_purpose = client.post("/api/v1/footage/exports", json=window, headers=analyst)
    assert no_purpose.status_code == 422 and "purpose and case_number" in no_purpose.json()["detail"]
    backwards = client.post(
        "/api/v1/footage/exports", json={**window, "end": window["start"]}, headers={**analyst, **CASE}
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"] == [{"field": "end", "reason": "Value error, must be after start"}]

    resp = client.post("/api/v1/footage/exports", json=window, headers={**analyst, **CASE})
    assert resp.status_code == 201, resp.text
    clip = resp.json()
    assert clip["exported_by"] == "analyst" and clip["case_number"] == "2026-004512"
    clip_start, clip_end = (
        datetime.fromisoformat(clip["clip_start"]),
        datetime.fromisoformat(clip["clip_end"]),
    )
    # The clip covers the window (whole segments, so at most a little more).
    assert clip_start <= t0 + timedelta(seconds=1) and clip_end >= t0 + timedelta(seconds=4)
    assert [e["action"] for e in clip["custody"]] == ["exported"]

    refused = client.get(clip["download"], headers=analyst)
    assert refused.status_code == 422  # a transfer states its purpose too
    download = client.get(clip["download"], headers={**login(client, "operator"), **CASE})
    assert download.status_code == 200 and download.headers["content-type"] == "video/mp4"
    assert (
        hashlib.sha256(download.content).hexdigest() == clip["sha256"] == download.headers["x-content-sha256"]
    )
    assert len(download.content) == clip["size_bytes"]
    saved = tmp_path / "clip.mp4"
    saved.write_bytes(download.content)
    assert clip_duration_s(saved) >= 2.5  # the camera's picture, H.264 320 wide, the window's length

    custody = client.get(f"/api/v1/footage/exports/{clip['id']}", headers=analyst).json()["custody"]
    assert [(e["action"], e["username"], e["hash_matched"]) for e in custody] == [
        ("exported", "analyst", True),
        ("downloaded", "operator", True),
    ]
    assert custody[1]["purpose"] == CASE["X-Purpose"]

    # Someone alters the file on the server: it is no longer released, and the refusal is in its custody.
    stored = Path(settings.data_dir) / "clips" / f"{clip['id']}.mp4"
    with stored.open("ab") as f:
        f.write(b"\0")
    tampered = client.get(clip["download"], headers={**analyst, **CASE})
    assert tampered.status_code == 409
    assert "not released" in tampered.json()["detail"] and clip["sha256"] in tampered.json()["detail"]
    custody = client.get(f"/api/v1/footage/exports/{clip['id']}", headers=analyst).json()["custody"]
    assert [(e["action"], e["hash_matched"]) for e in custody][-1] == ("download_refused", False)

    audited = [
        (e.action, e.username, e.outcome)
        for e in AuditLog(db).entries()
        if e.action.startswith(("footage.", "recording."))
    ]
    assert ("recording.start", "supervisor", "success") in audited
    assert ("footage.export", "analyst", "success") in audited
    assert ("footage.download", "operator", "success") in audited
    assert ("footage.download", "analyst", "failure") in audited

    # Another agency sees none of it.
    assert client.get("/api/v1/footage/exports", headers=analyst).json()[0]["id"] == clip["id"]
    other = login(client, "other-operator")
    assert client.get(f"/api/v1/footage/exports/{clip['id']}", headers=other).status_code == 404

    stopped = client.request("DELETE", "/api/v1/cameras/CAM-REC/recording", headers=supervisor)
    assert stopped.status_code == 200 and not stopped.json()["recording"]
    wait_until(lambda: camera.relay.players(camera.path) == 0, what="the recording to stop pulling")


def test_community_cameras_footage_is_requested_from_the_owner(
    client: TestClient, world: World, db: Database
) -> None:
    register_camera(db, world.agency_id, "CAM-SHOP", "rtsp://127.0.0.1:1/shop", kind="business")
    register_camera(db, world.agency_id, "CAM-PORCH", "rtsp://127.0.0.1:1/porch", kind="resident")
    now = datetime.now(UTC)
    for camera_id in ("CAM-SHOP", "CAM-PORCH"):
        window = {
            "camera_id": camera_id,
            "start": (now - timedelta(minutes=5)).isoformat(),
            "end": now.isoformat(),
        }
        resp = client.post(
            "/api/v1/footage/exports", json=window, headers={**login(client, "analyst"), **CASE}
        )
        assert resp.status_code == 409 and "footage request" in resp.json()["detail"]
        rec = client.post(f"/api/v1/cameras/{camera_id}/recording", headers=login(client, "supervisor"))
        assert rec.status_code == 409 and "footage request" in rec.json()["detail"]

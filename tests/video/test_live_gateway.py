"""The live video gateway on a real RTSP camera: a signed-in viewer gets HLS through the server (never the
camera's address or password), one ffmpeg serves every viewer, the stream stops when nobody watches, every
view is audited, and a camera that cannot be watched gets a clear answer."""

from fastapi.testclient import TestClient

from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from tests.conftest import World, free_port, login
from tests.video.conftest import CAMERA_PASSWORD, CAMERA_USER, register_camera, wait_until
from tests.video.rtsp_source import RtspCamera


def test_an_officer_watches_a_camera_live_and_the_view_is_audited(
    client: TestClient, world: World, db: Database, camera: RtspCamera
) -> None:
    register_camera(db, world.agency_id, "CAM-LIVE", camera.url_with(CAMERA_USER, CAMERA_PASSWORD))
    officer = login(client, "officer")
    resp = client.post("/api/v1/cameras/CAM-LIVE/live", headers=officer)
    assert resp.status_code == 200, resp.text
    view = resp.json()
    assert view["playlist"] == f"/api/v1/video/views/{view['view_id']}/index.m3u8"

    playlist = client.get(view["playlist"], headers=officer)
    assert playlist.status_code == 200, playlist.text
    assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert playlist.text.startswith("#EXTM3U")
    segment_name = next(line for line in playlist.text.splitlines() if line.endswith(".ts"))
    segment = client.get(view["playlist"].replace("index.m3u8", segment_name), headers=officer)
    assert segment.status_code == 200 and segment.headers["content-type"] == "video/mp2t"
    assert segment.content[:1] == b"\x47" and len(segment.content) > 1000  # MPEG-TS packets
    for answer in (resp.text, playlist.text):
        assert "127.0.0.1" not in answer and CAMERA_PASSWORD not in answer

    [audited] = AuditLog(db).entries(action="video.view")
    assert (audited.username, audited.resource, audited.outcome) == ("officer", "camera/CAM-LIVE", "success")
    assert audited.detail["view_id"] == view["view_id"]
    # The playlist and segment fetches belong to that one view: they add no entries of their own.
    assert not [e for e in AuditLog(db).entries() if "/video/views/" in e.resource]

    # A view is its viewer's own: another user cannot ride on it.
    other = client.get(view["playlist"], headers=login(client, "operator"))
    assert other.status_code == 404


def test_one_stream_serves_every_viewer_and_stops_when_nobody_watches(
    client: TestClient, world: World, db: Database, camera: RtspCamera
) -> None:
    register_camera(db, world.agency_id, "CAM-SHARED", camera.url_with(CAMERA_USER, CAMERA_PASSWORD))
    views = []
    for user in ("operator", "officer", "supervisor"):
        headers = login(client, user)
        resp = client.post("/api/v1/cameras/CAM-SHARED/live", headers=headers)
        assert resp.status_code == 200, resp.text
        views.append((headers, resp.json()["playlist"]))
        assert client.get(resp.json()["playlist"], headers=headers).status_code == 200
    # Three viewers, one pull from the camera.
    assert camera.relay.players(camera.path) == 1
    assert len(AuditLog(db).entries(action="video.view")) == 3

    # Nobody fetches anything now: after the idle time the gateway lets go of the camera.
    wait_until(lambda: camera.relay.players(camera.path) == 0, what="the idle stream to stop")
    headers, playlist = views[0]
    gone = client.get(playlist, headers=headers)
    assert gone.status_code == 404 and "open the camera again" in gone.json()["detail"]

    # Opening the camera again starts a new stream.
    again = client.post("/api/v1/cameras/CAM-SHARED/live", headers=headers)
    assert again.status_code == 200
    assert client.get(again.json()["playlist"], headers=headers).status_code == 200
    assert camera.relay.players(camera.path) == 1


def test_a_camera_that_cannot_be_watched_gets_a_clear_answer(
    client: TestClient, world: World, db: Database, camera: RtspCamera
) -> None:
    operator = login(client, "operator")
    assert client.post("/api/v1/cameras/NOPE/live", headers=operator).status_code == 404

    register_camera(db, world.other_agency_id, "CAM-FCSO", camera.url)
    theirs = client.post("/api/v1/cameras/CAM-FCSO/live", headers=operator)
    assert theirs.status_code == 404  # another agency's, shared with nobody

    register_camera(db, world.agency_id, "CAM-NO-STREAM", None)
    no_stream = client.post("/api/v1/cameras/CAM-NO-STREAM/live", headers=operator)
    assert no_stream.status_code == 409 and no_stream.json()["detail"] == "camera has no stream address"

    register_camera(db, world.agency_id, "CAM-LOCKED", camera.url)  # no password: the camera refuses
    locked = client.post("/api/v1/cameras/CAM-LOCKED/live", headers=operator)
    assert locked.status_code == 502 and "401 Unauthorized" in locked.json()["detail"]

    port = free_port()  # nothing listens there
    register_camera(db, world.agency_id, "CAM-DEAD", f"rtsp://admin:{CAMERA_PASSWORD}@127.0.0.1:{port}/live")
    dead = client.post("/api/v1/cameras/CAM-DEAD/live", headers=operator)
    assert dead.status_code == 502 and "Connection refused" in dead.json()["detail"]
    assert str(port) not in dead.text and CAMERA_PASSWORD not in dead.text

    failures = AuditLog(db).entries(action="video.view")
    assert {(e.resource, e.outcome) for e in failures} == {
        ("camera/CAM-LOCKED", "failure"),
        ("camera/CAM-DEAD", "failure"),
    }
    assert all(CAMERA_PASSWORD not in str(e.detail) for e in failures)

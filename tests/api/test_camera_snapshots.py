"""Camera snapshots fetched by the server: the image with its type and never cached, the camera's address
and credentials kept from the browser, a clear answer when the camera cannot give one, and every view
audited. The cameras here are a small HTTP server on the loopback interface."""

import base64
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState
from tests.conftest import World, free_port, login

CAMERA_PASSWORD = "s3cret-pw"


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = tiny_png()


class FakeCamera(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/snapshot.png":
            self._answer(200, "image/png", PNG)
        elif self.path == "/locked.png":
            expected = "Basic " + base64.b64encode(f"viewer:{CAMERA_PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") == expected:
                self._answer(200, "image/png", PNG)
            else:
                self._answer(401, "text/plain", b"who are you?")
        elif self.path == "/login":
            self._answer(200, "text/html", b"<html><script>alert(1)</script></html>")
        elif self.path == "/hang":
            time.sleep(6)
        else:
            self._answer(500, "text/plain", b"camera fault")

    def _answer(self, code: int, content_type: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def camera_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCamera)
    server.daemon_threads = True
    server.block_on_close = False  # a camera left hanging must not hold the test up
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def register(db: Database, agency: str, cameras: dict[str, str | None]) -> None:
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
            }
            for camera_id, url in cameras.items()
        ],
    )


def test_an_officer_sees_the_cameras_image_and_the_view_is_audited(
    client: TestClient, world: World, db: Database, camera_server: str
) -> None:
    register(db, world.agency_id, {"CAM-1": f"{camera_server}/snapshot.png"})
    resp = client.get("/api/v1/cameras/CAM-1/snapshot", headers=login(client, "officer"))
    assert resp.status_code == 200
    assert resp.content == PNG and resp.headers["content-type"] == "image/png"
    assert resp.headers["cache-control"] == "no-store"
    [view] = AuditLog(db).entries(action="camera.view")
    assert (view.username, view.resource, view.detail, view.outcome) == (
        "officer",
        "camera/CAM-1",
        {"camera_id": "CAM-1"},
        "success",
    )


def test_the_cameras_credentials_never_reach_the_browser(
    client: TestClient, world: World, db: Database, camera_server: str
) -> None:
    address = camera_server.replace("http://", f"http://viewer:{CAMERA_PASSWORD}@") + "/locked.png"
    register(db, world.agency_id, {"CAM-2": address})
    operator = login(client, "operator")
    resp = client.get("/api/v1/cameras/CAM-2/snapshot", headers=operator)
    assert resp.status_code == 200 and resp.content == PNG
    assert CAMERA_PASSWORD not in str(resp.headers)
    listed = client.get("/api/v1/cameras", headers=operator)
    assert CAMERA_PASSWORD not in listed.text
    assert listed.json()[0]["snapshot_url"] == camera_server + "/locked.png"
    assert all(CAMERA_PASSWORD not in str(e.detail) for e in AuditLog(db).entries(limit=1000))


def test_cameras_that_cannot_give_an_image_are_answered_clearly(
    client: TestClient, world: World, db: Database, camera_server: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/snapshot.png"
    register(
        db,
        world.agency_id,
        {
            "NO-ADDR": None,
            "FAULTY": f"{camera_server}/fault",
            "LOGIN": f"{camera_server}/login",
            "OFF": closed,
            "LOCKED": f"{camera_server}/locked.png",
        },
    )
    register(db, world.other_agency_id, {"THEIRS": f"{camera_server}/snapshot.png"})
    operator = login(client, "operator")

    def snapshot(camera_id: str) -> tuple[int, str]:
        resp = client.get(f"/api/v1/cameras/{camera_id}/snapshot", headers=operator)
        return resp.status_code, resp.json()["detail"]

    assert snapshot("NO-ADDR") == (409, "camera has no snapshot address")
    assert snapshot("NOPE") == (404, "no camera 'NOPE'")
    assert snapshot("THEIRS") == (404, "no camera 'THEIRS'")
    assert snapshot("FAULTY") == (502, "the camera answered HTTP 500")
    assert snapshot("LOCKED") == (502, "the camera answered HTTP 401")
    # A page instead of an image is not passed on: it would run in the console's origin.
    assert snapshot("LOGIN") == (502, "the camera answered with text/html, not an image")
    assert snapshot("OFF") == (502, "could not reach the camera (ConnectError)")
    failures = AuditLog(db).entries(action="camera.view", outcome="failure", limit=10)
    assert {e.resource for e in failures} == {"camera/FAULTY", "camera/LOCKED", "camera/LOGIN", "camera/OFF"}


def test_a_camera_that_does_not_answer_is_given_up(
    client: TestClient, world: World, db: Database, camera_server: str
) -> None:
    register(db, world.agency_id, {"HUNG": f"{camera_server}/hang"})
    resp = client.get("/api/v1/cameras/HUNG/snapshot", headers=login(client, "operator"))
    assert resp.status_code == 502 and resp.json()["detail"] == "the camera did not answer within 3 s"
    [failed] = AuditLog(db).entries(action="camera.view", outcome="failure")
    assert failed.detail == {"camera_id": "HUNG", "reason": "the camera did not answer within 3 s"}

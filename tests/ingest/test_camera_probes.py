"""Reaching real cameras on the loopback interface: snapshots over HTTP with Basic and Digest logins, frames
grabbed by ffmpeg from a stream (an HTTP JPEG and a real RTSP server), and failures whose reasons never
quote the address or the password.

The cameras here are reused by the API tests of camera health (tests/api/test_camera_health.py)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from rtcc.domain.entities import Camera
from rtcc.domain.vocab import CameraKind
from rtcc.engines.camera_health import changed, picture
from rtcc.ingest.camera_probes import SnapshotFailed, fetch_snapshot, grab_frame, probe_camera
from tests.conftest import free_port

USER, PASSWORD = "viewer", "pw-9f3e-secret"
REALM = "camera"


def scene(step: int | None, *, noise: float = 3.0, seed: int | None = None) -> bytes:
    """A 320x240 street-like picture as JPEG: a gradient, a few blocks, and sensor noise that differs
    every time. ``step`` moves a car across the picture; None leaves it out."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:240, 0:320]
    img = 60.0 + 0.3 * x + 0.2 * y
    img[150:200, 0:320] = 90.0  # the road
    img[40:100, 30:90] = 170.0  # a building
    if step is not None:
        left = (step * 37) % 280
        img[160:185, left : left + 40] = 230.0
    img += rng.normal(0.0, noise, img.shape)
    return jpeg(img)


def flat(level: float, *, noise: float = 2.0) -> bytes:
    """A picture with nothing in it: black when dark, a covered lens when mid-gray."""
    img = np.full((240, 320), level) + np.random.default_rng().normal(0.0, noise, (240, 320))
    return jpeg(img)


def jpeg(img: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "L").convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # HTTP Digest is defined with MD5


class CameraWorld:
    """What each loopback camera shows, changeable while the test runs (a camera repaired, a lens covered)."""

    def __init__(self) -> None:
        self.counter = 0
        self.broken = {"error"}  # cameras that answer HTTP 500
        self.shows: dict[str, str] = {}  # camera path -> what it shows instead (healthy, black, ...)
        self.seen_auth: list[str] = []
        self.lock = threading.Lock()

    def image(self, what: str) -> bytes:
        with self.lock:
            self.counter += 1
            step = self.counter
        what = self.shows.get(what, what)
        if what == "healthy":
            return scene(step)
        if what == "frozen":
            return scene(None, seed=None)  # the same picture every time, fresh noise on it
        if what == "black":
            return flat(6.0)
        if what == "covered":
            return flat(128.0)
        raise KeyError(what)


def handler_for(world: CameraWorld) -> type[BaseHTTPRequestHandler]:
    class Camera(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.strip("/").removesuffix(".jpg")
            auth = self.headers.get("Authorization")
            if auth:
                world.seen_auth.append(auth)
            if name == "slow":
                time.sleep(3)
                return
            if name in world.broken:
                self._answer(500, "text/plain", b"sensor fault")
                return
            if name == "digest":
                if not self._digest_ok(auth):
                    self.send_response(401)
                    self.send_header(
                        "WWW-Authenticate",
                        f'Digest realm="{REALM}", nonce="n0nce42", qop="auth", algorithm=MD5',
                    )
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                name = "healthy"
            try:
                body = world.image(name)
            except KeyError:
                self._answer(404, "text/plain", b"no such picture")
                return
            self._answer(200, "image/jpeg", body)

        def _digest_ok(self, header: str | None) -> bool:
            if not header or not header.startswith("Digest "):
                return False
            fields = dict(re.findall(r'(\w+)="?([^",]+)"?', header[7:]))
            ha1 = _md5(f"{USER}:{REALM}:{PASSWORD}")
            ha2 = _md5(f"GET:{fields.get('uri')}")
            expected = _md5(f"{ha1}:n0nce42:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
            return fields.get("username") == USER and fields.get("response") == expected

        def _answer(self, code: int, content_type: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Camera


@pytest.fixture
def cameras_world() -> Iterator[tuple[str, CameraWorld]]:
    """An HTTP server on loopback standing for a set of cameras: /healthy.jpg, /frozen.jpg, /black.jpg,
    /covered.jpg, /error.jpg (HTTP 500), /slow.jpg (never answers in time), /digest.jpg (Digest login)."""
    world = CameraWorld()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(world))
    server.daemon_threads = True
    server.block_on_close = False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", world
    server.shutdown()
    server.server_close()


def camera(camera_id: str, *, snapshot: str | None = None, stream: str | None = None) -> Camera:
    return Camera(
        id=camera_id,
        agency_id="cpd",
        name=camera_id,
        kind=CameraKind.CITY_CCTV,
        lat=39.96,
        lon=-82.99,
        snapshot_url=snapshot,
        stream_url=stream,
    )


def test_a_snapshot_behind_a_digest_login_is_fetched_with_the_stored_credentials(
    cameras_world: tuple[str, CameraWorld],
) -> None:
    base, world = cameras_world
    image, kind = asyncio.run(fetch_snapshot(f"{base}/digest.jpg", (USER, PASSWORD)))
    assert kind == "image/jpeg" and picture(image).spread > 10
    assert world.seen_auth and world.seen_auth[-1].startswith("Digest ")
    assert PASSWORD not in " ".join(world.seen_auth)  # Digest never sends the password itself
    with pytest.raises(SnapshotFailed, match="HTTP 401"):
        asyncio.run(fetch_snapshot(f"{base}/digest.jpg", (USER, "wrong")))
    with pytest.raises(SnapshotFailed, match="HTTP 401"):
        asyncio.run(fetch_snapshot(f"{base}/digest.jpg"))


def test_failures_say_why_without_the_address_or_password(cameras_world: tuple[str, CameraWorld]) -> None:
    base, _ = cameras_world
    closed = f"http://127.0.0.1:{free_port()}/snap.jpg"
    reasons = []
    for url in (f"{base}/error.jpg", f"{base}/slow.jpg", closed):
        with pytest.raises(SnapshotFailed) as failed:
            asyncio.run(fetch_snapshot(url, (USER, PASSWORD), timeout_s=0.5))
        reasons.append(failed.value.reason)
    assert reasons == [
        "the camera answered HTTP 500",
        "the camera did not answer within 0.5 s",
        "could not reach the camera (ConnectError)",
    ]
    with pytest.raises(SnapshotFailed) as failed:
        asyncio.run(grab_frame(closed.replace("http", "rtsp"), (USER, PASSWORD), timeout_s=3))
    assert PASSWORD not in failed.value.reason and "127.0.0.1" not in failed.value.reason


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_a_stream_only_camera_is_probed_with_a_frame_from_ffmpeg(
    cameras_world: tuple[str, CameraWorld],
) -> None:
    base, _ = cameras_world
    first = asyncio.run(probe_camera(camera("S", stream=f"{base}/healthy.jpg"), None))
    second = asyncio.run(probe_camera(camera("S", stream=f"{base}/healthy.jpg"), None))
    assert changed(picture(first), picture(second))  # the car moved
    stuck = [asyncio.run(probe_camera(camera("F", stream=f"{base}/frozen.jpg"), None)) for _ in range(2)]
    assert not changed(picture(stuck[0]), picture(stuck[1]))  # only noise differs
    with pytest.raises(SnapshotFailed, match="could not be read"):
        asyncio.run(probe_camera(camera("E", stream=f"{base}/error.jpg"), None))


RTSP_SERVER = """
import sys
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(sys.argv[1])
for name, motion in (("moving", 8), ("still", 0)):
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=smpte horizontal-speed={motion} "
        "! video/x-raw,width=320,height=240,framerate=10/1 "
        "! x264enc tune=zerolatency key-int-max=5 ! rtph264pay name=pay0 pt=96 )"
    )
    factory.set_shared(True)
    server.get_mount_points().add_factory("/" + name, factory)
server.attach(None)
print("ready", flush=True)
GLib.MainLoop().run()
"""


def _gst_rtsp_available() -> bool:
    if not Path("/usr/bin/python3").exists() or shutil.which("ffmpeg") is None:
        return False
    check = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
    return subprocess.run(["/usr/bin/python3", "-c", check], capture_output=True, check=False).returncode == 0


@pytest.fixture
def rtsp_server(tmp_path: Path) -> Iterator[str]:
    if not _gst_rtsp_available():
        pytest.skip("GStreamer's RTSP server (python3-gi, gir1.2-gst-rtsp-server-1.0) is not installed")
    port = free_port()
    script = tmp_path / "rtsp_server.py"
    script.write_text(RTSP_SERVER)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
    proc = subprocess.Popen(
        ["/usr/bin/python3", str(script), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    url = f"rtsp://127.0.0.1:{port}"
    # Someone is watching the moving camera (as the video gateway would), so its shared stream runs on
    # between probes instead of starting over from its first frame for each one.
    watcher = subprocess.Popen(
        "ffmpeg -nostdin -loglevel quiet -rtsp_transport tcp -i {} -f null -".format(f"{url}/moving").split(),
    )
    yield url
    for p in (watcher, proc):
        p.terminate()
        p.wait(timeout=10)


def test_frames_from_a_real_rtsp_camera_tell_a_moving_picture_from_a_still_one(rtsp_server: str) -> None:
    async def two_frames(path: str) -> list[bytes]:
        frames = []
        for _ in range(2):
            frames.append(await grab_frame(f"{rtsp_server}/{path}", timeout_s=20))
            await asyncio.sleep(0.5)
        return frames

    moving = asyncio.run(two_frames("moving"))
    still = asyncio.run(two_frames("still"))
    assert changed(picture(moving[0]), picture(moving[1]))
    assert not changed(picture(still[0]), picture(still[1]))
    assert picture(still[0]).spread > 10  # colour bars: neither black nor covered

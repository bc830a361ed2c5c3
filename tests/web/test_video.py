"""Live video in Chromium: a real RTSP camera (ffmpeg's test pattern on loopback) put on the operator's
video wall plays live through the server's HLS gateway, in Chromium's own HLS player (no player library);
the view is audited; a camera whose stream fails falls back to still pictures and says why; and the
gateway lets go of the camera once nobody watches."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from tests.conftest import free_port
from tests.video.conftest import need_ffmpeg, register_camera, wait_until
from tests.video.rtsp_source import RtspCamera, rtsp_camera
from tests.web.conftest import Demo, Page, sign_in

IDLE_S = "2"


@pytest.fixture(scope="module", autouse=True)
def short_idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The demo server of this module stops unwatched streams after two seconds and keeps its video files
    in a folder of its own (set before the demo starts)."""
    need_ffmpeg()
    saved = {k: os.environ.get(k) for k in ("RTCC_VIDEO_IDLE_S", "RTCC_DATA_DIR")}
    os.environ["RTCC_VIDEO_IDLE_S"] = IDLE_S
    os.environ["RTCC_DATA_DIR"] = str(tmp_path_factory.mktemp("video-data"))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def camera() -> Iterator[RtspCamera]:
    with rtsp_camera("street", credentials=("viewer", "cam-s3cret")) as cam:
        yield cam


def video_state(p: Any, camera_id: str) -> Any:
    return p.evaluate(
        """(id) => {
            const v = document.querySelector(`.wall-tile[data-camera-id="${id}"] video`);
            return v && {src: v.currentSrc, time: v.currentTime, width: v.videoWidth, height: v.videoHeight,
                         live: v.parentElement.querySelector('.live-badge').dataset.live};
        }""",
        camera_id,
    )


def test_a_camera_on_the_wall_plays_live_and_stops_when_nobody_watches(
    demo: Demo, open_page: Any, camera: RtspCamera
) -> None:
    db = Database(demo.database_url)
    try:
        some = demo.api("operator", "GET", "/api/v1/cameras").json()[0]
        register_camera(db, some["agency_id"], "CAM-VIDEO", camera.url_with("viewer", "cam-s3cret"))
        # A camera whose stream does not answer, with a still picture to fall back to.
        dark_url = f"rtsp://127.0.0.1:{free_port()}/dark"
        register_camera(db, some["agency_id"], "CAM-DARK", dark_url, snapshot_url=some["snapshot_url"])

        page: Page = open_page()
        p = page.page
        sign_in(page, demo, "operator")
        p.wait_for_selector("body[data-ready=true]", timeout=15_000)
        # Chromium plays HLS by itself: the console needs no player library.
        assert p.evaluate(
            "() => document.createElement('video').canPlayType('application/vnd.apple.mpegurl')"
        )
        p.click("button.tab[data-tab=wall]")
        p.evaluate("() => window.__rtcc.wall.add('CAM-VIDEO')")

        # The tile plays the camera: frames decoded (320x240 test pattern) and the clock running.
        first = wait_until(
            lambda: (s := video_state(p, "CAM-VIDEO")) and s["width"] > 0 and s["time"] > 0 and s,
            what="the live video to play",
        )
        assert (first["width"], first["height"]) == (320, 240)
        # Played straight from the server's playlist (not a script-fed media source), and never from the
        # camera's own address.
        assert first["src"].startswith(demo.base + "/api/v1/video/views/") and first["src"].endswith(".m3u8")
        wait_until(lambda: video_state(p, "CAM-VIDEO")["time"] > first["time"] + 1, what="playback to go on")
        assert video_state(p, "CAM-VIDEO")["live"] == "playing"
        page.shot("live-video")
        html = p.content()
        assert "cam-s3cret" not in html and f":{camera.relay.port}" not in html

        [view] = [e for e in AuditLog(db).entries(action="video.view") if e.resource == "camera/CAM-VIDEO"]
        assert (view.username, view.outcome) == ("operator", "success")

        # A stream that cannot be pulled: the tile says why and shows the camera's still picture instead.
        p.evaluate("() => window.__rtcc.wall.add('CAM-DARK')")
        dark = p.locator(".wall-tile[data-camera-id='CAM-DARK']")
        dark.locator("button.tile-live").click()
        dark.locator(".live-note:has-text('Connection refused')").wait_for(timeout=20_000)
        dark.locator("img").wait_for(timeout=10_000)
        assert not dark.locator("video").count()
        page.errors[:] = [e for e in page.errors if "502" not in e]  # the refused stream, as it should be

        # Nobody watches any more: the gateway stops the stream and the view ends.
        playlist = first["src"].removeprefix(demo.base)
        p.evaluate("() => window.__rtcc.wall.put(0, null)")
        # (Asking the server would count as watching: the camera's side tells when the gateway let go.)
        wait_until(lambda: camera.relay.players(camera.path) == 0, what="the idle stream to stop")
        ended = demo.api("operator", "GET", playlist)
        assert ended.status_code == 404 and "open the camera again" in ended.json()["detail"]
        assert page.errors == [], page.errors
    finally:
        db.dispose()

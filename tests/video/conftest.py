"""A real RTSP camera (ffmpeg's test pattern through the loopback relay) and a server whose video gateway
keeps its files in the test's folder and stops streams after a short idle time."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from rtcc.config import Settings
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState
from tests.conftest import REQUIRE_SERVICES
from tests.video.rtsp_source import RtspCamera, rtsp_camera

CAMERA_USER, CAMERA_PASSWORD = "viewer", "cam-s3cret"
IDLE_S = 1.5
T = TypeVar("T")


def need_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        if REQUIRE_SERVICES:
            pytest.fail("ffmpeg is not installed (apt-get install ffmpeg)")
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")


@pytest.fixture(scope="module")
def camera() -> Iterator[RtspCamera]:
    need_ffmpeg()
    with rtsp_camera("cam1", credentials=(CAMERA_USER, CAMERA_PASSWORD)) as cam:
        yield cam


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        mode="demo",
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        data_dir=str(tmp_path / "data"),
        video_idle_s=IDLE_S,
    )


def register_camera(
    db: Database,
    agency: str,
    camera_id: str,
    stream_url: str | None,
    kind: str = "city_cctv",
    snapshot_url: str | None = None,
) -> None:
    SqlLiveState(db).register(
        "camera",
        [
            {
                "id": camera_id,
                "agency_id": agency,
                "name": f"Camera {camera_id}",
                "kind": kind,
                "lat": 39.96,
                "lon": -82.99,
                "ptz": False,
                "status": "up",
                "stream_url": stream_url,
                "snapshot_url": snapshot_url,
            }
        ],
    )


def wait_until(condition: Callable[[], T], timeout: float = 30.0, what: str = "condition") -> T:
    """The condition's first truthy value, asked every tenth of a second (a wait, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)
    return value

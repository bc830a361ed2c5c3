"""Live video (RTSP to HLS, on demand) and footage export with chain of custody."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from rtcc.config import Settings
from rtcc.storage.camera_credentials import CameraCredentials
from rtcc.storage.db import Database
from rtcc.storage.footage import Footage
from rtcc.storage.mail import data_folder
from rtcc.video.gateway import LiveGateway, StreamFailed

if TYPE_CHECKING:
    from rtcc.api.context import AppContext
    from rtcc.domain.entities import Camera

log = structlog.get_logger(__name__)

# A recording camera whose stream failed is tried again after this long.
RECORDING_RETRY_S = 10.0
# The gateway looks for idle streams and stopped recordings this often at most.
SWEEP_EVERY_S = 1.0


@dataclass
class VideoPart:
    gateway: LiveGateway
    footage: Footage
    clips_folder: Path
    ffmpeg: str
    credentials: CameraCredentials
    # camera id -> when a failed recording may be tried again (monotonic clock)
    recording_retry_at: dict[str, float] = field(default_factory=dict)
    starting: set[str] = field(default_factory=set)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def source_url(self, camera: Camera) -> str:
        """The address the gateway pulls: the camera's stream address with its stored credentials."""
        assert camera.stream_url
        return await asyncio.to_thread(self.credentials.with_credentials, camera.id, camera.stream_url)


def build(settings: Settings, db: Database) -> VideoPart:
    root = data_folder(settings)
    return VideoPart(
        gateway=LiveGateway(root, ffmpeg=settings.ffmpeg_path, idle_s=settings.video_idle_s),
        footage=Footage(db),
        clips_folder=root / "clips",
        ffmpeg=settings.ffmpeg_path,
        credentials=CameraCredentials(db, settings.secret_key),
    )


async def _start_recording(ctx: AppContext, camera: Camera) -> None:
    part = ctx.video
    try:
        await part.gateway.ensure(camera.id, await part.source_url(camera), recording=True)
    except StreamFailed as exc:
        log.warning("recording_failed", camera_id=camera.id, reason=exc.reason)
        part.recording_retry_at[camera.id] = time.monotonic() + RECORDING_RETRY_S
    finally:
        part.starting.discard(camera.id)


async def keep_recording(ctx: AppContext) -> None:
    """Every camera marked as recording has its ffmpeg running (started again after a failure). Starts run
    beside the sweep, so a camera that does not answer holds up neither the others nor idle streams."""
    part = ctx.video
    now = time.monotonic()
    for marked in await asyncio.to_thread(part.footage.recording):
        camera_id = marked.camera_id
        if (
            camera_id in part.starting
            or part.gateway.running(camera_id)
            or part.recording_retry_at.get(camera_id, 0) > now
        ):
            continue
        camera = await asyncio.to_thread(ctx.live.camera, camera_id)
        if camera is None or not camera.stream_url:
            part.recording_retry_at[camera_id] = now + RECORDING_RETRY_S
            continue
        part.starting.add(camera_id)
        task = asyncio.create_task(_start_recording(ctx, camera), name=f"record {camera_id}")
        part.tasks.add(task)
        task.add_done_callback(part.tasks.discard)


async def supervise(ctx: AppContext) -> None:
    """Stop live streams nobody watches, keep recordings running, and stop every ffmpeg on shutdown."""
    every = min(SWEEP_EVERY_S, ctx.settings.video_idle_s / 4)
    try:
        while True:
            try:
                await ctx.video.gateway.stop_idle()
                await keep_recording(ctx)
            except Exception as exc:  # the next sweep tries again
                log.error("video_sweep_failed", error=repr(exc))
            await asyncio.sleep(every)
    finally:
        for task in list(ctx.video.tasks):
            task.cancel()
        await ctx.video.gateway.stop_all()


def background(ctx: AppContext) -> list[Coroutine[Any, Any, None]]:
    return [supervise(ctx)]

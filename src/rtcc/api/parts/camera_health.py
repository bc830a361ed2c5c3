"""Camera health: probes, heartbeats, uptime, maintenance; stored camera credentials; ONVIF."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from rtcc.config import Settings
from rtcc.domain.entities import Camera
from rtcc.domain.events import CAMERA_STATUS, Event
from rtcc.engines.camera_health import CameraHealthMonitor, ProbeResult, StatusChanges, condition_of
from rtcc.ingest.camera_probes import PROBE_TIMEOUT_S, Login, SnapshotFailed, probe_camera
from rtcc.storage.camera_credentials import CameraCredentials
from rtcc.storage.camera_health import CameraHealthStore
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState

if TYPE_CHECKING:
    from rtcc.api.context import AppContext

log = structlog.get_logger(__name__)


@dataclass
class CameraHealthPart:
    settings: Settings
    db: Database
    credentials: CameraCredentials
    history: CameraHealthStore
    monitor: CameraHealthMonitor | None = field(default=None)

    async def login(self, camera_id: str) -> Login | None:
        credential = await asyncio.to_thread(self.credentials.get, camera_id)
        return (credential.username, credential.password) if credential is not None else None

    @property
    def probe_timeout_s(self) -> float:
        # Never longer than the interval, so a camera that hangs is tried again on the next round.
        return max(0.5, min(PROBE_TIMEOUT_S, self.settings.camera_probe_every_s))

    async def probe(self, camera: Camera) -> ProbeResult:
        try:
            image = await probe_camera(
                camera,
                await self.login(camera.id),
                ffmpeg_path=self.settings.ffmpeg_path,
                timeout_s=self.probe_timeout_s,
            )
        except SnapshotFailed as exc:
            return ProbeResult(error=exc.reason)
        return ProbeResult(image=image)


def build(settings: Settings, db: Database) -> CameraHealthPart:
    return CameraHealthPart(
        settings=settings,
        db=db,
        credentials=CameraCredentials(db, settings.secret_key),
        history=CameraHealthStore(db),
    )


def make_monitor(ctx: AppContext) -> CameraHealthMonitor:
    part = ctx.camera_health
    live: SqlLiveState = ctx.live

    async def cameras() -> Sequence[Camera]:
        return await asyncio.to_thread(live.cameras)

    async def emit(agency_id: str, items: list[dict[str, Any]]) -> None:
        assert ctx.emit is not None
        await ctx.emit(agency_id, items)

    return CameraHealthMonitor(
        cameras=cameras, probe=part.probe, emit=emit, every_s=ctx.settings.camera_probe_every_s
    )


async def record_status_changes(ctx: AppContext, monitor: CameraHealthMonitor) -> None:
    """Every ``camera.status`` report, whoever sent it: a heartbeat for the monitor, and a row of history
    when it changes the camera's status."""
    sub = ctx.bus.subscribe([CAMERA_STATUS.name], maxsize=5000)
    accepted = StatusChanges()  # the same rule as the alerts: history and alerts tell one story
    while True:
        event: Event = await sub.get()
        monitor.heard(event)
        if not accepted.accept(event)[0]:
            continue
        report = CAMERA_STATUS.payload(event)
        try:
            await asyncio.to_thread(
                ctx.camera_health.history.record,
                event.agency_id,
                report.camera_id,
                report.status,
                event.occurred_at,
                condition=condition_of(report.status, report.reason),
                reason=report.reason,
            )
        except Exception as exc:  # one row lost is better than the recorder stopping
            log.error("camera_history_failed", camera_id=report.camera_id, error=type(exc).__name__)


def background(ctx: AppContext) -> list[Coroutine[Any, Any, None]]:
    monitor = make_monitor(ctx)
    ctx.camera_health.monitor = monitor
    return [record_status_changes(ctx, monitor), monitor.run()]

"""Camera health: what a probe's picture says about a camera, when a camera is down or back up, and uptime.

A probe brings one still image from a camera (its snapshot address, or a frame grabbed from its stream) or
the reason it could not. The picture is reduced to a small grayscale thumbnail: block averaging removes
most sensor noise, so comparing thumbnails with a tolerance tells a frozen feed (the same picture, give or
take noise and compression) from a live one, and its brightness and contrast tell a black or covered lens.
Heartbeats (cameras or their recorders reporting in with ``camera.status``) are a second signal: a camera
that used to report and has gone quiet is down. Status changes are published as ``camera.status`` events,
with the reason, so the live map, the wall and the alert engine see them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
import structlog
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from rtcc.domain.entities import Camera
from rtcc.domain.events import CAMERA_STATUS, Event
from rtcc.domain.vocab import HealthState

log = structlog.get_logger(__name__)

Emit = Callable[[str, list[dict[str, Any]]], Awaitable[Any]]

# Thumbnail size: 96 x 72 cells; at 640 x 480 each cell averages about 45 pixels, which divides sensor noise
# by about 7 while a clock overlay, a person or a car still changes several cells.
THUMB_SIZE = (96, 72)
# Contrast is measured on 3 x 3 blocks of cells (32 x 24), where noise is smaller still.
BLOCK = 3
# A cell has changed when its brightness moved by more than this (0-255 scale), or by more than
# NOISE_SIGMAS times the noise between the two pictures (estimated from all cells), whichever is larger ...
CELL_TOLERANCE = 6.0
NOISE_SIGMAS = 5.0
# ... and a picture has changed when at least this many cells did, or when most of it did (the lights).
CHANGED_CELLS = 3
# Mean brightness below this (0-255) is a black picture: a dead sensor, a cut video line, no IR at night.
BLACK_BELOW = 18.0
# Spatial spread of the thumbnail's brightness below this is a flat picture: a covered, painted or fogged
# lens, or a camera showing a blank test card.
FLAT_BELOW = 3.0
# Consecutive unchanged pictures (after the first) before a feed is called frozen.
FROZEN_AFTER = 3
# Consecutive failed or bad probes before a camera is called down (one lost probe is not an outage).
DOWN_AFTER = 2
# Probes in flight at once, across all cameras.
CONCURRENCY = 8
# A camera that has reported in is down when nothing was heard for this many probe intervals.
HEARTBEAT_INTERVALS = 3.0
# Events this monitor publishes carry ids with this prefix, so its own reports are not taken as heartbeats.
EVENT_PREFIX = "camhealth-"


class Condition(StrEnum):
    UNREACHABLE = "unreachable"
    FROZEN = "frozen"
    BLACK = "black"
    COVERED = "covered"
    NO_HEARTBEAT = "no_heartbeat"
    REPORTED = "reported"  # a camera or its recorder said it is down


LABELS = {
    Condition.UNREACHABLE: "unreachable",
    Condition.FROZEN: "frozen",
    Condition.BLACK: "black",
    Condition.COVERED: "covered",
    Condition.NO_HEARTBEAT: "no heartbeat",
}


def reason_text(condition: Condition, detail: str) -> str:
    return f"{LABELS.get(condition, condition.value)}: {detail}"[:200]


def condition_of(status: HealthState, reason: str | None) -> Condition | None:
    """The condition a status report names (reasons begin with its label); a down report that names none
    was reported by the camera or its recorder."""
    if status is HealthState.UP:
        return None
    head = (reason or "").partition(":")[0].strip().lower()
    for condition, label in LABELS.items():
        if head == label:
            return condition
    return Condition.REPORTED


# ---- pictures -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Picture:
    thumb: NDArray[np.float32]
    brightness: float  # mean, 0-255
    spread: float  # standard deviation of the 32 x 24 blocks, 0-255


def picture(image: bytes) -> Picture:
    """The image reduced for comparison. ValueError when it is not a picture Pillow can read."""
    try:
        with Image.open(io.BytesIO(image)) as img:
            gray = img.convert("L").resize(THUMB_SIZE, Image.Resampling.BOX)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError("the camera sent something that is not a readable image") from exc
    thumb = np.asarray(gray, dtype=np.float32)
    width, height = THUMB_SIZE
    blocks = thumb.reshape(height // BLOCK, BLOCK, width // BLOCK, BLOCK).mean(axis=(1, 3))
    return Picture(thumb, float(thumb.mean()), float(blocks.std()))


def changed(before: Picture, after: Picture) -> bool:
    """Whether the scene changed between two pictures, noise and compression aside.

    The noise between the two is estimated robustly from the median cell difference (a few changed cells
    do not move the median), so a grainy night picture does not count as change and a clean one shows even
    a small change such as a clock."""
    diff = np.abs(after.thumb - before.thumb)
    typical = float(np.median(diff))
    if typical > CELL_TOLERANCE:  # most of the picture moved: the lights, a pan, a new day
        return True
    tolerance = max(CELL_TOLERANCE, NOISE_SIGMAS * 1.4826 * typical)
    return int((diff > tolerance).sum()) >= CHANGED_CELLS


def blind(p: Picture) -> tuple[Condition, str] | None:
    """Black or covered, with the figures that say so."""
    if p.brightness < BLACK_BELOW:
        return Condition.BLACK, f"the picture is dark (brightness {p.brightness:.0f} of 255)"
    if p.spread < FLAT_BELOW:
        return Condition.COVERED, f"the picture is flat (contrast {p.spread:.1f}): lens covered or blocked"
    return None


# ---- one camera's state ---------------------------------------------------------------------------------


@dataclass(slots=True)
class ProbeResult:
    """A probe's outcome: the picture's bytes, or why there is none (never the camera's address)."""

    image: bytes | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    status: HealthState
    condition: Condition | None = None
    reason: str | None = None


UP = Verdict(HealthState.UP)


@dataclass(slots=True)
class CameraWatch:
    """What the monitor remembers of one camera between probes."""

    status: HealthState
    condition: Condition | None = None
    probe: Verdict | None = None  # the probes' confirmed verdict, None before the first
    bad_streak: int = 0
    unchanged: int = 0
    last_picture: Picture | None = None
    heard_at: datetime | None = None
    heard: Verdict | None = None
    # A camera that reports "up" again and again is sending heartbeats, and its silence then means down;
    # one that reports only its changes (down, later up) is not, and its silence means nothing.
    ups_in_a_row: int = 0
    beats: bool = False

    def hear(self, verdict: Verdict, at: datetime, heartbeat_timeout: timedelta) -> None:
        """Take a camera's own report (or its recorder's) received at ``at``."""
        if verdict.status is HealthState.UP:
            recent = self.heard_at is not None and at - self.heard_at <= heartbeat_timeout
            after_up = self.heard is not None and self.heard.status is HealthState.UP
            self.ups_in_a_row = self.ups_in_a_row + 1 if recent and after_up else 1
            self.beats = self.beats or self.ups_in_a_row >= 2
        else:
            self.ups_in_a_row = 0
        self.heard_at, self.heard = at, verdict
        # The report itself changed the camera's status on the map; the monitor follows it.
        self.status, self.condition = verdict.status, verdict.condition

    def observe(self, result: ProbeResult) -> None:
        """Take one probe's outcome into the probes' verdict."""
        problem: tuple[Condition, str] | None = None
        if result.image is None:
            problem = (Condition.UNREACHABLE, result.error or "no answer")
        else:
            try:
                pic = picture(result.image)
            except ValueError as exc:
                problem = (Condition.UNREACHABLE, str(exc))
            else:
                if self.last_picture is not None and not changed(self.last_picture, pic):
                    self.unchanged += 1
                else:
                    self.unchanged = 0
                self.last_picture = pic
                problem = blind(pic)
                if problem is None and self.unchanged >= FROZEN_AFTER:
                    problem = (
                        Condition.FROZEN,
                        f"the picture has not changed over the last {self.unchanged + 1} probes",
                    )
        if problem is None:
            self.bad_streak = 0
            self.probe = UP
            return
        self.bad_streak += 1
        if self.bad_streak >= DOWN_AFTER or problem[0] is Condition.FROZEN:
            self.probe = Verdict(HealthState.DOWN, problem[0], reason_text(*problem))

    def verdict(self, now: datetime, heartbeat_timeout: timedelta) -> Verdict | None:
        """Down when any signal says so (a probe, a quiet heartbeat, a report); None when no signal yet."""
        signals: list[Verdict] = []
        if self.probe is not None:
            signals.append(self.probe)
        if self.heard_at is not None and self.heard is not None:
            quiet = now - self.heard_at
            if self.beats and quiet > heartbeat_timeout:
                detail = f"nothing heard for {int(quiet.total_seconds())} s"
                signals.append(
                    Verdict(
                        HealthState.DOWN, Condition.NO_HEARTBEAT, reason_text(Condition.NO_HEARTBEAT, detail)
                    )
                )
            else:
                signals.append(self.heard)
        if not signals:
            return None
        return next((s for s in signals if s.status is HealthState.DOWN), UP)


def status_event(camera: Camera, verdict: Verdict, at: datetime) -> dict[str, Any]:
    """The native ``camera.status`` envelope for a status change."""
    payload: dict[str, Any] = {
        "camera_id": camera.id,
        "status": verdict.status.value,
        "kind": camera.kind.value,
    }
    if verdict.reason:
        payload["reason"] = verdict.reason
    return {
        "id": f"{EVENT_PREFIX}{uuid.uuid4().hex}",
        "type": CAMERA_STATUS.name,
        "occurred_at": at.isoformat(),
        "location": {"lat": camera.lat, "lon": camera.lon},
        "payload": payload,
    }


def spread_offset(camera_id: str) -> float:
    """Where in the probe interval (0 to 1) this camera is probed: fixed per camera and spread evenly, so
    probes do not all fire at once and each camera is probed at a steady rhythm."""
    digest = hashlib.blake2b(camera_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class StatusChanges:
    """The last status accepted for each camera, to tell a change from a repeated or contradicted report.

    A report older than the last one accepted changes nothing. A camera that the health monitor found down
    by its picture or by not answering (frozen, black, covered, unreachable) is not brought back by an "up"
    from anyone else: a recorder saying it is alive says nothing of the picture. Only the monitor's own
    "up" (a good picture) brings it back. A camera down for silence comes back with any report."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], tuple[HealthState, datetime, bool]] = {}

    def accept(self, event: Event) -> tuple[bool, HealthState | None]:
        """Whether the report is taken as the camera's status, and the status accepted before it."""
        report = CAMERA_STATUS.payload(event)
        key = (event.agency_id, report.camera_id)
        held = self._last.get(key)
        if held is not None:
            held_status, held_at, held_by_picture = held
            if event.occurred_at < held_at:
                return False, held_status
            if held_by_picture and report.status is HealthState.UP and not event.id.startswith(EVENT_PREFIX):
                return False, held_status
        by_picture = (
            event.id.startswith(EVENT_PREFIX)
            and report.status is HealthState.DOWN
            and condition_of(report.status, report.reason) is not Condition.NO_HEARTBEAT
        )
        self._last[key] = (report.status, event.occurred_at, by_picture)
        return True, held[0] if held is not None else None

    def is_change(self, event: Event) -> bool:
        """Whether the report changes the camera's status (a camera first heard of counts when down)."""
        accepted, before = self.accept(event)
        if not accepted:
            return False
        status = CAMERA_STATUS.payload(event).status
        return status is HealthState.DOWN if before is None else before is not status


# ---- the monitor ----------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CameraHealthMonitor:
    """Probes every camera with an address once per interval and publishes changes of status."""

    cameras: Callable[[], Awaitable[Sequence[Camera]]]
    probe: Callable[[Camera], Awaitable[ProbeResult]]
    emit: Emit
    every_s: float
    concurrency: int = CONCURRENCY
    now: Callable[[], datetime] = _now
    watches: dict[str, CameraWatch] = field(default_factory=dict)
    _in_flight: set[str] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _slots: asyncio.Semaphore | None = None
    _emitting: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def heartbeat_timeout(self) -> timedelta:
        return timedelta(seconds=self.every_s * HEARTBEAT_INTERVALS)

    def _watch(self, camera: Camera) -> CameraWatch:
        watch = self.watches.get(camera.id)
        if watch is None:
            watch = CameraWatch(status=camera.status)
            self.watches[camera.id] = watch
        return watch

    def heard(self, event: Event) -> None:
        """A ``camera.status`` report from a camera or its recorder: a heartbeat (this monitor's own
        reports come back on the bus too, and are not)."""
        if event.type != CAMERA_STATUS.name or event.id.startswith(EVENT_PREFIX):
            return
        report = CAMERA_STATUS.payload(event)
        watch = self.watches.setdefault(report.camera_id, CameraWatch(status=report.status))
        verdict = Verdict(report.status, condition_of(report.status, report.reason), report.reason)
        # Silence is measured on the server's clock (when the report arrived), not the camera's.
        watch.hear(verdict, event.received_at, self.heartbeat_timeout)

    async def _publish(self, camera: Camera, watch: CameraWatch) -> None:
        verdict = watch.verdict(self.now(), self.heartbeat_timeout)
        if verdict is None or (verdict.status, verdict.condition) == (watch.status, watch.condition):
            return
        # One report at a time: the pipeline makes the engines' source for an agency on first use.
        async with self._emitting:
            await self.emit(camera.agency_id, [status_event(camera, verdict, self.now())])
        # Taken as said only once it was: a report that failed is tried again on the next probe.
        watch.status, watch.condition = verdict.status, verdict.condition

    async def check(self, camera: Camera) -> None:
        """Probe one camera (when it has an address) and publish any change of its status."""
        watch = self._watch(camera)
        if camera.snapshot_url or camera.stream_url:
            if self._slots is None:
                self._slots = asyncio.Semaphore(self.concurrency)
            async with self._slots:
                result = await self.probe(camera)
            watch.observe(result)
        await self._publish(camera, watch)

    async def probe_round(self) -> None:
        """Every camera once, now (bounded by the concurrency): for a command or a test."""
        await asyncio.gather(*(self.check(c) for c in await self.cameras()))

    def _launch(self, camera: Camera) -> None:
        if camera.id in self._in_flight:  # its last probe is still waiting for an answer
            return
        self._in_flight.add(camera.id)

        async def run() -> None:
            try:
                await self.check(camera)
            except Exception as exc:  # one camera's failure must not stop the others' probes
                # The error's type only: its text could quote the camera's address and login.
                log.error("camera_probe_failed", camera_id=camera.id, error=type(exc).__name__)
            finally:
                self._in_flight.discard(camera.id)

        task = asyncio.create_task(run(), name=f"camera-probe-{camera.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> None:
        """Forever: each interval, every camera at its own offset within the interval."""
        loop = asyncio.get_running_loop()
        try:
            # The first round begins one interval after start: a server that is just starting (or
            # restarting) first hears what the cameras and recorders report themselves.
            await asyncio.sleep(self.every_s)
            while True:
                start = loop.time()
                watched = sorted(await self.cameras(), key=lambda c: spread_offset(c.id))
                for camera in watched:
                    delay = start + spread_offset(camera.id) * self.every_s - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    self._launch(camera)
                await asyncio.sleep(max(0.0, start + self.every_s - loop.time()))
        finally:
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


# ---- uptime ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Uptime:
    up_s: float
    observed_s: float

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.up_s / self.observed_s, 3) if self.observed_s > 0 else None


def uptime(
    changes: Sequence[tuple[datetime, HealthState]], current: HealthState, start: datetime, end: datetime
) -> Uptime:
    """Time up over the time observed between start and end. ``changes`` (oldest first) may begin with the
    last change before the window. Before a camera's first known change its status is not known and that
    time is not counted; a camera with no change at all has had its current status throughout."""
    if not changes:
        span = (end - start).total_seconds()
        return Uptime(span if current is HealthState.UP else 0.0, span)
    up = observed = 0.0
    for i, (at, status) in enumerate(changes):
        until = changes[i + 1][0] if i + 1 < len(changes) else end
        lo, hi = max(at, start), min(until, end)
        if hi <= lo:
            continue
        span = (hi - lo).total_seconds()
        observed += span
        if status is HealthState.UP:
            up += span
    return Uptime(up, observed)

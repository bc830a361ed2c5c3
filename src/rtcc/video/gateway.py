"""The live video gateway: one ffmpeg per camera pulls its stream and writes HLS for browsers.

A stream starts when its first viewer asks for it and stops when nobody has fetched any of it for the idle
time; any number of viewers share the one ffmpeg. A recording camera's ffmpeg also writes recorded segments
and keeps running with nobody watching. Each viewer gets a view (a random id bound to the user) through
which the playlist and segments are served, so every picture served belongs to an audited view.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
import shutil
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from rtcc.video.ffmpeg import (
    LIVE_PLAYLIST,
    LIVE_READY_SEGMENTS,
    PLAYABLE_CODECS,
    RECORDINGS_FOLDER,
    failure_reason,
    gateway_command,
    video_codec,
)

# How long a new stream may take to write its first playlist (connect, first key frame, one segment).
READY_TIMEOUT_S = 20.0
# ffmpeg is asked to finish (SIGTERM) and given this long before it is killed.
STOP_GRACE_S = 5.0
# Names a viewer may fetch inside a live stream's folder.
LIVE_FILE = re.compile(r"^(index\.m3u8|seg-\d{1,9}\.ts)$")


class StreamFailed(Exception):
    """The camera's stream could not be pulled; the reason never carries the camera's address."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class LiveStream:
    camera_id: str
    live: Path
    recording: Path | None
    transcode: bool
    process: asyncio.subprocess.Process
    last_watched: float
    messages: deque[str] = field(default_factory=lambda: deque(maxlen=40))
    codec: str | None = None
    described: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    @property
    def playlist(self) -> Path:
        return self.live / LIVE_PLAYLIST


@dataclass(frozen=True)
class View:
    view_id: str
    camera_id: str
    user_id: str


def folder_name(camera_id: str) -> str:
    """A file-system-safe folder name for a camera, readable and unique (camera ids are free text)."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", camera_id)[:40]
    return f"{readable}-{hashlib.sha256(camera_id.encode()).hexdigest()[:8]}"


class LiveGateway:
    def __init__(self, root: Path, *, ffmpeg: str, idle_s: float):
        self.live_root = root / "live"
        self.recordings_root = root / RECORDINGS_FOLDER
        self.ffmpeg = ffmpeg
        self.idle_s = idle_s
        self.streams: dict[str, LiveStream] = {}
        self.views: dict[str, View] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # Cameras whose video browsers cannot play as it is: found on first pull, remembered.
        self._transcode: set[str] = set()

    def recording_folder(self, camera_id: str) -> Path:
        return self.recordings_root / folder_name(camera_id)

    async def watch(self, camera_id: str, source_url: str, user_id: str, *, recording: bool) -> View:
        """A view of the camera's live stream, starting the stream if nobody is watching it yet."""
        await self.ensure(camera_id, source_url, recording=recording)
        view = View(secrets.token_urlsafe(18), camera_id, user_id)
        self.views[view.view_id] = view
        return view

    async def ensure(self, camera_id: str, source_url: str, *, recording: bool) -> LiveStream:
        """The camera's running stream (started if needed, restarted if it must now record or re-encode)."""
        lock = self._locks.setdefault(camera_id, asyncio.Lock())
        async with lock:
            stream = self.streams.get(camera_id)
            if stream is not None and stream.running and (stream.recording is not None) == recording:
                stream.last_watched = time.monotonic()
                return stream
            if stream is not None:
                # Restarted (to record, or after a failure): the stream's viewers keep their views.
                await self._stop(stream, keep_views=True)
            stream = await self._start(camera_id, source_url, recording=recording)
            if stream.codec is not None and stream.codec not in PLAYABLE_CODECS and not stream.transcode:
                self._transcode.add(camera_id)
                await self._stop(stream, keep_views=True)
                stream = await self._start(camera_id, source_url, recording=recording)
            await self._wait_ready(stream)
            # Idle time counts from when the stream is ready, not from when the camera was first asked.
            stream.last_watched = time.monotonic()
            return stream

    def view(self, view_id: str) -> View | None:
        return self.views.get(view_id)

    def live_file(self, view: View, name: str) -> Path | None:
        """A file of the view's stream, marking the stream as watched; None when the stream has stopped."""
        stream = self.streams.get(view.camera_id)
        if stream is None or not stream.running or not LIVE_FILE.match(name):
            return None
        stream.last_watched = time.monotonic()
        path = stream.live / name
        return path if path.is_file() else None

    def running(self, camera_id: str) -> bool:
        stream = self.streams.get(camera_id)
        return stream is not None and stream.running

    async def stop_idle(self) -> list[str]:
        """Stop the streams nobody has watched for the idle time (recording cameras keep running);
        returns the cameras stopped."""
        stopped = []
        for camera_id, stream in list(self.streams.items()):
            lock = self._locks.setdefault(camera_id, asyncio.Lock())
            if lock.locked() or not self._idle(stream):
                continue  # a stream being started or restarted is not idle
            async with lock:
                # Asked again under the lock: a viewer may have come while the lock was held.
                if self.streams.get(camera_id) is stream and self._idle(stream):
                    await self._stop(stream)
                    stopped.append(camera_id)
        return stopped

    def _idle(self, stream: LiveStream) -> bool:
        unwatched = time.monotonic() - stream.last_watched >= self.idle_s
        return (unwatched and stream.recording is None) or not stream.running

    async def stop(self, camera_id: str) -> None:
        async with self._locks.setdefault(camera_id, asyncio.Lock()):
            stream = self.streams.get(camera_id)
            if stream is not None:
                await self._stop(stream)

    async def stop_all(self) -> None:
        for camera_id in list(self.streams):
            await self.stop(camera_id)

    async def _start(self, camera_id: str, source_url: str, *, recording: bool) -> LiveStream:
        live = self.live_root / folder_name(camera_id)
        shutil.rmtree(live, ignore_errors=True)
        live.mkdir(parents=True)
        record_to = None
        if recording:
            record_to = self.recording_folder(camera_id)
            record_to.mkdir(parents=True, exist_ok=True)
        transcode = camera_id in self._transcode
        command = gateway_command(self.ffmpeg, source_url, live, record_to, transcode=transcode)
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env={**os.environ, "TZ": "UTC"},  # recorded segments are named in UTC
            )
        except OSError as exc:
            raise StreamFailed(
                f"the video gateway cannot run ffmpeg ({self.ffmpeg}): {exc.strerror}"
            ) from None
        stream = LiveStream(camera_id, live, record_to, transcode, process, time.monotonic())
        stream.reader = asyncio.create_task(self._read_messages(stream))
        self.streams[camera_id] = stream
        # Wait until ffmpeg has described the camera's video (or given up) to know whether it plays as is.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(READY_TIMEOUT_S):
                await stream.described.wait()
        if not stream.running or stream.codec is None:
            await self._stop(stream)
            raise StreamFailed(failure_reason(list(stream.messages)))
        return stream

    async def _read_messages(self, stream: LiveStream) -> None:
        """Keep ffmpeg's last messages (for the reason when it fails) and note the camera's codec."""
        assert stream.process.stderr is not None
        try:
            async for raw in stream.process.stderr:
                line = raw.decode(errors="replace").rstrip()
                stream.messages.append(line)
                codec = video_codec(line)
                if codec is not None and stream.codec is None:
                    stream.codec = codec
                    stream.described.set()
        finally:
            stream.described.set()

    async def _wait_ready(self, stream: LiveStream) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not await asyncio.to_thread(self._playable, stream):
            if not stream.running:
                await self._stop(stream)
                raise StreamFailed(failure_reason(list(stream.messages)))
            if time.monotonic() > deadline:
                await self._stop(stream)
                raise StreamFailed(f"the camera sent no video within {READY_TIMEOUT_S:g} s")
            await asyncio.sleep(0.1)

    @staticmethod
    def _playable(stream: LiveStream) -> bool:
        try:
            listed = stream.playlist.read_text().count("#EXTINF")
        except OSError:
            return False
        return listed >= LIVE_READY_SEGMENTS

    async def _stop(self, stream: LiveStream, *, keep_views: bool = False) -> None:
        if self.streams.get(stream.camera_id) is stream:
            del self.streams[stream.camera_id]
        if not keep_views:
            for view_id in [v.view_id for v in self.views.values() if v.camera_id == stream.camera_id]:
                del self.views[view_id]
        if stream.running:
            stream.process.terminate()
            try:
                async with asyncio.timeout(STOP_GRACE_S):
                    await stream.process.wait()
            except TimeoutError:
                stream.process.kill()
                await stream.process.wait()
        if stream.reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await stream.reader
        shutil.rmtree(stream.live, ignore_errors=True)

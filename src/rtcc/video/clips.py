"""Cutting a clip for a time window out of a camera's recorded segments, and hashing it.

Recorded segments are a couple of seconds long and each starts on a key frame, so a clip is the run of
whole segments that covers the window, joined without re-encoding: the picture is the camera's own, and
the clip's actual start and end (at most a segment wider than the window) are kept with it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from rtcc.video.ffmpeg import (
    RECORDING_SEGMENT_S,
    RECORDING_TIME_FORMAT,
    RECORDINGS_FOLDER,
    clip_command,
    failure_reason,
)

CLIP_TIMEOUT_S = 300.0
HASH_CHUNK = 1024 * 1024


class ClipFailed(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Segment:
    path: Path
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Clip:
    path: Path
    start: datetime
    end: datetime
    sha256: str
    size_bytes: int


def recorded_segments(folder: Path) -> list[Segment]:
    """The camera's recorded segments in time order; each ends where the next starts (the last one when
    its file was last written)."""
    starts: list[tuple[datetime, Path]] = []
    for path in folder.glob("*.ts") if folder.is_dir() else []:
        try:
            start = datetime.strptime(path.stem, RECORDING_TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            continue
        starts.append((start, path))
    starts.sort()
    segments = []
    for i, (start, path) in enumerate(starts):
        last_written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        end = starts[i + 1][0] if i + 1 < len(starts) else last_written
        # A gap (the camera was down) leaves the segment at most its nominal length, not the gap's.
        end = min(end, start + timedelta(seconds=RECORDING_SEGMENT_S * 3))
        segments.append(Segment(path, start, max(end, start)))
    return segments


def purge_recordings(recordings_root: Path, cutoff: datetime) -> int:
    """Delete every recorded segment that ended before the cutoff, in every camera's folder; returns how many
    went. Only files named as recorded segments are touched. A clip already exported is a file of its own,
    so its evidence outlives the recording it was cut from."""
    purged = 0
    for folder in sorted(recordings_root.iterdir()) if recordings_root.is_dir() else []:
        for segment in recorded_segments(folder):
            if segment.end < cutoff:
                segment.path.unlink(missing_ok=True)
                purged += 1
    return purged


def recordings_purger(data_root: Path) -> Callable[[datetime], int]:
    """The video retention policy's purger for a server keeping its files under ``data_root``."""
    return partial(purge_recordings, data_root / RECORDINGS_FOLDER)


def covering(segments: list[Segment], start: datetime, end: datetime) -> list[Segment]:
    return [s for s in segments if s.end > start and s.start < end]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


async def cut_clip(ffmpeg: str, recording: Path, start: datetime, end: datetime, output: Path) -> Clip:
    """Write the MP4 covering [start, end) from the recording; ClipFailed says why there is none."""
    # A segment is named by the second it started in, so its real start may be up to a second later.
    segments = covering(
        await asyncio.to_thread(recorded_segments, recording), start - timedelta(seconds=1), end
    )
    if not segments:
        raise ClipFailed("nothing was recorded from this camera in that window")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as tmp:
        listing = Path(tmp) / "segments.txt"
        # The concat list quotes each path; a quote inside a path is escaped as the format asks.
        listing.write_text("".join("file '" + str(s.path).replace("'", "'\\''") + "'\n" for s in segments))
        partial = Path(tmp) / "clip.mp4"
        process = await asyncio.create_subprocess_exec(
            *clip_command(ffmpeg, listing, partial),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(CLIP_TIMEOUT_S):
                _, err = await process.communicate()
        except TimeoutError:
            process.kill()
            await process.wait()
            raise ClipFailed(f"cutting the clip took longer than {CLIP_TIMEOUT_S:g} s") from None
        if process.returncode != 0 or not partial.is_file():
            raise ClipFailed(failure_reason(err.decode(errors="replace").splitlines()))
        os.replace(partial, output)
    digest, size = await asyncio.to_thread(lambda: (file_sha256(output), output.stat().st_size))
    return Clip(output, segments[0].start, segments[-1].end, digest, size)

"""The ffmpeg command lines the gateway runs, and the reasons it gives when a camera cannot be read.

A camera's address may hold its user name and password, and ffmpeg names the address in its messages: every
reason passed on is stripped of addresses first.
"""

from __future__ import annotations

import re
from pathlib import Path

# A camera that says nothing for this long is taken as unreachable (ffmpeg counts in microseconds).
SOCKET_TIMEOUT_US = 5_000_000
# Live HLS segment length (a camera's key frames may make them longer when its video is copied).
LIVE_SEGMENT_S = 1
# A live playlist is handed to viewers once it lists this many segments: HLS players (Chromium's own among
# them) start a live stream three target durations from its end and refuse a shorter playlist.
LIVE_READY_SEGMENTS = 3
# Segments kept in the live playlist (older ones are deleted from disk).
LIVE_PLAYLIST_SEGMENTS = 6
# Recorded segments are longer: fewer files, and names by the second never collide.
RECORDING_SEGMENT_S = 2
# Browsers play H.264 in HLS; anything else (H.265, MJPEG, MPEG-4) is re-encoded.
PLAYABLE_CODECS = frozenset({"h264"})
LIVE_PLAYLIST = "index.m3u8"
# Recorded segments are named by the UTC time they start at (ffmpeg's strftime, run with TZ=UTC).
RECORDING_PATTERN = "%Y%m%dT%H%M%SZ.ts"
RECORDING_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
# Under the server's data folder: one folder per recording camera, holding its recorded segments.
RECORDINGS_FOLDER = "recordings"

_ADDRESS = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+")
_VIDEO_STREAM = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+)")


def input_options(url: str) -> list[str]:
    """How to open the camera's address: RTSP over TCP (no UDP ports to open through firewalls, no lost
    packets on busy links), and a timeout so that a silent camera fails instead of hanging."""
    scheme = url.partition("://")[0].lower()
    if scheme in ("rtsp", "rtsps"):
        return ["-rtsp_transport", "tcp", "-timeout", str(SOCKET_TIMEOUT_US), "-i", url]
    if scheme in ("http", "https"):
        return ["-rw_timeout", str(SOCKET_TIMEOUT_US), "-i", url]
    return ["-i", url]


def video_encoding(transcode: bool) -> list[str]:
    """Copy the camera's H.264 as it is (no decoding, almost no CPU); re-encode anything else to H.264
    with a key frame every live segment, so that each segment starts on one."""
    if not transcode:
        return ["-c:v", "copy"]
    return [
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
        "-force_key_frames", f"expr:gte(t,n_forced*{LIVE_SEGMENT_S})",
    ]  # fmt: skip


def gateway_command(
    ffmpeg: str, url: str, live: Path, recording: Path | None, *, transcode: bool
) -> list[str]:
    """One ffmpeg per camera: the live HLS playlist for viewers and, for a recording camera, recorded
    segments named by their start time. Video only: microphones on public cameras raise eavesdropping-law
    questions that an agency settles before any audio is kept."""
    command = [ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", *input_options(url)]
    command += [
        "-map", "0:v:0", "-an", *video_encoding(transcode),
        "-f", "hls", "-hls_time", str(LIVE_SEGMENT_S), "-hls_list_size", str(LIVE_PLAYLIST_SEGMENTS),
        "-hls_flags", "delete_segments+omit_endlist+temp_file", "-hls_allow_cache", "0",
        "-hls_segment_filename", str(live / "seg-%d.ts"), str(live / LIVE_PLAYLIST),
    ]  # fmt: skip
    if recording is not None:
        command += [
            "-map", "0:v:0", "-an", *video_encoding(transcode),
            "-f", "segment", "-segment_time", str(RECORDING_SEGMENT_S), "-segment_format", "mpegts",
            "-reset_timestamps", "0", "-strftime", "1", str(recording / RECORDING_PATTERN),
        ]  # fmt: skip
    return command


def clip_command(ffmpeg: str, segment_list: Path, output: Path) -> list[str]:
    """Join recorded segments into one MP4 without re-encoding (the picture is the camera's own)."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", str(segment_list),
        "-map", "0:v:0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(output),
    ]  # fmt: skip


def video_codec(line: str) -> str | None:
    """The codec named in ffmpeg's description of the camera's video stream, if this line is that."""
    match = _VIDEO_STREAM.search(line)
    return match.group(1) if match else None


def without_addresses(text: str) -> str:
    return _ADDRESS.sub("the camera", text)


def failure_reason(lines: list[str]) -> str:
    """Why ffmpeg stopped, from its last messages: the most telling one, addresses removed."""
    telling = [
        line.strip()
        for line in lines
        if line.strip()
        and not line.startswith((" ", "Input #", "Output #", "Stream mapping", "Press [q]"))
        and "Exiting normally" not in line
    ]
    if not telling:
        return "the camera's stream ended"
    # ffmpeg's final line is often a generic "Error opening input files"; the one before says why.
    for line in reversed(telling):
        if any(word in line for word in ("refused", "timed out", "Unauthorized", "Not Found", "denied")):
            return without_addresses(line)[:300]
    return without_addresses(telling[-1])[:300]

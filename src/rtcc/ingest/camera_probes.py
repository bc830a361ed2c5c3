"""Reaching cameras: a snapshot over HTTP (with the camera's credentials answered as Basic or Digest, as the
camera asks), or one frame grabbed from a stream with ffmpeg. Failures carry a reason that names neither
the address nor the credentials, since reasons end up on the map, in alerts and in the audit log."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Generator
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from rtcc.domain.entities import Camera

SNAPSHOT_TIMEOUT_S = 3.0
PROBE_TIMEOUT_S = 5.0
MAX_SNAPSHOT_BYTES = 10 * 1024 * 1024
# Raster images only: whatever is passed on is served from the console's own origin, where an SVG or an
# HTML page (a camera's login page) could run script.
IMAGE_TYPES = {
    "image/jpeg": "image/jpeg",
    "image/jpg": "image/jpeg",  # sent by some cameras
    "image/pjpeg": "image/jpeg",
    "image/png": "image/png",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
    "image/bmp": "image/bmp",
}
# (user name, password) as stored for a camera.
Login = tuple[str, str]


class SnapshotFailed(Exception):
    """Why the camera gave no image. Never carries the camera's address, which may hold credentials."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CameraAuth(httpx.Auth):
    """Answers the camera's challenge: Digest when it asks for Digest, Basic otherwise. Nothing is sent
    before the camera asks, so a camera that needs no password never sees one."""

    def __init__(self, username: str, password: str):
        self._digest = httpx.DigestAuth(username, password)
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._basic = f"Basic {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        response = yield request
        if response.status_code != 401:
            return
        challenges = [h.lower() for h in response.headers.get_list("www-authenticate")]
        if any(c.startswith("digest") for c in challenges):
            flow = self._digest.auth_flow(request)
            next(flow)  # the request as first sent
            with contextlib.suppress(StopIteration):
                yield flow.send(response)
            return
        request.headers["Authorization"] = self._basic
        yield request


def with_login(url: str, login: Login) -> str:
    """The address with the login as userinfo (how RTSP and ffmpeg take credentials)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    userinfo = quote(login[0], safe="") + (":" + quote(login[1], safe="") if login[1] else "")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


async def fetch_snapshot(
    url: str, login: Login | None = None, *, timeout_s: float = SNAPSHOT_TIMEOUT_S
) -> tuple[bytes, str]:
    """The image at the camera's snapshot address and its content type, within ``timeout_s`` in all."""
    auth = CameraAuth(*login) if login is not None else None
    try:
        async with asyncio.timeout(timeout_s):
            # Cameras are reached directly (no proxy from the environment) and redirects are not followed:
            # the registered address is the one that is fetched.
            async with (
                httpx.AsyncClient(timeout=timeout_s, follow_redirects=False, trust_env=False) as client,
                client.stream("GET", url, headers={"Accept": ", ".join(IMAGE_TYPES)}, auth=auth) as resp,
            ):
                if resp.status_code != 200:
                    raise SnapshotFailed(f"the camera answered HTTP {resp.status_code}")
                sent_type = resp.headers.get("content-type", "").partition(";")[0].strip().lower()
                content_type = IMAGE_TYPES.get(sent_type)
                if content_type is None:
                    raise SnapshotFailed(
                        f"the camera answered with {sent_type or 'no content type'}, not an image"
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_SNAPSHOT_BYTES:
                        raise SnapshotFailed(f"the image is larger than {MAX_SNAPSHOT_BYTES // 2**20} MB")
                    chunks.append(chunk)
    except (TimeoutError, httpx.TimeoutException):
        raise SnapshotFailed(f"the camera did not answer within {timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise SnapshotFailed(f"could not reach the camera ({type(exc).__name__})") from None
    except httpx.InvalidURL:
        raise SnapshotFailed("the camera's snapshot address is not a valid address") from None
    return b"".join(chunks), content_type


async def grab_frame(
    url: str, login: Login | None = None, *, ffmpeg_path: str = "ffmpeg", timeout_s: float = PROBE_TIMEOUT_S
) -> bytes:
    """One frame of the stream as a JPEG, read by ffmpeg. ffmpeg's own messages are not passed on: they
    can quote the address with its credentials."""
    source = with_login(url, login) if login is not None else url
    args = [ffmpeg_path, "-nostdin", "-hide_banner", "-loglevel", "error"]
    if urlsplit(url).scheme.lower() in ("rtsp", "rtsps"):
        args += ["-rtsp_transport", "tcp"]
    args += ["-i", source, "-frames:v", "1", "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "4", "-"]
    try:
        proc = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
    except OSError:
        raise SnapshotFailed(f"cannot run {ffmpeg_path!r} to read the stream") from None
    try:
        async with asyncio.timeout(timeout_s):
            frame, _ = await proc.communicate()
    except TimeoutError:
        raise SnapshotFailed(f"the stream gave no picture within {timeout_s:g} s") from None
    finally:
        # Given up (or the server stopping): ffmpeg is stopped and reaped, not left running.
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    if proc.returncode != 0 or not frame:
        raise SnapshotFailed(f"the stream could not be read (ffmpeg exit {proc.returncode})")
    return frame


async def probe_camera(
    camera: Camera,
    login: Login | None,
    *,
    ffmpeg_path: str = "ffmpeg",
    timeout_s: float = PROBE_TIMEOUT_S,
) -> bytes:
    """A current picture from the camera: its snapshot address when it has one, else a frame of its stream.
    SnapshotFailed with the reason when there is none."""
    if camera.snapshot_url:
        image, _ = await fetch_snapshot(camera.snapshot_url, login, timeout_s=timeout_s)
        return image
    if camera.stream_url:
        return await grab_frame(camera.stream_url, login, ffmpeg_path=ffmpeg_path, timeout_s=timeout_s)
    raise SnapshotFailed("the camera has no snapshot or stream address")

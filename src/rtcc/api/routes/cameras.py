"""Camera snapshots through the server: the browser never learns a camera's address or credentials, most
cameras sit on networks browsers cannot reach, and every view is audited."""

from __future__ import annotations

import asyncio
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from rtcc.api.deps import Ctx, audit_action, note_shared_access, require_any
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission
from rtcc.domain.sharing import SharingKind

router = APIRouter(prefix="/api/v1", tags=["live"])
Viewer = Annotated[User, Depends(require_any(Permission.LIVE_READ, Permission.FIELD))]

SNAPSHOT_TIMEOUT_S = 3.0
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


class SnapshotFailed(Exception):
    """Why the camera gave no image. Never carries the camera's address, which may hold credentials."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


async def fetch_snapshot(url: str) -> tuple[bytes, str]:
    """The image at the camera's snapshot address and its content type, within SNAPSHOT_TIMEOUT_S in all."""
    try:
        async with asyncio.timeout(SNAPSHOT_TIMEOUT_S):
            # Cameras are reached directly (no proxy from the environment) and redirects are not followed:
            # the registered address is the one that is fetched.
            async with (
                httpx.AsyncClient(
                    timeout=SNAPSHOT_TIMEOUT_S, follow_redirects=False, trust_env=False
                ) as client,
                client.stream("GET", url, headers={"Accept": ", ".join(IMAGE_TYPES)}) as resp,
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
        raise SnapshotFailed(f"the camera did not answer within {SNAPSHOT_TIMEOUT_S:g} s") from None
    except httpx.HTTPError as exc:
        raise SnapshotFailed(f"could not reach the camera ({type(exc).__name__})") from None
    return b"".join(chunks), content_type


@router.get(
    "/cameras/{camera_id}/snapshot",
    response_class=Response,
    responses={
        200: {"content": {t: {} for t in sorted(set(IMAGE_TYPES.values()))}, "description": "The image."}
    },
)
async def camera_snapshot(camera_id: str, request: Request, ctx: Ctx, user: Viewer) -> Response:
    """A current still image from the camera, fetched by the server from the camera's snapshot address."""
    camera = await asyncio.to_thread(ctx.live.camera, camera_id)
    visible = await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, SharingKind.LIVE)
    if camera is None or camera.agency_id not in visible:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no camera {camera_id!r}")
    if not camera.snapshot_url:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="camera has no snapshot address")
    resource = f"camera/{camera_id}"
    try:
        image, content_type = await fetch_snapshot(camera.snapshot_url)
    except SnapshotFailed as exc:
        await audit_action(
            ctx,
            user,
            request,
            action="camera.view",
            resource=resource,
            detail={"camera_id": camera_id, "reason": exc.reason},
            outcome="failure",
        )
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail=exc.reason) from None
    await audit_action(
        ctx, user, request, action="camera.view", resource=resource, detail={"camera_id": camera_id}
    )
    await note_shared_access(ctx, user, request, [camera.agency_id], "cameras")
    return Response(
        image,
        media_type=content_type,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )

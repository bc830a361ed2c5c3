"""Camera snapshots through the server: the browser never learns a camera's address or credentials, most
cameras sit on networks browsers cannot reach, and every view is audited. Fetching (and answering a
camera's Basic or Digest challenge with its stored credentials) is rtcc.ingest.camera_probes."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from rtcc.api.deps import Ctx, audit_action, note_shared_access, require_any
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission
from rtcc.domain.sharing import SharingKind
from rtcc.ingest.camera_probes import IMAGE_TYPES, SnapshotFailed, fetch_snapshot

router = APIRouter(prefix="/api/v1", tags=["live"])
Viewer = Annotated[User, Depends(require_any(Permission.LIVE_READ, Permission.FIELD))]


@router.get(
    "/cameras/{camera_id}/snapshot",
    response_class=Response,
    responses={
        200: {"content": {t: {} for t in sorted(set(IMAGE_TYPES.values()))}, "description": "The image."}
    },
)
async def camera_snapshot(camera_id: str, request: Request, ctx: Ctx, user: Viewer) -> Response:
    """A current still image from the camera, fetched by the server from the camera's snapshot address with
    the camera's stored credentials."""
    camera = await asyncio.to_thread(ctx.live.camera, camera_id)
    visible = await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, SharingKind.LIVE)
    if camera is None or camera.agency_id not in visible:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no camera {camera_id!r}")
    if not camera.snapshot_url:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="camera has no snapshot address")
    resource = f"camera/{camera_id}"
    try:
        login = await ctx.camera_health.login(camera_id)
        image, content_type = await fetch_snapshot(camera.snapshot_url, login)
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

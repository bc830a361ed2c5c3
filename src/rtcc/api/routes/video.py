"""Live video through the server and footage export with chain of custody.

A viewer opens a camera's live view (audited as video.view); the playlist and segments are then served
under that view, from the gateway's files, never from the camera: the browser does not learn the camera's
address or credentials. Recording is switched on per camera by its managers; clips of a recording are
exported with a stated purpose and case number, hashed, and every later download is logged to the clip's
custody and refused when the file no longer matches its hash.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import FileResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from rtcc.api.deps import (
    Ctx,
    audit_action,
    client_ip,
    note_shared_access,
    require,
    require_any,
    require_stated_purpose,
)
from rtcc.domain.entities import Camera, User
from rtcc.domain.roles import Permission
from rtcc.domain.sharing import SharingKind
from rtcc.domain.vocab import CameraKind
from rtcc.storage.footage import CustodyEntry, ExportedClip
from rtcc.video.clips import ClipFailed, cut_clip, file_sha256
from rtcc.video.gateway import StreamFailed

router = APIRouter(prefix="/api/v1", tags=["video"])
Viewer = Annotated[User, Depends(require_any(Permission.LIVE_READ, Permission.FIELD))]
Exporter = Annotated[User, Depends(require(Permission.FOOTAGE_EXPORT))]
Manager = Annotated[User, Depends(require(Permission.CAMERAS_MANAGE))]
RecordingReader = Annotated[User, Depends(require_any(Permission.CAMERAS_MANAGE, Permission.FOOTAGE_EXPORT))]

# Community cameras' footage belongs to their owners: the agency asks for it, it does not take it.
COMMUNITY_KINDS = frozenset({CameraKind.BUSINESS, CameraKind.RESIDENT})
MAX_CLIP = timedelta(hours=1)
MEDIA_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}


class LiveView(BaseModel):
    view_id: str
    camera_id: str
    playlist: str = Field(..., description="The HLS playlist of this view, served by this server.")


class RecordingOut(BaseModel):
    camera_id: str
    recording: bool
    running: bool = Field(..., description="Whether the gateway is pulling the camera's stream now.")
    started_by: str | None = None
    started_at: datetime | None = None


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    camera_id: str = Field(..., min_length=1, max_length=64)
    start: AwareDatetime = Field(..., description="Start of the window (with a time zone).")
    end: AwareDatetime = Field(..., description="End of the window (with a time zone).")

    @field_validator("end")
    @classmethod
    def _window(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError("must be after start")
        if start is not None and end - start > MAX_CLIP:
            raise ValueError(f"a clip is at most {MAX_CLIP.total_seconds() / 60:g} minutes long")
        return end


class CustodyOut(BaseModel):
    at: datetime
    action: str
    username: str
    agency_id: str | None
    source_ip: str | None
    purpose: str | None
    case_number: str | None
    sha256: str
    hash_matched: bool


class ClipOut(BaseModel):
    id: str
    camera_id: str
    camera_name: str
    requested_start: datetime
    requested_end: datetime
    clip_start: datetime
    clip_end: datetime
    purpose: str
    case_number: str
    exported_by: str
    exported_at: datetime
    sha256: str
    size_bytes: int
    download: str
    custody: list[CustodyOut] | None = None


def clip_out(clip: ExportedClip, custody: list[CustodyEntry] | None = None) -> ClipOut:
    return ClipOut(
        id=clip.id,
        camera_id=clip.camera_id,
        camera_name=clip.camera_name,
        requested_start=clip.requested_start,
        requested_end=clip.requested_end,
        clip_start=clip.clip_start,
        clip_end=clip.clip_end,
        purpose=clip.purpose,
        case_number=clip.case_number,
        exported_by=clip.exported_by_name,
        exported_at=clip.exported_at,
        sha256=clip.sha256,
        size_bytes=clip.size_bytes,
        download=f"/api/v1/footage/exports/{clip.id}/download",
        custody=None
        if custody is None
        else [CustodyOut.model_validate(e, from_attributes=True) for e in custody],
    )


async def visible_camera(ctx: Ctx, user: User, camera_id: str, kind: SharingKind | None) -> Camera:
    """The camera, if the user's agency owns it or (for a kind of sharing) sees it by agreement."""
    camera = await asyncio.to_thread(ctx.live.camera, camera_id)
    visible = await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, kind)
    if camera is None or camera.agency_id not in visible:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no camera {camera_id!r}")
    return camera


@router.post("/cameras/{camera_id}/live", response_model=LiveView)
async def open_live_view(camera_id: str, request: Request, ctx: Ctx, user: Viewer) -> LiveView:
    """Watch a camera live: starts its stream if nobody is watching it yet, and returns this view's HLS
    playlist. Every view is audited (video.view)."""
    camera = await visible_camera(ctx, user, camera_id, SharingKind.LIVE)
    if not camera.stream_url:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="camera has no stream address")
    resource = f"camera/{camera_id}"
    recording = await asyncio.to_thread(ctx.video.footage.is_recording, camera_id)
    try:
        view = await ctx.video.gateway.watch(
            camera_id, await ctx.video.source_url(camera), user.id, recording=recording
        )
    except StreamFailed as exc:
        await audit_action(
            ctx, user, request, action="video.view", resource=resource,
            detail={"camera_id": camera_id, "reason": exc.reason}, outcome="failure",
        )  # fmt: skip
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail=exc.reason) from None
    await audit_action(
        ctx, user, request, action="video.view", resource=resource,
        detail={"camera_id": camera_id, "view_id": view.view_id},
    )  # fmt: skip
    await note_shared_access(ctx, user, request, [camera.agency_id], "video")
    return LiveView(
        view_id=view.view_id,
        camera_id=camera_id,
        playlist=f"/api/v1/video/views/{view.view_id}/index.m3u8",
    )


@router.get("/video/views/{view_id}/{file_name}", response_class=FileResponse)
async def live_view_file(view_id: str, file_name: str, ctx: Ctx, user: Viewer) -> FileResponse:
    """The playlist or a segment of one's own live view. Fetching it keeps the stream running."""
    view = ctx.video.gateway.view(view_id)
    if view is None or view.user_id != user.id:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail="no such live view: it has ended (nobody watched it) or is not yours; open the camera again",
        )
    path = ctx.video.gateway.live_file(view, file_name)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no {file_name!r} in this live view")
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[path.suffix],
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


# Recording.


async def recording_out(ctx: Ctx, camera_id: str) -> RecordingOut:
    marked = {r.camera_id: r for r in await asyncio.to_thread(ctx.video.footage.recording)}
    entry = marked.get(camera_id)
    return RecordingOut(
        camera_id=camera_id,
        recording=entry is not None,
        running=ctx.video.gateway.running(camera_id),
        started_by=entry.started_by if entry else None,
        started_at=entry.started_at if entry else None,
    )


@router.get("/recordings", response_model=list[RecordingOut])
async def list_recordings(ctx: Ctx, user: RecordingReader) -> list[RecordingOut]:
    """The agency's recording cameras, and whether each is being pulled now."""
    marked = await asyncio.to_thread(ctx.video.footage.recording, [user.agency_id])
    return [
        RecordingOut(
            camera_id=r.camera_id,
            recording=True,
            running=ctx.video.gateway.running(r.camera_id),
            started_by=r.started_by,
            started_at=r.started_at,
        )
        for r in marked
    ]


@router.post("/cameras/{camera_id}/recording", response_model=RecordingOut)
async def start_recording(camera_id: str, request: Request, ctx: Ctx, user: Manager) -> RecordingOut:
    """Record the camera from now on (kept running with nobody watching), so that clips can be exported."""
    camera = await visible_camera(ctx, user, camera_id, None)
    if camera.kind in COMMUNITY_KINDS:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"{camera.kind.value} cameras belong to their owners and are not recorded by the agency: "
            "send the owner a footage request (POST /api/v1/community/footage-requests)",
        )
    if not camera.stream_url:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="camera has no stream address")
    now = datetime.now(UTC)
    await asyncio.to_thread(ctx.video.footage.start_recording, camera_id, user.agency_id, user.username, now)
    reason = None
    try:
        await ctx.video.gateway.ensure(camera_id, await ctx.video.source_url(camera), recording=True)
    except StreamFailed as exc:
        # Still marked: the gateway tries again until the camera answers.
        reason = exc.reason
    await audit_action(
        ctx, user, request, action="recording.start", resource=f"camera/{camera_id}",
        detail={"camera_id": camera_id, **({"reason": reason} if reason else {})},
    )  # fmt: skip
    return await recording_out(ctx, camera_id)


@router.delete("/cameras/{camera_id}/recording", response_model=RecordingOut)
async def stop_recording(camera_id: str, request: Request, ctx: Ctx, user: Manager) -> RecordingOut:
    """Stop recording the camera (what was recorded stays, for export, until it is purged)."""
    await visible_camera(ctx, user, camera_id, None)
    await asyncio.to_thread(ctx.video.footage.stop_recording, camera_id)
    # Live viewers, if any, get the stream back on their next open; recording ffmpeg stops now.
    await ctx.video.gateway.stop(camera_id)
    await audit_action(
        ctx, user, request, action="recording.stop", resource=f"camera/{camera_id}",
        detail={"camera_id": camera_id},
    )  # fmt: skip
    return await recording_out(ctx, camera_id)


# Footage export.


async def own_clip(ctx: Ctx, user: User, clip_id: str) -> ExportedClip:
    clip = await asyncio.to_thread(ctx.video.footage.clip, clip_id)
    if clip is None or clip.agency_id != user.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no exported clip {clip_id!r}")
    return clip


@router.post("/footage/exports", response_model=ClipOut, status_code=status.HTTP_201_CREATED)
async def export_clip(body: ExportIn, request: Request, ctx: Ctx, user: Exporter) -> ClipOut:
    """Export a clip of a recording camera for a time window as an MP4, with its SHA-256 and a chain of
    custody. States its purpose and case number (X-Purpose and X-Case-Number headers)."""
    purpose, case_number = require_stated_purpose(request, "export footage")
    camera = await visible_camera(ctx, user, body.camera_id, None)
    if camera.kind in COMMUNITY_KINDS:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"{camera.kind.value} cameras belong to their owners: footage is not exported from them; "
            "send the owner a footage request (POST /api/v1/community/footage-requests)",
        )
    clip_id = uuid.uuid4().hex
    output = ctx.video.clips_folder / f"{clip_id}.mp4"
    try:
        cut = await cut_clip(
            ctx.video.ffmpeg, ctx.video.gateway.recording_folder(camera.id), body.start, body.end, output
        )
    except ClipFailed as exc:
        await audit_action(
            ctx, user, request, action="footage.export", resource=f"camera/{camera.id}",
            detail={"camera_id": camera.id, "reason": exc.reason}, outcome="failure",
        )  # fmt: skip
        raise HTTPException(status.HTTP_409_CONFLICT, detail=exc.reason) from None
    clip = ExportedClip(
        id=clip_id,
        agency_id=user.agency_id,
        camera_id=camera.id,
        camera_name=camera.name,
        requested_start=body.start,
        requested_end=body.end,
        clip_start=cut.start,
        clip_end=cut.end,
        purpose=purpose,
        case_number=case_number,
        exported_by=user.id,
        exported_by_name=user.username,
        exported_at=datetime.now(UTC),
        file_name=output.name,
        sha256=cut.sha256,
        size_bytes=cut.size_bytes,
    )
    await asyncio.to_thread(ctx.video.footage.add_clip, clip, client_ip(request))
    await audit_action(
        ctx, user, request, action="footage.export", resource=f"footage/{clip_id}",
        detail={"camera_id": camera.id, "start": body.start.isoformat(), "end": body.end.isoformat(),
                "sha256": cut.sha256, "case_number": case_number},
    )  # fmt: skip
    custody = await asyncio.to_thread(ctx.video.footage.custody, clip_id)
    return clip_out(clip, custody)


@router.get("/footage/exports", response_model=list[ClipOut])
async def list_clips(ctx: Ctx, user: Exporter) -> list[ClipOut]:
    """The agency's exported clips, newest first."""
    return [clip_out(c) for c in await asyncio.to_thread(ctx.video.footage.clips, user.agency_id)]


@router.get("/footage/exports/{clip_id}", response_model=ClipOut)
async def get_clip(clip_id: str, ctx: Ctx, user: Exporter) -> ClipOut:
    """One exported clip with its whole chain of custody."""
    clip = await own_clip(ctx, user, clip_id)
    return clip_out(clip, await asyncio.to_thread(ctx.video.footage.custody, clip_id))


@router.get("/footage/exports/{clip_id}/download", response_class=FileResponse)
async def download_clip(clip_id: str, request: Request, ctx: Ctx, user: Exporter) -> FileResponse:
    """The clip's MP4, after checking it still matches its recorded SHA-256. States why it is taken
    (X-Purpose and X-Case-Number); the transfer is added to the clip's chain of custody."""
    purpose, case_number = require_stated_purpose(request, "download footage")
    clip = await own_clip(ctx, user, clip_id)
    path = ctx.video.clips_folder / clip.file_name
    exists = await asyncio.to_thread(path.is_file)
    actual = await asyncio.to_thread(file_sha256, path) if exists else "missing"
    matched = actual == clip.sha256
    await asyncio.to_thread(
        ctx.video.footage.append_custody,
        clip_id,
        action="downloaded" if matched else "download_refused",
        at=datetime.now(UTC),
        username=user.username,
        agency_id=user.agency_id,
        source_ip=client_ip(request),
        purpose=purpose,
        case_number=case_number,
        sha256=actual,
        hash_matched=matched,
    )
    await audit_action(
        ctx, user, request, action="footage.download", resource=f"footage/{clip_id}",
        detail={"sha256": actual, "case_number": case_number}, outcome="success" if matched else "failure",
    )  # fmt: skip
    if not matched:
        reason = "its file is missing" if not exists else f"its file now hashes to {actual}"
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"clip {clip_id} is not released: it was exported with SHA-256 {clip.sha256} and {reason}; "
            "the file has been altered, damaged or removed since export",
        )
    return FileResponse(
        path,
        media_type="video/mp4",
        filename=f"{clip.camera_id}-{clip.clip_start:%Y%m%dT%H%M%SZ}-{clip_id[:8]}.mp4",
        headers={"Cache-Control": "no-store", "X-Content-SHA256": clip.sha256},
    )

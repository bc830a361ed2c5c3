"""Footage requests of the community camera program: an investigator asks a camera's owner for the footage
of a time window (with a stated purpose and case number), the owner answers through the private link from
the mail (the token in the ``X-Owner-Token`` header) and uploads files, each hashed with SHA-256 into the
request's chain of custody; the agency downloads them, and every step is audited.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from rtcc.api.deps import Ctx, audit_action, client_ip, require, require_stated_purpose
from rtcc.api.parts.community import (
    FOOTAGE_LINK_DAYS,
    MAX_FILES_PER_REQUEST,
    UploadRefused,
    file_sha256,
)
from rtcc.api.routes.community_common import optional_text, refuse
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission
from rtcc.storage.community import FootageRequest
from rtcc.storage.mail import MailNotSent

# Mounted under /api/v1/community by rtcc.api.routes.community.
router = APIRouter(tags=["community"])


# ---- footage requests: the investigator asks, the owner answers and uploads ---------------------------------
Investigator = Annotated[User, Depends(require(Permission.FOOTAGE_EXPORT))]
# The longest window one request may ask for.
MAX_WINDOW = timedelta(days=7)
# A camera's clock and the server's may disagree a little about "now".
CLOCK_SLACK = timedelta(minutes=10)


class FootageRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    camera_id: str = Field(..., min_length=1, max_length=64, description="An approved community camera.")
    start: datetime = Field(..., description="Start of the footage wanted (ISO 8601 with a time zone).")
    end: datetime = Field(..., description="End of the footage wanted.")
    reason: str = Field(
        ...,
        min_length=1,
        max_length=1000,
        description="What happened and why this camera, as the owner reads it.",
    )

    @field_validator("start", "end")
    @classmethod
    def _zoned(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("give a time zone (e.g. 2026-11-21T18:00:00Z)")
        return v.astimezone(UTC)

    @field_validator("reason")
    @classmethod
    def _said(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("say what happened and why this camera's footage is wanted")
        return v.strip()


class CustodyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    action: str = Field(..., description="received, downloaded or hash_mismatch.")
    actor: str
    source_ip: str | None
    sha256: str
    size_bytes: int
    at: datetime


class FootageFileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    received_at: datetime
    custody: list[CustodyOut] = []


class FootageRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    camera_id: str
    registration_id: str
    window_start: datetime
    window_end: datetime
    reason: str
    purpose: str
    case_number: str
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    status: str = Field(..., description="requested, accepted or declined.")
    responded_at: datetime | None
    owner_note: str | None
    files: list[FootageFileOut] = []


async def _request_out(ctx: Ctx, request_id: str, *, custody: bool) -> FootageRequestOut:
    store = ctx.community.store
    fr = await asyncio.to_thread(store.footage_request, request_id)
    assert fr is not None
    files = await asyncio.to_thread(store.files, request_id)
    entries = await asyncio.to_thread(store.custody, [f.id for f in files]) if custody else []
    out = FootageRequestOut.model_validate(fr)
    out.files = [
        FootageFileOut.model_validate(f).model_copy(
            update={"custody": [CustodyOut.model_validate(e) for e in entries if e.file_id == f.id]}
        )
        for f in files
    ]
    return out


@router.post("/footage-requests", response_model=FootageRequestOut, status_code=status.HTTP_201_CREATED)
async def request_footage(
    body: FootageRequestIn, request: Request, ctx: Ctx, user: Investigator
) -> FootageRequestOut:
    """Ask a community camera's owner for footage of a time window. States why (X-Purpose) and for which
    case (X-Case-Number); the owner receives a private link by mail and decides."""
    purpose, case_number = require_stated_purpose(request, "request footage from a camera's owner")
    if body.end <= body.start:
        raise refuse("end", "must be after start")
    if body.end - body.start > MAX_WINDOW:
        raise refuse("end", f"a request covers at most {MAX_WINDOW.days} days")
    now = datetime.now(UTC)
    if body.start > now + CLOCK_SLACK:
        raise refuse("start", "is in the future: footage can only be asked for what has been recorded")
    store = ctx.community.store
    reg = await asyncio.to_thread(store.approved_for_camera, body.camera_id)
    if reg is None or reg.agency_id != user.agency_id:
        raise refuse("camera_id", f"{body.camera_id!r} is not an approved community camera of your agency")
    if reg.sharing == "registered":
        raise refuse("camera_id", "the owner agreed to registration only, not to footage requests")
    token = secrets.token_urlsafe(32)
    fr = await asyncio.to_thread(
        store.request_footage,
        {
            "agency_id": user.agency_id,
            "registration_id": reg.id,
            "camera_id": body.camera_id,
            "window_start": body.start,
            "window_end": body.end,
            "reason": body.reason,
            "purpose": purpose,
            "case_number": case_number,
            "requested_by": user.username,
            "requested_at": now,
            "expires_at": now + timedelta(days=FOOTAGE_LINK_DAYS),
        },
        token=token,
    )
    agency = await asyncio.to_thread(ctx.accounts.get_agency, user.agency_id)
    agency_name = agency.name if agency else user.agency_id
    try:
        await asyncio.to_thread(ctx.community.send_footage_request, reg, fr, agency_name, token)
    except MailNotSent:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"the request {fr.id} is saved but the mail to the owner could not be sent; try again later",
        ) from None
    await audit_action(
        ctx,
        user,
        request,
        action="community.footage.request",
        resource=f"community/footage-request/{fr.id}",
        detail={"camera_id": fr.camera_id, "case_number": case_number, "purpose": purpose},
    )
    return await _request_out(ctx, fr.id, custody=False)


@router.get("/footage-requests", response_model=list[FootageRequestOut])
async def list_footage_requests(ctx: Ctx, user: Investigator) -> list[FootageRequestOut]:
    """The agency's footage requests to camera owners, newest first."""
    found = await asyncio.to_thread(ctx.community.store.footage_requests, user.agency_id)
    return [FootageRequestOut.model_validate(fr) for fr in found]


async def _agency_request(ctx: Ctx, user: User, request_id: str) -> None:
    fr = await asyncio.to_thread(ctx.community.store.footage_request, request_id)
    if fr is None or fr.agency_id != user.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no footage request {request_id!r}")


@router.get("/footage-requests/{request_id}", response_model=FootageRequestOut)
async def footage_request(request_id: str, ctx: Ctx, user: Investigator) -> FootageRequestOut:
    """One footage request with the owner's answer, the files received and each file's chain of custody."""
    await _agency_request(ctx, user, request_id)
    return await _request_out(ctx, request_id, custody=True)


@router.get(
    "/footage-requests/{request_id}/files/{file_id}",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file as received."}},
)
async def download_footage(
    request_id: str, file_id: str, request: Request, ctx: Ctx, user: Investigator
) -> FileResponse:
    """A received file. Its SHA-256 is checked against the one taken on receipt before it is released;
    the download (or the failed check) is entered in the file's chain of custody and audited."""
    await _agency_request(ctx, user, request_id)
    store = ctx.community.store
    file = await asyncio.to_thread(store.file, file_id)
    if file is None or file.request_id != request_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no file {file_id!r} in request {request_id}")
    path = ctx.community.stored_path(file)
    try:
        sha256, size = await asyncio.to_thread(file_sha256, path)
    except FileNotFoundError:
        sha256, size = "", 0
    intact = sha256 == file.sha256 and size == file.size_bytes
    now = datetime.now(UTC)
    await asyncio.to_thread(
        store.note_custody,
        file.id,
        action="downloaded" if intact else "hash_mismatch",
        actor=f"{user.username} ({user.agency_id})",
        source_ip=client_ip(request),
        sha256=sha256 or "(missing)",
        size_bytes=size,
        at=now,
    )
    await audit_action(
        ctx,
        user,
        request,
        action="community.footage.download",
        resource=f"community/footage-file/{file.id}",
        detail={"request_id": request_id, "sha256": sha256, "expected_sha256": file.sha256},
        outcome="success" if intact else "failure",
    )
    if not intact:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"file {file.id} no longer matches the SHA-256 taken when it was received; it is not "
            "released and the failed check is in its chain of custody",
        )
    return FileResponse(
        path,
        media_type=file.content_type,
        filename=file.filename,
        headers={
            "X-Content-SHA256": file.sha256,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# ---- the owner's private link -------------------------------------------------------------------------------
OwnerToken = Annotated[
    str, Header(alias="X-Owner-Token", min_length=1, max_length=200, description="The token from the mail.")
]


class OwnerViewOut(BaseModel):
    agency: str
    camera: str
    window_start: datetime
    window_end: datetime
    reason: str
    purpose: str
    case_number: str
    requested_at: datetime
    expires_at: datetime
    status: str = Field(..., description="requested, accepted or declined.")
    owner_note: str | None
    max_upload_bytes: int
    files: list[FootageFileOut]


async def _owners_request(ctx: Ctx, token: str) -> FootageRequest:
    fr = await asyncio.to_thread(ctx.community.store.request_by_token, token)
    if fr is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="X-Owner-Token: this link is not valid")
    if fr.expires_at <= datetime.now(UTC):
        raise HTTPException(status.HTTP_410_GONE, detail="X-Owner-Token: this link has expired")
    return fr


async def _audit_owner(ctx: Ctx, request: Request, fr: FootageRequest, action: str, **detail: Any) -> None:
    reg = await asyncio.to_thread(ctx.community.store.registration, fr.registration_id)
    await asyncio.to_thread(
        ctx.audit.record,
        action=action,
        resource=f"community/footage-request/{fr.id}",
        outcome="success",
        agency_id=fr.agency_id,
        source_ip=client_ip(request),
        detail={"owner": reg.email if reg else None, **detail},
    )


async def _owner_view(ctx: Ctx, fr: FootageRequest) -> OwnerViewOut:
    store = ctx.community.store
    reg = await asyncio.to_thread(store.registration, fr.registration_id)
    agency = await asyncio.to_thread(ctx.accounts.get_agency, fr.agency_id)
    files = await asyncio.to_thread(store.files, fr.id)
    return OwnerViewOut(
        agency=agency.name if agency else fr.agency_id,
        camera=(reg.label or reg.kind) if reg else fr.camera_id,
        window_start=fr.window_start,
        window_end=fr.window_end,
        reason=fr.reason,
        purpose=fr.purpose,
        case_number=fr.case_number,
        requested_at=fr.requested_at,
        expires_at=fr.expires_at,
        status=fr.status,
        owner_note=fr.owner_note,
        max_upload_bytes=ctx.community.max_upload_bytes,
        files=[FootageFileOut.model_validate(f) for f in files],
    )


@router.get("/owner/footage-request", response_model=OwnerViewOut)
async def owner_view(ctx: Ctx, token: OwnerToken) -> OwnerViewOut:
    """Public, with the owner's private token: what is asked, by whom and why, and what was sent so far."""
    return await _owner_view(ctx, await _owners_request(ctx, token))


class OwnerAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accept: bool = Field(..., description="true to share the footage, false to decline.")
    note: str | None = Field(
        None, max_length=1000, description="Anything the owner wants the agency to know."
    )


@router.post("/owner/footage-request/answer", response_model=OwnerViewOut)
async def owner_answer(body: OwnerAnswerIn, request: Request, ctx: Ctx, token: OwnerToken) -> OwnerViewOut:
    """Public, with the owner's private token: accept or decline the request (once)."""
    fr = await _owners_request(ctx, token)
    answered = await asyncio.to_thread(
        ctx.community.store.respond,
        fr.id,
        accept=body.accept,
        note=optional_text(body.note),
        now=datetime.now(UTC),
    )
    if answered is None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"accept: the request was already {fr.status}")
    await _audit_owner(
        ctx, request, answered, "community.footage.accept" if body.accept else "community.footage.decline"
    )
    return await _owner_view(ctx, answered)


@router.post(
    "/owner/footage-request/files", response_model=FootageFileOut, status_code=status.HTTP_201_CREATED
)
async def owner_upload(
    request: Request,
    ctx: Ctx,
    token: OwnerToken,
    filename: Annotated[
        str | None, Query(max_length=300, description="The file's name on the owner's computer.")
    ] = None,
) -> FootageFileOut:
    """Public, with the owner's private token: upload one video or image file (the request body is the file).
    Stored with its SHA-256; its chain of custody starts with who sent it, when, its hash and its size."""
    fr = await _owners_request(ctx, token)
    if fr.status != "accepted":
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"accept the request before uploading (it is {fr.status})",
        )
    part = ctx.community
    received = await asyncio.to_thread(part.store.files, fr.id)
    if len(received) >= MAX_FILES_PER_REQUEST:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"file: this request has its {MAX_FILES_PER_REQUEST} files already",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > part.max_upload_bytes:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=f"file: {declared} bytes is too large")
    try:
        file = await part.receive(fr.id, filename, request.stream())
    except UploadRefused as exc:
        raise HTTPException(exc.status_code, detail=f"file: {exc.reason}") from None
    reg = await asyncio.to_thread(ctx.community.store.registration, fr.registration_id)
    sender = f"{reg.contact_name} <{reg.email}> (camera owner)" if reg else "camera owner"
    await asyncio.to_thread(ctx.community.store.add_file, file, actor=sender, source_ip=client_ip(request))
    await _audit_owner(
        ctx,
        request,
        fr,
        "community.footage.upload",
        file_id=file.id,
        sha256=file.sha256,
        size=file.size_bytes,
    )
    return FootageFileOut.model_validate(file)

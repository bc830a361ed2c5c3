"""The community camera program: public pages and the agency's approvals.

Public (no account): the program's description, registering a camera, the confirmation link, the
participation counts by area, and the camera owner's footage request pages. An owner proves who they are
with the private token from the mail, sent in the ``X-Owner-Token`` header (never in the address, which the
audit log keeps). Everything else needs a signed-in user with the permission named on each route.
"""

from __future__ import annotations

import asyncio
import math
import re
import secrets
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from rtcc.api.deps import Ctx, CurrentUser, audit_action, client_ip, require, require_stated_purpose
from rtcc.api.parts.community import (
    CELL_DEG,
    CONFIRM_LINK_DAYS,
    FOOTAGE_LINK_DAYS,
    MAX_FILES_PER_REQUEST,
    POSTS_PER_ADDRESS_PER_10_MIN,
    REGISTRATIONS_PER_ADDRESS_PER_HOUR,
    SHARING_TERMS,
    UNCONFIRMED_PER_EMAIL_PER_DAY,
    CommunityPart,
    UploadRefused,
    areas_of,
    file_sha256,
)
from rtcc.api.routes.basemap import fitting_zoom, street_map
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission, can
from rtcc.storage.community import FootageRequest, Registration
from rtcc.storage.mail import MailNotSent

router = APIRouter(prefix="/api/v1/community", tags=["community"])
Reviewer = Annotated[User, Depends(require(Permission.CAMERAS_MANAGE))]

EMAIL = re.compile(r"^[^@\s<>(),;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")


def refuse(field: str, reason: str) -> RequestValidationError:
    """A 422 naming the field, in the same shape as the app's other validation errors."""
    return RequestValidationError([{"loc": ("body", field), "msg": reason, "type": "value_error"}])


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# ---- public: registering a camera --------------------------------------------------------------------------
class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency_id: str | None = Field(
        None, max_length=64, description="The agency to register with; may be left out when there is one."
    )
    kind: Literal["business", "resident"] = Field(..., description="Who owns the camera.")
    label: str | None = Field(None, max_length=200, description="A name for the camera, e.g. 'Front door'.")
    address: str | None = Field(None, max_length=300, description="Street address, as typed.")
    lat: float = Field(..., ge=-90, le=90, description="Where the camera is (WGS84 latitude).")
    lon: float = Field(..., ge=-180, le=180, description="Where the camera is (WGS84 longitude).")
    heading_deg: float | None = Field(
        None, ge=0, lt=360, description="Where the camera looks, clockwise from north."
    )
    fov_deg: float | None = Field(None, gt=0, le=360, description="How wide it sees, in degrees.")
    range_m: float | None = Field(None, gt=0, le=1000, description="How far it sees usefully, in metres.")
    contact_name: str = Field(..., max_length=200, description="Who the agency contacts about the camera.")
    email: str = Field(..., max_length=254, description="Where the confirmation link and requests are sent.")
    phone: str = Field(..., max_length=40, description="A telephone number for the contact.")
    sharing: Literal["registered", "footage_on_request", "live"] = Field(
        ..., description="What the owner agrees to share; each term includes the ones before it."
    )
    public_count: bool = Field(
        False,
        description="The owner agrees that the camera is counted on the public participation page "
        "(by area only, never its location).",
    )
    website: str = Field(
        "", max_length=200, description="Leave empty (a field only form-filling robots see)."
    )

    @field_validator("contact_name")
    @classmethod
    def _named(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a contact name is required")
        return v.strip()

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        v = v.strip()
        if not EMAIL.match(v):
            raise ValueError("not an email address (name@example.org)")
        return v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        v = v.strip()
        digits = sum(c.isdigit() for c in v)
        if not PHONE_CHARS.match(v) or not 7 <= digits <= 15:
            raise ValueError("not a telephone number (7 to 15 digits, optionally + ( ) - . and spaces)")
        return v

    @field_validator("label", "address")
    @classmethod
    def _optional_text(cls, v: str | None) -> str | None:
        return _text(v)


class RegistrationReceived(BaseModel):
    id: str
    status: str
    message: str


class ProgramAgency(BaseModel):
    id: str
    name: str


class ProgramOut(BaseModel):
    agencies: list[ProgramAgency]
    map_center: tuple[float, float] = Field(..., description="[lat, lon] where the location picker starts.")
    map_zoom: int
    sharing_terms: dict[str, str]
    registrations_per_address_per_hour: int
    confirm_link_days: int


@router.get("/program", response_model=ProgramOut)
async def program(ctx: Ctx) -> ProgramOut:
    """Public: the agencies taking registrations and what each sharing term means."""
    agencies = await asyncio.to_thread(ctx.accounts.list_agencies)
    # The picker starts over the city whose streets the server ships.
    south, west, north, east = (await asyncio.to_thread(street_map)).bbox
    return ProgramOut(
        agencies=[ProgramAgency(id=a.id, name=a.name) for a in agencies],
        map_center=(round((south + north) / 2, 5), round((west + east) / 2, 5)),
        map_zoom=fitting_zoom((south, west, north, east)),
        sharing_terms=SHARING_TERMS,
        registrations_per_address_per_hour=REGISTRATIONS_PER_ADDRESS_PER_HOUR,
        confirm_link_days=CONFIRM_LINK_DAYS,
    )


def _guard_posts(part: CommunityPart, address: str) -> None:
    wait = part.posts_by_address.retry_after(address, record=True)
    if wait > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many attempts from your address ({POSTS_PER_ADDRESS_PER_10_MIN} in 10 minutes): "
            f"try again in {math.ceil(wait / 60)} minutes",
            headers={"Retry-After": str(math.ceil(wait))},
        )


async def _guarded(request: Request, ctx: Ctx) -> str:
    """The form's guard runs before the body is read, so floods of invalid posts are turned away too."""
    address = client_ip(request) or "unknown"
    _guard_posts(ctx.community, address)
    return address


@router.post("/registrations", response_model=RegistrationReceived, status_code=status.HTTP_201_CREATED)
async def register_camera(
    body: RegistrationIn, request: Request, ctx: Ctx, address: Annotated[str, Depends(_guarded)]
) -> RegistrationReceived:
    """Public: register a camera. A confirmation link is sent to the email address; the registration goes
    to the agency for review once it is confirmed."""
    part = ctx.community
    now = datetime.now(UTC)
    message = f"We sent a confirmation link to {body.email}. Open it within {CONFIRM_LINK_DAYS} days."
    if body.website:  # only robots fill the hidden field: they are told it worked, and nothing is kept
        return RegistrationReceived(id="reg-received", status="pending_confirmation", message=message)
    agencies = await asyncio.to_thread(ctx.accounts.list_agencies)
    if body.agency_id is None:
        if len(agencies) != 1:
            raise refuse("agency_id", "choose the agency to register with")
        agency = agencies[0]
    else:
        found = [a for a in agencies if a.id == body.agency_id]
        if not found:
            raise refuse("agency_id", f"no agency {body.agency_id!r} takes registrations here")
        agency = found[0]
    wait = part.registrations_by_address.retry_after(address, record=False)
    if wait > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many registrations from your address ({REGISTRATIONS_PER_ADDRESS_PER_HOUR} an hour): "
            f"try again in {math.ceil(wait / 60)} minutes",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    waiting = await asyncio.to_thread(part.store.unconfirmed_for_email, body.email, now - timedelta(days=1))
    if waiting >= UNCONFIRMED_PER_EMAIL_PER_DAY:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"email: {waiting} registrations for this address are waiting for confirmation: "
            "open the link in one of the messages already sent",
        )
    part.registrations_by_address.count(address)
    token = secrets.token_urlsafe(32)
    values = body.model_dump(exclude={"website"})
    values["agency_id"] = agency.id
    reg = await asyncio.to_thread(part.store.register, values, token=token, source_ip=address, now=now)
    try:
        await asyncio.to_thread(part.send_confirmation, reg, agency.name, token)
    except MailNotSent:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="email: the confirmation mail could not be sent just now; please try again later",
        ) from None
    await asyncio.to_thread(
        ctx.audit.record,
        action="community.register",
        resource=f"community/registration/{reg.id}",
        outcome="success",
        agency_id=agency.id,
        source_ip=address,
        detail={"kind": reg.kind, "sharing": reg.sharing},
    )
    return RegistrationReceived(id=reg.id, status=reg.status, message=message)


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(..., min_length=1, max_length=200, description="The token from the emailed link.")


class ConfirmedOut(BaseModel):
    id: str
    status: str
    kind: str
    label: str | None
    sharing: str


@router.post("/confirm", response_model=ConfirmedOut)
async def confirm_registration(body: ConfirmIn, request: Request, ctx: Ctx) -> ConfirmedOut:
    """Public: the emailed confirmation link. The registration then waits for the agency's review."""
    now = datetime.now(UTC)
    reg = await asyncio.to_thread(
        ctx.community.store.confirm,
        body.token,
        not_before=now - timedelta(days=CONFIRM_LINK_DAYS),
        now=now,
    )
    if reg is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail="token: this confirmation link is not valid or has expired; register again",
        )
    await asyncio.to_thread(
        ctx.audit.record,
        action="community.confirm",
        resource=f"community/registration/{reg.id}",
        outcome="success",
        agency_id=reg.agency_id,
        source_ip=client_ip(request),
    )
    return ConfirmedOut(id=reg.id, status=reg.status, kind=reg.kind, label=reg.label, sharing=reg.sharing)


# ---- public: participation counts --------------------------------------------------------------------------
class AreaCount(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    south: float
    west: float
    north: float
    east: float
    business: int
    resident: int
    total: int


class ParticipationOut(BaseModel):
    total: int
    business: int
    resident: int
    cell_km: float = Field(..., description="Rough size of an area's side.")
    areas: list[AreaCount]


@router.get("/participation", response_model=ParticipationOut)
async def participation(ctx: Ctx) -> ParticipationOut:
    """Public: how many approved community cameras there are, by area. Only cameras whose owners agreed to
    be counted; an area is a cell of about 2 km, never a camera's location."""
    rows = await asyncio.to_thread(ctx.community.store.counted_locations)
    kinds = Counter(kind for _, _, kind in rows)
    return ParticipationOut(
        total=len(rows),
        business=kinds["business"],
        resident=kinds["resident"],
        cell_km=round(CELL_DEG * 111.32, 1),
        areas=[AreaCount.model_validate(a) for a in areas_of(rows)],
    )


# ---- the agency: reviewing registrations -------------------------------------------------------------------
class AccessOut(BaseModel):
    review: bool = Field(..., description="May review registrations (cameras:manage).")
    footage: bool = Field(..., description="May request footage from owners (footage:export).")


@router.get("/access", response_model=AccessOut)
async def access(user: CurrentUser) -> AccessOut:
    """What the signed-in user may do in the program, so the page shows only that."""
    return AccessOut(
        review=can(user.role, Permission.CAMERAS_MANAGE), footage=can(user.role, Permission.FOOTAGE_EXPORT)
    )


class RegistrationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    agency_id: str
    status: str = Field(..., description="pending_confirmation, confirmed, approved or rejected.")
    kind: str
    label: str | None
    address: str | None
    lat: float
    lon: float
    heading_deg: float | None
    fov_deg: float | None
    range_m: float | None
    contact_name: str
    email: str
    phone: str
    sharing: str
    public_count: bool
    created_at: datetime
    confirmed_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    camera_id: str | None


@router.get("/registrations", response_model=list[RegistrationOut])
async def list_registrations(
    ctx: Ctx,
    user: Reviewer,
    status_: Annotated[
        Literal["pending_confirmation", "confirmed", "approved", "rejected"] | None,
        Query(alias="status", description="Only registrations in this state."),
    ] = None,
) -> list[RegistrationOut]:
    """The agency's registrations, newest first (``status=confirmed``: those waiting for review)."""
    regs = await asyncio.to_thread(ctx.community.store.registrations, user.agency_id, status_)
    return [RegistrationOut.model_validate(r) for r in regs]


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=500)


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=1, max_length=500, description="Why, as the owner will read it.")

    @field_validator("reason")
    @classmethod
    def _said(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("say why the registration is rejected")
        return v.strip()


async def _reviewable(ctx: Ctx, user: User, registration_id: str) -> Registration:
    reg = await asyncio.to_thread(ctx.community.store.registration, registration_id)
    if reg is None or reg.agency_id != user.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no registration {registration_id!r}")
    if reg.status != "confirmed":
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"registration {registration_id} is {reg.status.replace('_', ' ')}: only a confirmed "
            "registration can be reviewed",
        )
    return reg


@router.post("/registrations/{registration_id}/approve", response_model=RegistrationOut)
async def approve_registration(
    registration_id: str, body: ApproveIn, request: Request, ctx: Ctx, user: Reviewer
) -> RegistrationOut:
    """Approve a confirmed registration: the camera joins the registry (on the map and in the cameras that
    can see a place) as a business or resident camera with its owner and sharing terms."""
    await _reviewable(ctx, user, registration_id)
    reg = await asyncio.to_thread(
        ctx.community.store.approve,
        registration_id,
        user.agency_id,
        by=user.username,
        note=_text(body.note),
        now=datetime.now(UTC),
    )
    if reg is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"registration {registration_id} was reviewed meanwhile"
        )
    await audit_action(
        ctx,
        user,
        request,
        action="community.approve",
        resource=f"community/registration/{reg.id}",
        detail={"camera_id": reg.camera_id, "kind": reg.kind, "sharing": reg.sharing},
    )
    await asyncio.to_thread(ctx.community.tell_owner_reviewed, reg)
    return RegistrationOut.model_validate(reg)


@router.post("/registrations/{registration_id}/reject", response_model=RegistrationOut)
async def reject_registration(
    registration_id: str, body: RejectIn, request: Request, ctx: Ctx, user: Reviewer
) -> RegistrationOut:
    """Reject a confirmed registration, saying why (the owner is told)."""
    await _reviewable(ctx, user, registration_id)
    reg = await asyncio.to_thread(
        ctx.community.store.reject,
        registration_id,
        user.agency_id,
        by=user.username,
        reason=body.reason,
        now=datetime.now(UTC),
    )
    if reg is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"registration {registration_id} was reviewed meanwhile"
        )
    await audit_action(
        ctx,
        user,
        request,
        action="community.reject",
        resource=f"community/registration/{reg.id}",
        detail={"reason": body.reason},
    )
    await asyncio.to_thread(ctx.community.tell_owner_reviewed, reg)
    return RegistrationOut.model_validate(reg)


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
        ctx.community.store.respond, fr.id, accept=body.accept, note=_text(body.note), now=datetime.now(UTC)
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

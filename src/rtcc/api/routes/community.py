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
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from rtcc.api.deps import Ctx, CurrentUser, audit_action, client_ip, require
from rtcc.api.parts.community import (
    CELL_DEG,
    CONFIRM_LINK_DAYS,
    POSTS_PER_ADDRESS_PER_10_MIN,
    REGISTRATIONS_PER_ADDRESS_PER_HOUR,
    SHARING_TERMS,
    UNCONFIRMED_PER_EMAIL_PER_DAY,
    CommunityPart,
    areas_of,
)
from rtcc.api.routes import community_footage
from rtcc.api.routes.basemap import fitting_zoom, street_map
from rtcc.api.routes.community_common import optional_text, refuse
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission, can
from rtcc.storage.community import Registration
from rtcc.storage.mail import MailNotSent

router = APIRouter(prefix="/api/v1/community", tags=["community"])
Reviewer = Annotated[User, Depends(require(Permission.CAMERAS_MANAGE))]

EMAIL = re.compile(r"^[^@\s<>(),;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")


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
    def _optionaloptional_text(cls, v: str | None) -> str | None:
        return optional_text(v)


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
        note=optional_text(body.note),
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


# Footage requests: the investigator asks, the owner answers and uploads (their own module).
router.include_router(community_footage.router)

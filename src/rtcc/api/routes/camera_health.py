"""Camera health, maintenance and credentials routes.

Health (up/down, why, since when, uptime over 24 hours, 7 days and 30 days) and the maintenance list are
read with live:read; maintenance notes and stored credentials are changed with cameras:manage. A
credential goes in and never comes out: answers say only whether one is stored.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from rtcc.api.deps import Ctx, audit_action, require
from rtcc.domain.entities import Camera, User
from rtcc.domain.roles import Permission
from rtcc.domain.sharing import SharingKind
from rtcc.domain.vocab import HealthState
from rtcc.engines.camera_health import condition_of, uptime
from rtcc.storage.camera_credentials import Credential
from rtcc.storage.camera_health import StatusChange

router = APIRouter(prefix="/api/v1", tags=["camera-health"])
Reader = Annotated[User, Depends(require(Permission.LIVE_READ))]
Manager = Annotated[User, Depends(require(Permission.CAMERAS_MANAGE))]

WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


class UptimeOut(BaseModel):
    percent: float | None = Field(description="Share of the observed time the camera was up; null if none.")
    up_s: float = Field(description="Seconds up within the window.")
    observed_s: float = Field(description="Seconds of the window with a known status.")


class ChangeOut(BaseModel):
    status: HealthState
    condition: str | None
    reason: str | None
    at: datetime


class CameraHealthOut(BaseModel):
    camera_id: str
    name: str
    kind: str
    status: HealthState
    condition: str | None = Field(
        description="Why it is down: unreachable, frozen, black, covered, no_heartbeat or reported."
    )
    reason: str | None
    since: datetime | None = Field(description="When the camera's status last changed.")
    credentials_stored: bool
    uptime: dict[str, UptimeOut] = Field(description="By window: 24h, 7d, 30d.")
    history: list[ChangeOut] | None = None


class MaintenanceOut(BaseModel):
    camera_id: str
    name: str
    kind: str
    lat: float
    lon: float
    down_since: datetime | None
    condition: str | None
    reason: str | None
    note: str | None
    ticket: str | None
    note_by: str | None
    note_at: datetime | None


class MaintenanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=1000, description="What is wrong, what was done, who to call.")
    ticket: str | None = Field(None, max_length=100, description="The repair ticket's number.")


class CredentialsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(..., min_length=1, max_length=200)
    password: str = Field(..., max_length=500)


class CredentialsOut(BaseModel):
    camera_id: str
    credentials_stored: bool


async def _visible_camera(ctx: Ctx, user: User, camera_id: str, *, own: bool = False) -> Camera:
    """The camera, when the user's agency may see it (``own``: when it is the user's agency's)."""
    camera = await asyncio.to_thread(ctx.live.camera, camera_id)
    if camera is not None and not own:
        visible = await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, SharingKind.LIVE)
        if camera.agency_id in visible:
            return camera
    if camera is None or camera.agency_id != user.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no camera {camera_id!r}")
    return camera


def _health(
    camera: Camera,
    changes: list[StatusChange],
    stored: bool,
    now: datetime,
) -> CameraHealthOut:
    points = [(c.at, c.status) for c in changes]
    figures = {}
    for name, span in WINDOWS.items():
        u = uptime(points, camera.status, now - span, now)
        figures[name] = UptimeOut(percent=u.percent, up_s=round(u.up_s, 1), observed_s=round(u.observed_s, 1))
    return CameraHealthOut(
        camera_id=camera.id,
        name=camera.name,
        kind=camera.kind.value,
        status=camera.status,
        condition=condition_of(camera.status, camera.status_reason),
        reason=camera.status_reason,
        since=camera.status_changed_at,
        credentials_stored=stored,
        uptime=figures,
    )


@router.get("/camera-health", response_model=list[CameraHealthOut])
async def camera_health_list(
    ctx: Ctx,
    user: Reader,
    state: Annotated[
        HealthState | None, Query(alias="status", description="Only cameras up or down.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[CameraHealthOut]:
    """Each camera's status, why, since when, and its uptime over 24 hours, 7 days and 30 days."""
    visible = await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, SharingKind.LIVE)
    cams = await asyncio.to_thread(ctx.live.cameras, agency_ids=list(visible), limit=50_000)
    cams = [c for c in cams if state is None or c.status is state][:limit]
    now = datetime.now(UTC)
    ids = [c.id for c in cams]
    changes = await asyncio.to_thread(ctx.camera_health.history.changes, ids, now - max(WINDOWS.values()))
    stored = await asyncio.to_thread(ctx.camera_health.credentials.has, ids)
    return [_health(c, changes.get(c.id, []), c.id in stored, now) for c in cams]


@router.get("/camera-health/{camera_id}", response_model=CameraHealthOut)
async def camera_health_one(camera_id: str, ctx: Ctx, user: Reader) -> CameraHealthOut:
    """One camera's health with its recent changes of status, newest first."""
    camera = await _visible_camera(ctx, user, camera_id)
    now = datetime.now(UTC)
    changes = await asyncio.to_thread(
        ctx.camera_health.history.changes, [camera.id], now - max(WINDOWS.values())
    )
    stored = await asyncio.to_thread(ctx.camera_health.credentials.has, [camera.id])
    out = _health(camera, changes.get(camera.id, []), camera.id in stored, now)
    recent = await asyncio.to_thread(ctx.camera_health.history.recent, camera.id)
    out.history = [
        ChangeOut(status=c.status, condition=c.condition, reason=c.reason, at=c.at) for c in recent
    ]
    return out


@router.get("/camera-maintenance", response_model=list[MaintenanceOut])
async def camera_maintenance_list(ctx: Ctx, user: Reader) -> list[MaintenanceOut]:
    """The cameras down now, longest down first: since when, why, and the note and ticket set on each."""
    visible = await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, SharingKind.LIVE)
    entries = await asyncio.to_thread(ctx.camera_health.history.maintenance, list(visible))
    return [
        MaintenanceOut(
            camera_id=e.camera_id,
            name=e.name,
            kind=e.kind,
            lat=e.lat,
            lon=e.lon,
            down_since=e.down_since,
            condition=e.condition or condition_of(HealthState.DOWN, e.reason),
            reason=e.reason,
            note=e.note,
            ticket=e.ticket,
            note_by=e.note_by,
            note_at=e.note_at,
        )
        for e in entries
    ]


@router.put("/camera-maintenance/{camera_id}")
async def camera_maintenance_note(
    camera_id: str, body: MaintenanceIn, request: Request, ctx: Ctx, user: Manager
) -> dict[str, str | None]:
    """Set (or clear, with nulls) the maintenance note and ticket number of one of the agency's cameras."""
    camera = await _visible_camera(ctx, user, camera_id, own=True)
    note = body.note.strip() if body.note and body.note.strip() else None
    ticket = body.ticket.strip() if body.ticket and body.ticket.strip() else None
    await asyncio.to_thread(
        ctx.camera_health.history.set_note, camera.id, camera.agency_id, note, ticket, by=user.username
    )
    await audit_action(
        ctx,
        user,
        request,
        action="camera.maintenance",
        resource=f"camera/{camera.id}",
        detail={"camera_id": camera.id, "note": note, "ticket": ticket},
    )
    return {"camera_id": camera.id, "note": note, "ticket": ticket}


@router.put("/cameras/{camera_id}/credentials", response_model=CredentialsOut)
async def camera_credentials_set(
    camera_id: str, body: CredentialsIn, request: Request, ctx: Ctx, user: Manager
) -> CredentialsOut:
    """Store the user name and password the server uses to reach one of the agency's cameras, sealed."""
    camera = await _visible_camera(ctx, user, camera_id, own=True)
    await asyncio.to_thread(
        ctx.camera_health.credentials.save,
        camera.id,
        camera.agency_id,
        Credential(body.username, body.password),
        by=user.username,
    )
    await _audit_credentials(ctx, user, request, camera.id, "set")
    return CredentialsOut(camera_id=camera.id, credentials_stored=True)


@router.delete("/cameras/{camera_id}/credentials", response_model=CredentialsOut)
async def camera_credentials_clear(
    camera_id: str, request: Request, ctx: Ctx, user: Manager
) -> CredentialsOut:
    """Forget the stored credentials of one of the agency's cameras."""
    camera = await _visible_camera(ctx, user, camera_id, own=True)
    await asyncio.to_thread(ctx.camera_health.credentials.clear, camera.id)
    await _audit_credentials(ctx, user, request, camera.id, "cleared")
    return CredentialsOut(camera_id=camera.id, credentials_stored=False)


async def _audit_credentials(
    ctx: Ctx, user: User, request: Request, camera_id: str, change: Literal["set", "cleared"]
) -> None:
    # Which camera and what was done; never the user name or password.
    await audit_action(
        ctx,
        user,
        request,
        action="camera.credentials",
        resource=f"camera/{camera_id}",
        detail={"camera_id": camera_id, "change": change},
    )

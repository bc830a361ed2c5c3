"""The officer's field view: the unit they ride, the call it is on with its brief, bulletins from the center
(delivered when fetched, read when the officer says so), nearby cameras, and new calls close by."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from rtcc.api.deps import Ctx, audit_action, require
from rtcc.api.routes.calls import BulletinOut, brief_of, bulletin_out
from rtcc.api.routes.live import cameras_seeing
from rtcc.domain.cad import CadIncident
from rtcc.domain.entities import Call, Unit, User
from rtcc.domain.roles import Permission
from rtcc.domain.threat import ThreatBrief
from rtcc.storage.cad import open_call_for_unit

router = APIRouter(prefix="/api/v1/field", tags=["field"])
Officer = Annotated[User, Depends(require(Permission.FIELD))]

# Calls the unit was told about that are still open, from the last hours (a cleared call drops off).
NOTICE_WINDOW = timedelta(hours=2)
CAMERA_RADIUS_M = 300.0


class SignOnIn(BaseModel):
    unit_id: str = Field(..., min_length=1, max_length=64)


class NearbyCall(BaseModel):
    call: Call
    distance_m: float
    noticed_at: datetime


class NearbyCamera(BaseModel):
    camera_id: str
    name: str
    kind: str
    status: str
    distance_m: float
    has_snapshot: bool = Field(
        False, description="Whether a picture can be fetched from its snapshot address."
    )


class FieldView(BaseModel):
    unit_id: str | None = Field(..., description="The unit this officer rides; null until signed on to one.")
    unit: Unit | None
    call: CadIncident | None
    brief: ThreatBrief | None
    bulletins: list[BulletinOut]
    cameras: list[NearbyCamera]
    nearby_calls: list[NearbyCall]


@router.post("/sign-on", status_code=status.HTTP_204_NO_CONTENT)
async def sign_on(body: SignOnIn, request: Request, ctx: Ctx, user: Officer) -> None:
    await asyncio.to_thread(ctx.field_store.sign_on, user.id, user.agency_id, body.unit_id, datetime.now(UTC))
    await audit_action(ctx, user, request, action="field.sign_on", resource=f"unit {body.unit_id}")


async def _unit_of(ctx: Ctx, user: User) -> str:
    unit_id = await asyncio.to_thread(ctx.field_store.unit_of, user.id)
    if unit_id is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="sign on to a unit first (POST /api/v1/field/sign-on)"
        )
    return unit_id


@router.get("", response_model=FieldView)
async def field_view(request: Request, ctx: Ctx, user: Officer) -> FieldView:
    unit_id = await asyncio.to_thread(ctx.field_store.unit_of, user.id)
    if unit_id is None:
        # Not signed on yet is the normal state at the start of a shift, not an error.
        return FieldView(
            unit_id=None, unit=None, call=None, brief=None, bulletins=[], cameras=[], nearby_calls=[]
        )
    now = datetime.now(UTC)
    units = await asyncio.to_thread(ctx.live.units, agency_id=user.agency_id)
    unit = next((u for u in units if u.unit_id == unit_id), None)
    call_id = await asyncio.to_thread(
        open_call_for_unit, ctx.db, user.agency_id, unit_id, unit.incident_id if unit else None
    )
    call = await asyncio.to_thread(ctx.cad.get, user.agency_id, call_id) if call_id else None
    brief = await brief_of(ctx, user, request, call) if call is not None else None
    await asyncio.to_thread(ctx.field_store.deliver_waiting, unit_id, user.username, now)
    bulletins = await asyncio.to_thread(ctx.field_store.for_unit, user.agency_id, unit_id)
    cameras: list[NearbyCamera] = []
    if call is not None and call.lat is not None and call.lon is not None:
        found = await asyncio.to_thread(
            cameras_seeing, ctx, user.agency_id, call.lat, call.lon, CAMERA_RADIUS_M
        )
        cameras = [
            NearbyCamera(
                camera_id=s.camera.id,
                name=s.camera.name,
                kind=s.camera.kind.value,
                status=s.camera.status.value,
                distance_m=s.distance_m,
                has_snapshot=bool(s.camera.snapshot_url),
            )
            for s in found
        ]
        cameras.sort(key=lambda c: c.distance_m)
    notices = await asyncio.to_thread(ctx.field_store.notices, user.agency_id, unit_id, now - NOTICE_WINDOW)
    calls = {
        c.call_id: c for c in await asyncio.to_thread(ctx.live.calls, agency_id=user.agency_id, limit=500)
    }
    nearby = [
        NearbyCall(call=calls[n.call_id], distance_m=n.distance_m, noticed_at=n.at)
        for n in notices
        if n.call_id in calls and n.call_id != call_id and calls[n.call_id].status.value != "cleared"
    ]
    return FieldView(
        unit_id=unit_id,
        unit=unit,
        call=call,
        brief=brief,
        bulletins=[bulletin_out(b) for b in bulletins],
        cameras=cameras,
        nearby_calls=nearby,
    )


@router.post("/bulletins/{bulletin_id}/read", response_model=BulletinOut)
async def read_bulletin(bulletin_id: str, ctx: Ctx, user: Officer) -> BulletinOut:
    unit_id = await _unit_of(ctx, user)
    ok = await asyncio.to_thread(
        ctx.field_store.mark_read, unit_id, bulletin_id, user.username, datetime.now(UTC)
    )
    bulletin = await asyncio.to_thread(ctx.field_store.bulletin, bulletin_id)
    if not ok or bulletin is None or bulletin.agency_id != user.agency_id:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no bulletin {bulletin_id!r} for unit {unit_id}"
        )
    return bulletin_out(bulletin)

"""The live picture: current calls, units, cameras, sensors, drones and alerts of the user's agency."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from rtcc.api.context import AppContext
from rtcc.api.deps import Ctx, note_shared_access, require
from rtcc.domain.entities import Call, Camera, Drone, Unit, User
from rtcc.domain.roles import Permission
from rtcc.domain.sharing import SharingKind
from rtcc.engines.camera_sight import CameraSight

router = APIRouter(prefix="/api/v1", tags=["live"])
LiveReader = Annotated[User, Depends(require(Permission.LIVE_READ))]


async def visible(ctx: Ctx, user: User) -> list[str]:
    """The user's agency and those sharing their live picture with it."""
    return await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, SharingKind.LIVE)


@router.get("/calls", response_model=list[Call])
async def list_calls(
    request: Request,
    ctx: Ctx,
    user: LiveReader,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[Call]:
    rows = await asyncio.to_thread(
        ctx.live.calls, agency_ids=await visible(ctx, user), open_only=open_only, limit=limit
    )
    await note_shared_access(ctx, user, request, (r.agency_id for r in rows), "calls")
    return rows


@router.get("/units", response_model=list[Unit])
async def list_units(request: Request, ctx: Ctx, user: LiveReader) -> list[Unit]:
    rows = await asyncio.to_thread(ctx.live.units, agency_ids=await visible(ctx, user))
    await note_shared_access(ctx, user, request, (r.agency_id for r in rows), "units")
    return rows


@router.get("/cameras", response_model=list[Camera])
async def list_cameras(request: Request, ctx: Ctx, user: LiveReader) -> list[Camera]:
    rows = await asyncio.to_thread(ctx.live.cameras, agency_ids=await visible(ctx, user))
    await note_shared_access(ctx, user, request, (r.agency_id for r in rows), "cameras")
    return rows


@router.get("/drones", response_model=list[Drone])
async def list_drones(request: Request, ctx: Ctx, user: LiveReader) -> list[Drone]:
    rows = await asyncio.to_thread(ctx.live.drones, agency_ids=await visible(ctx, user))
    await note_shared_access(ctx, user, request, (r.agency_id for r in rows), "drones")
    return rows


class CameraSightOut(BaseModel):
    camera: Camera
    distance_m: float
    bearing_deg: float = Field(..., description="From the camera to the place, clockwise from north.")
    view: str = Field(..., description="in_view, unknown (orientation not on record) or out_of_view.")
    pan_deg: float | None = Field(
        None, description="For a pan-tilt-zoom camera: the pan to look at the place."
    )
    tilt_deg: float | None = Field(None, description="Negative looks down.")


@router.get("/cameras/near", response_model=list[CameraSightOut])
async def cameras_near(
    ctx: Ctx,
    user: LiveReader,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    radius_m: Annotated[float, Query(gt=0, le=5000)] = 300.0,
) -> list[CameraSightOut]:
    """The cameras that can see a place: in view first (with pan and tilt for PTZ cameras), nearest first."""
    found = await asyncio.to_thread(cameras_seeing, ctx, user.agency_id, lat, lon, radius_m)
    return [
        CameraSightOut(
            camera=s.camera,
            distance_m=s.distance_m,
            bearing_deg=s.bearing_deg,
            view=s.view,
            pan_deg=s.pan_deg,
            tilt_deg=s.tilt_deg,
        )
        for s in found
    ]


def cameras_seeing(
    ctx: AppContext, agency_id: str, lat: float, lon: float, radius_m: float
) -> list[CameraSight]:
    """The agency's cameras within radius_m of the place, ranked as cameras_that_see ranks them, found by
    the in-memory camera index and shown as the registry has them now."""
    sights = ctx.camera_index().sights(lat, lon, radius_m, (agency_id,))
    cameras = ctx.live.cameras_by_id([s.camera_id for s in sights])
    return [
        CameraSight(cameras[s.camera_id], s.distance_m, s.bearing_deg, s.view, s.pan_deg, s.tilt_deg)
        for s in sights
        if s.camera_id in cameras  # removed a moment ago
    ]

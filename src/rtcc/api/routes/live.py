"""The live picture: current calls, units, cameras, sensors, drones and alerts of the user's agency."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from rtcc.api.deps import Ctx, require
from rtcc.domain.entities import Call, Camera, Drone, Unit, User
from rtcc.domain.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["live"])
LiveReader = Annotated[User, Depends(require(Permission.LIVE_READ))]


@router.get("/calls", response_model=list[Call])
async def list_calls(
    ctx: Ctx, user: LiveReader, open_only: bool = False, limit: Annotated[int, Query(ge=1, le=5000)] = 500
) -> list[Call]:
    return await asyncio.to_thread(ctx.live.calls, agency_id=user.agency_id, open_only=open_only, limit=limit)


@router.get("/units", response_model=list[Unit])
async def list_units(ctx: Ctx, user: LiveReader) -> list[Unit]:
    return await asyncio.to_thread(ctx.live.units, agency_id=user.agency_id)


@router.get("/cameras", response_model=list[Camera])
async def list_cameras(ctx: Ctx, user: LiveReader) -> list[Camera]:
    return await asyncio.to_thread(ctx.live.cameras, agency_id=user.agency_id)


@router.get("/drones", response_model=list[Drone])
async def list_drones(ctx: Ctx, user: LiveReader) -> list[Drone]:
    return await asyncio.to_thread(ctx.live.drones, agency_id=user.agency_id)

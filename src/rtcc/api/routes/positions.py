"""Operator positions (the desks or booths of the center): who sits where, and how many open alerts wait at
each. Taking and leaving a position is audited and announced on the live stream (position.changed)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field, StringConstraints

from rtcc.api.announce import announce
from rtcc.api.deps import Ctx, audit_action, require, require_any
from rtcc.domain.entities import User
from rtcc.domain.events import POSITION_CHANGED, PositionChanged
from rtcc.domain.roles import Permission, can
from rtcc.storage.positions import Position, PositionNameTaken

router = APIRouter(prefix="/api/v1/positions", tags=["positions"])
LiveReader = Annotated[User, Depends(require(Permission.LIVE_READ))]
Admin = Annotated[User, Depends(require(Permission.USERS_MANAGE))]
Desk = Annotated[User, Depends(require(Permission.ALERTS_RESOLVE))]
# The occupant leaves by themselves; an administrator may free a position someone left without signing out.
Releaser = Annotated[User, Depends(require_any(Permission.ALERTS_RESOLVE, Permission.USERS_MANAGE))]


class PositionOut(BaseModel):
    id: str
    name: str
    description: str | None
    occupant: str | None = Field(..., description="Username of who holds the position; null when free.")
    occupant_since: datetime | None
    open_alerts: int = Field(..., description="Alerts routed here that are new or acknowledged.")


class PositionIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    description: str | None = Field(None, max_length=500)


class SignInIn(BaseModel):
    take_over: bool = Field(False, description="Take the position even though someone else holds it.")


def position_out(p: Position) -> PositionOut:
    return PositionOut(
        id=p.id,
        name=p.name,
        description=p.description,
        occupant=p.occupant,
        occupant_since=p.occupant_since,
        open_alerts=p.open_alerts,
    )


async def _announce(ctx: Ctx, p: Position) -> None:
    payload = PositionChanged(position_id=p.id, name=p.name, occupant=p.occupant)
    await announce(ctx, p.agency_id, POSITION_CHANGED, payload)


async def _own_position(ctx: Ctx, user: User, position_id: str) -> Position:
    position = await asyncio.to_thread(ctx.positions.get, user.agency_id, position_id)
    if position is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no position {position_id!r}")
    return position


@router.get("", response_model=list[PositionOut])
async def list_positions(ctx: Ctx, user: LiveReader) -> list[PositionOut]:
    return [position_out(p) for p in await asyncio.to_thread(ctx.positions.for_agency, user.agency_id)]


@router.post("", response_model=PositionOut, status_code=status.HTTP_201_CREATED)
async def create_position(body: PositionIn, request: Request, ctx: Ctx, user: Admin) -> PositionOut:
    try:
        created = await asyncio.to_thread(
            ctx.positions.create, user.agency_id, body.name, body.description, datetime.now(UTC)
        )
    except PositionNameTaken:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"name: the agency already has a position {body.name!r}"
        ) from None
    await audit_action(
        ctx,
        user,
        request,
        action="position.create",
        resource=f"position/{created.id}",
        detail={"name": created.name},
    )
    await _announce(ctx, created)
    return position_out(created)


@router.post("/{position_id}/sign-in", response_model=PositionOut)
async def sign_in(
    position_id: str, request: Request, ctx: Ctx, user: Desk, body: SignInIn | None = None
) -> PositionOut:
    """Take the position. A person holds one position: the one held before is released. A position someone
    else holds is refused (409, naming them) unless ``take_over`` is true."""
    position = await _own_position(ctx, user, position_id)
    take_over = body.take_over if body is not None else False
    result = await asyncio.to_thread(
        ctx.positions.sign_in,
        user.agency_id,
        position_id,
        user.username,
        datetime.now(UTC),
        take_over=take_over,
    )
    if result is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no position {position_id!r}")
    if result.position is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"{position.name} is held by {result.holder}; send take_over: true to take it over",
        )
    if result.changed:
        detail = {
            "position": position.name,
            "took_over_from": result.displaced,
            "left": result.released.name if result.released else None,
        }
        await audit_action(
            ctx, user, request, action="position.sign_in", resource=f"position/{position_id}", detail=detail
        )
        if result.released is not None:
            await _announce(ctx, result.released)
        await _announce(ctx, result.position)
    return position_out(await _own_position(ctx, user, position_id))


@router.post("/{position_id}/sign-out", response_model=PositionOut)
async def sign_out(position_id: str, request: Request, ctx: Ctx, user: Releaser) -> PositionOut:
    """Leave the position. Only its occupant, or someone who manages users, may sign it out."""
    position = await _own_position(ctx, user, position_id)
    occupant = position.occupant
    if occupant is None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"nobody holds {position.name}")
    if occupant != user.username and not can(user.role, Permission.USERS_MANAGE):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"{position.name} is held by {occupant}; only they or an administrator can sign out of it",
        )
    if not await asyncio.to_thread(ctx.positions.release, user.agency_id, position_id, occupant):
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"{position.name} changed hands meanwhile; look again"
        )
    detail = {"position": position.name, "occupant": occupant}
    await audit_action(
        ctx, user, request, action="position.sign_out", resource=f"position/{position_id}", detail=detail
    )
    released = await _own_position(ctx, user, position_id)
    await _announce(ctx, released)
    return position_out(released)

"""The event history, for investigators going back in time. Filtered to what the role may read."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from rtcc.api.deps import Ctx, note_shared_access, require, require_stated_purpose
from rtcc.domain.entities import User
from rtcc.domain.events import Event
from rtcc.domain.roles import Permission, may_read_type
from rtcc.domain.sharing import SharingKind

router = APIRouter(prefix="/api/v1/events", tags=["events"])

# Event types whose search must state a purpose and a case number.
SEARCH_NEEDS_PURPOSE = ("alpr.",)


@router.get("", response_model=list[Event])
async def list_events(
    request: Request,
    ctx: Ctx,
    user: Annotated[User, Depends(require(Permission.EVENTS_READ))],
    type: Annotated[
        list[str] | None, Query(description="Event types, e.g. alpr.read; repeat for several.")
    ] = None,
    source_id: Annotated[str | None, Query(description="Only this source's events.")] = None,
    after_seq: Annotated[
        int | None, Query(ge=0, description="Only events stored after this sequence number.")
    ] = None,
    occurred_from: Annotated[datetime | None, Query(description="Earliest occurred_at (inclusive).")] = None,
    occurred_to: Annotated[datetime | None, Query(description="Latest occurred_at (exclusive).")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    newest_first: bool = False,
) -> list[Event]:
    types = type or []
    refused = [t for t in types if not may_read_type(user.role, t)]
    if refused:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=f"role {user.role.value} may not read {', '.join(refused)}"
        )
    if any(t.startswith(SEARCH_NEEDS_PURPOSE) for t in types) or (
        not types and may_read_type(user.role, "alpr.read")
    ):
        require_stated_purpose(request, "search plate reads")
    for bound in (occurred_from, occurred_to):
        if bound is not None and bound.tzinfo is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, detail="times need a UTC offset, e.g. Z"
            )
    events = await asyncio.to_thread(
        ctx.events.query,
        types=types,
        source_id=source_id,
        after_seq=after_seq,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        limit=limit,
        newest_first=newest_first,
        agency_ids=await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, _kind_of(types)),
    )
    # Without a type filter, leave out what the role may not read rather than refusing the whole query.
    found = [e for e in events if may_read_type(user.role, e.type)]
    await note_shared_access(ctx, user, request, (e.agency_id for e in found), "events")
    return found


def _kind_of(types: list[str]) -> SharingKind | None:
    """Plate reads are shared only under an agreement that names them; other history under one for events.
    A search mixing both, or naming no type, sees only the agency's own history."""
    if types and all(t.startswith(SEARCH_NEEDS_PURPOSE) for t in types):
        return SharingKind.PLATES
    if types and not any(t.startswith(SEARCH_NEEDS_PURPOSE) for t in types):
        return SharingKind.EVENTS
    return None

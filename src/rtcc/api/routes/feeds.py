"""Feeds: sources with their counters and health, dead letters, and creating a source (admin)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field, ValidationError

from rtcc.api.deps import Ctx, audit_action, require
from rtcc.domain.entities import Source, User
from rtcc.domain.roles import Permission, Role
from rtcc.ingest.adapter import FeedStats

router = APIRouter(prefix="/api/v1", tags=["feeds"])
FeedReader = Annotated[User, Depends(require(Permission.FEEDS_READ))]
FeedManager = Annotated[User, Depends(require(Permission.FEEDS_MANAGE))]


class FeedStatus(BaseModel):
    source_id: str
    name: str
    adapter: str
    arrived: int = Field(..., description="Items received: accepted + rejected + duplicates.")
    accepted: int
    rejected: int
    duplicates: int
    last_received_at: datetime | None
    health: str
    health_detail: str


class DeadLetterOut(BaseModel):
    id: int
    received_at: datetime
    source_id: str | None
    transport: str
    item_index: int | None
    errors: list[dict[str, str]]
    raw: str


class SourceCreate(BaseModel):
    name: str = Field(..., min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    adapter: str = Field(..., description="Feed adapter name, e.g. native, avl, alpr, acoustic.")
    config: dict[str, Any] = Field(default_factory=dict)


class SourceCreated(BaseModel):
    source: Source
    api_key: str = Field(..., description="Shown once. Stored only as a hash.")


def feed_statuses(ctx: Ctx, agency_id: str) -> list[FeedStatus]:
    counts = {c.source_id: c for c in ctx.events.feed_counts()}
    now = datetime.now(UTC)
    out = []
    for src in ctx.accounts.list_sources():
        if src.agency_id != agency_id:
            continue
        c = counts.get(src.id)
        stats = FeedStats(
            c.accepted if c else 0,
            c.rejected if c else 0,
            c.duplicates if c else 0,
            c.last_received_at if c else None,
        )
        try:
            ctx_src = ctx.ingest.context(src)
            health = ctx_src.adapter.health(stats, now, ctx_src.config)
            state, detail = health.status, health.detail
        except (KeyError, ValidationError) as exc:
            state, detail = "misconfigured", str(exc)
        out.append(
            FeedStatus(
                source_id=src.id,
                name=src.name,
                adapter=src.adapter,
                arrived=stats.accepted + stats.rejected + stats.duplicates,
                accepted=stats.accepted,
                rejected=stats.rejected,
                duplicates=stats.duplicates,
                last_received_at=stats.last_received_at,
                health=state,
                health_detail=detail,
            )
        )
    return out


@router.get("/feeds", response_model=list[FeedStatus])
async def list_feeds(ctx: Ctx, user: FeedReader) -> list[FeedStatus]:
    return await asyncio.to_thread(feed_statuses, ctx, user.agency_id)


@router.get("/deadletters", response_model=list[DeadLetterOut])
async def list_dead_letters(
    ctx: Ctx,
    user: FeedReader,
    source_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeadLetterOut]:
    """Refused items of the user's agency's sources. Items refused before any source was known (an unknown
    API key, a topic with no source) are shown to administrators and auditors only."""
    own = {s.id for s in await asyncio.to_thread(ctx.accounts.list_sources) if s.agency_id == user.agency_id}
    if source_id is not None and source_id not in own:
        return []
    see_unowned = user.role in (Role.ADMIN, Role.AUDITOR)
    rows = await asyncio.to_thread(
        ctx.events.dead_letters,
        source_ids=[source_id] if source_id else sorted(own),
        unowned=see_unowned,
        limit=limit,
    )
    return [DeadLetterOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/sources", response_model=SourceCreated, status_code=201)
async def create_source(body: SourceCreate, request: Request, ctx: Ctx, user: FeedManager) -> SourceCreated:
    if body.adapter not in ctx.adapters:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"adapter: no feed adapter named {body.adapter!r} (installed: {', '.join(ctx.adapters.names())})",
        )
    try:
        ctx.adapters.get(body.adapter).load_config(body.config)
    except ValidationError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"config: {exc}") from None
    if await asyncio.to_thread(ctx.accounts.source_by_name, body.name):
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"name: a source named {body.name!r} exists")
    source, key = await asyncio.to_thread(
        ctx.accounts.create_source, user.agency_id, body.name, body.adapter, body.config
    )
    detail = {"name": body.name, "adapter": body.adapter}
    await audit_action(
        ctx, user, request, action="source.create", resource=f"source/{source.id}", detail=detail
    )
    return SourceCreated(source=source, api_key=key)

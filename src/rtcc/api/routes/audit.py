"""The audit log, for auditors. Reading it is itself audited (by the audit middleware, like every read)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel

from rtcc.api.deps import Ctx, require
from rtcc.domain.entities import AuditEntry, User
from rtcc.domain.roles import Permission

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Auditor = Annotated[User, Depends(require(Permission.AUDIT_READ))]


class ChainCheck(BaseModel):
    checked: int
    intact: bool
    problems: list[str]
    last_hash: str


@router.get("", response_model=list[AuditEntry])
async def list_audit(
    ctx: Ctx,
    user: Auditor,
    action: str | None = None,
    username: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> list[AuditEntry]:
    """Newest first: who did what, when, from where, with what outcome and purpose."""
    if since is not None and since.tzinfo is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="since: needs a UTC offset, e.g. Z")
    return await asyncio.to_thread(
        ctx.audit.entries,
        action=action,
        username=username,
        outcome=outcome,
        since=since,
        limit=limit,
        agency_scope=user.agency_id,  # an auditor audits their own agency
    )


@router.get("/verify", response_model=ChainCheck)
async def verify_chain(ctx: Ctx, user: Auditor) -> ChainCheck:
    """Check the whole chain: altered, removed or inserted entries are named."""
    report = await asyncio.to_thread(ctx.audit.verify)
    return ChainCheck(
        checked=report.checked, intact=report.intact, problems=report.problems, last_hash=report.last_hash
    )

"""Retention: the policies in force and what each run purged."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from rtcc.api.deps import Ctx, require
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission

router = APIRouter(prefix="/api/v1/retention", tags=["retention"])
Reporter = Annotated[User, Depends(require(Permission.REPORTS_READ))]


class PolicyOut(BaseModel):
    name: str
    keep_days: int
    description: str


class RunOut(BaseModel):
    ran_at: datetime
    policy: str
    keep_days: int
    cutoff: datetime
    purged: int
    kept_on_hold: int


class RetentionReport(BaseModel):
    policies: list[PolicyOut]
    runs: list[RunOut]


@router.get("", response_model=RetentionReport)
async def retention_report(
    ctx: Ctx, user: Reporter, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> RetentionReport:
    """The policies in force (the audit log is kept at least a year and is not among them) and the latest
    runs: when, under which policy, up to which date, how much was purged and how much kept on hold."""
    runs = await asyncio.to_thread(ctx.retention.report, limit)
    return RetentionReport(
        policies=[PolicyOut(**p.__dict__) for p in ctx.retention.policies],
        runs=[RunOut(**r.__dict__) for r in runs],
    )

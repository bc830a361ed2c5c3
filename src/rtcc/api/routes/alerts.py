"""Alerts: the queue, recording what each turned out to be, and precision reports per kind."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from rtcc.api.deps import Ctx, audit_action, note_shared_access, require
from rtcc.domain.alpr import CheckItem, CheckResult
from rtcc.domain.entities import Alert, User
from rtcc.domain.outcomes import Period, PeriodPrecision, precision_by_period
from rtcc.domain.roles import Permission
from rtcc.domain.sharing import SharingKind
from rtcc.domain.vocab import AlertOutcome, outcomes_for

router = APIRouter(prefix="/api/v1", tags=["alerts"])
LiveReader = Annotated[User, Depends(require(Permission.LIVE_READ))]
Resolver = Annotated[User, Depends(require(Permission.ALERTS_RESOLVE))]
Reporter = Annotated[User, Depends(require(Permission.REPORTS_READ))]


class OutcomeIn(BaseModel):
    outcome: AlertOutcome = Field(..., description="What the alert turned out to be.")
    note: str | None = Field(None, max_length=2000, description="What was found, e.g. casings recovered.")


class OutcomeReport(BaseModel):
    kind: str | None
    period: Period
    lines: list[PeriodPrecision]


@router.get("/alerts", response_model=list[Alert])
async def list_alerts(
    request: Request, ctx: Ctx, user: LiveReader, limit: Annotated[int, Query(ge=1, le=5000)] = 500
) -> list[Alert]:
    agencies = await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, SharingKind.LIVE)
    rows = await asyncio.to_thread(ctx.live.alerts, agency_ids=agencies, limit=limit)
    await note_shared_access(ctx, user, request, (r.agency_id for r in rows), "alerts")
    return rows


@router.get("/alerts/{alert_id}", response_model=Alert)
async def get_alert(alert_id: str, ctx: Ctx, user: LiveReader) -> Alert:
    alert = await asyncio.to_thread(ctx.live.alert, alert_id)
    if alert is None or alert.agency_id != user.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no alert {alert_id!r}")
    return alert


@router.post("/alerts/{alert_id}/outcome", response_model=Alert)
async def record_outcome(alert_id: str, body: OutcomeIn, request: Request, ctx: Ctx, user: Resolver) -> Alert:
    """Record what the alert turned out to be; it closes the alert. Every outcome is kept for the reports."""
    alert = await asyncio.to_thread(ctx.live.alert, alert_id)
    if alert is None or alert.agency_id != user.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no alert {alert_id!r}")
    allowed = outcomes_for(alert.kind)
    if body.outcome not in allowed:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"outcome: {body.outcome.value!r} does not fit a {alert.kind} alert; "
            f"use one of {', '.join(sorted(o.value for o in allowed))}",
        )
    if body.outcome is AlertOutcome.PLATE_CONFIRMED:
        # Verify before acting: a plate hit is confirmed only once each check has been made and matched.
        latest = await asyncio.to_thread(ctx.alert_checks.latest, alert_id)
        missing = [i.value for i in CheckItem if latest.get(i.value) != CheckResult.CONFIRMED.value]
        if missing:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"outcome: plate_confirmed needs each check confirmed first; not yet: {', '.join(missing)}",
            )
    now = datetime.now(UTC)
    await asyncio.to_thread(
        ctx.live.record_outcome, alert_id, body.outcome.value, user.username, body.note, now
    )
    detail = {"outcome": body.outcome.value, "note": body.note, "previous": alert.outcome}
    await audit_action(
        ctx, user, request, action="alert.outcome", resource=f"alert/{alert_id}", detail=detail
    )
    updated = await asyncio.to_thread(ctx.live.alert, alert_id)
    assert updated is not None
    return updated


@router.get("/reports/alert-outcomes", response_model=OutcomeReport)
async def alert_outcome_report(
    ctx: Ctx,
    user: Reporter,
    kind: Annotated[str | None, Query(description="Alert kind, e.g. gunshot; all kinds when absent.")] = None,
    period: Period = "month",
) -> OutcomeReport:
    """Per period: alerts raised, how many have a recorded outcome, how many were confirmed, and precision."""
    rows = await asyncio.to_thread(ctx.live.alert_outcomes, agency_id=user.agency_id, kind=kind)
    lines = precision_by_period(((raised_at, outcome) for _, raised_at, outcome in rows), period)
    return OutcomeReport(kind=kind, period=period, lines=lines)

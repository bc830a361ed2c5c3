"""Alerts: the queue, handling each (acknowledge, assign, dismiss), recording what each turned out to be,
and precision reports per kind. Every change is audited and announced on the live stream (alert.updated)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field, StringConstraints

from rtcc.api.announce import announce
from rtcc.api.deps import Ctx, audit_action, note_shared_access, require
from rtcc.domain.alpr import CheckItem, CheckResult
from rtcc.domain.entities import Alert, User
from rtcc.domain.events import ALERT_UPDATED, AlertUpdated
from rtcc.domain.outcomes import Period, PeriodPrecision, precision_by_period
from rtcc.domain.roles import Permission, can
from rtcc.domain.sharing import SharingKind
from rtcc.domain.vocab import AlertOutcome, outcomes_for

router = APIRouter(prefix="/api/v1", tags=["alerts"])
LiveReader = Annotated[User, Depends(require(Permission.LIVE_READ))]
Resolver = Annotated[User, Depends(require(Permission.ALERTS_RESOLVE))]
Reporter = Annotated[User, Depends(require(Permission.REPORTS_READ))]


class OutcomeIn(BaseModel):
    outcome: AlertOutcome = Field(..., description="What the alert turned out to be.")
    note: str | None = Field(None, max_length=2000, description="What was found, e.g. casings recovered.")


class AssignIn(BaseModel):
    """Each field given is set (null clears it); a field left out is kept. Give at least one."""

    username: str | None = Field(
        None, max_length=100, description="An enabled user of the agency who handles alerts."
    )
    position_id: str | None = Field(None, max_length=64, description="An operator position of the agency.")


class DismissIn(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)] = Field(
        ..., description="Why the alert is set aside without an outcome, e.g. duplicate of another alert."
    )


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


async def _own_alert(ctx: Ctx, user: User, alert_id: str) -> Alert:
    alert = await asyncio.to_thread(ctx.live.alert, alert_id)
    if alert is None or alert.agency_id != user.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no alert {alert_id!r}")
    return alert


async def _reload(ctx: Ctx, alert_id: str) -> Alert:
    alert = await asyncio.to_thread(ctx.live.alert, alert_id)
    assert alert is not None  # alerts are never deleted
    return alert


def _settled(alert: Alert) -> HTTPException | None:
    """The refusal for changing an alert that is no longer open, saying what became of it."""
    if alert.status == "closed":
        return HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"alert {alert.id!r} is closed: {alert.outcome_by} recorded the outcome {alert.outcome!r}",
        )
    if alert.status == "dismissed":
        return HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"alert {alert.id!r} was dismissed by {alert.dismissed_by}: {alert.dismissed_reason}",
        )
    return None


async def _announce(ctx: Ctx, alert: Alert, by: str) -> None:
    payload = AlertUpdated(
        alert_id=alert.id,
        status=alert.status,
        by=by,
        acknowledged_by=alert.acknowledged_by,
        assigned_to=alert.assigned_to,
        position_id=alert.position_id,
        outcome=alert.outcome,
        dismissed_reason=alert.dismissed_reason,
    )
    await announce(ctx, alert.agency_id, ALERT_UPDATED, payload, lat=alert.lat, lon=alert.lon)


@router.post("/alerts/{alert_id}/acknowledge", response_model=Alert)
async def acknowledge_alert(alert_id: str, request: Request, ctx: Ctx, user: Resolver) -> Alert:
    """Say the alert is seen and being dealt with. Acknowledging it again changes nothing."""
    alert = await _own_alert(ctx, user, alert_id)
    if alert.status == "acknowledged":
        return alert
    if (refusal := _settled(alert)) is not None:
        raise refusal
    done = await asyncio.to_thread(ctx.live.acknowledge, alert_id, user.username, datetime.now(UTC))
    updated = await _reload(ctx, alert_id)
    if not done:  # someone else acted on it between reading and writing
        if updated.status == "acknowledged":
            return updated
        raise _settled(updated) or HTTPException(status.HTTP_409_CONFLICT, detail="the alert changed")
    detail = {"previous": alert.status}
    await audit_action(
        ctx, user, request, action="alert.acknowledge", resource=f"alert/{alert_id}", detail=detail
    )
    await _announce(ctx, updated, user.username)
    return updated


@router.post("/alerts/{alert_id}/assign", response_model=Alert)
async def assign_alert(alert_id: str, body: AssignIn, request: Request, ctx: Ctx, user: Resolver) -> Alert:
    """Give the alert to a person (``username``) and/or route it to an operator position (``position_id``)."""
    alert = await _own_alert(ctx, user, alert_id)
    given = body.model_fields_set & {"username", "position_id"}
    if not given:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="username or position_id: give at least one"
        )
    values: dict[str, str | None] = {}
    if "username" in given:
        if body.username is not None:
            target = await asyncio.to_thread(ctx.accounts.get_user, body.username)
            if target is None or target.agency_id != user.agency_id or not target.active:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    detail=f"username: no enabled user {body.username!r} in your agency",
                )
            if not can(target.role, Permission.ALERTS_RESOLVE):
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    detail=f"username: {body.username!r} is {target.role.value}, a role that does not handle alerts",
                )
        values["assigned_to"] = body.username
    if "position_id" in given:
        if body.position_id is not None:
            position = await asyncio.to_thread(ctx.positions.get, user.agency_id, body.position_id)
            if position is None:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    detail=f"position_id: no position {body.position_id!r} in your agency",
                )
        values["position_id"] = body.position_id
    if (refusal := _settled(alert)) is not None:
        raise refusal
    if not await asyncio.to_thread(ctx.live.assign, alert_id, values):
        updated = await _reload(ctx, alert_id)
        raise _settled(updated) or HTTPException(status.HTTP_409_CONFLICT, detail="the alert changed")
    detail = {
        **values,
        "previous": {"assigned_to": alert.assigned_to, "position_id": alert.position_id},
    }
    await audit_action(ctx, user, request, action="alert.assign", resource=f"alert/{alert_id}", detail=detail)
    updated = await _reload(ctx, alert_id)
    await _announce(ctx, updated, user.username)
    return updated


@router.post("/alerts/{alert_id}/dismiss", response_model=Alert)
async def dismiss_alert(alert_id: str, body: DismissIn, request: Request, ctx: Ctx, user: Resolver) -> Alert:
    """Set an open alert aside without an outcome, saying why. It stays on record for measurement."""
    alert = await _own_alert(ctx, user, alert_id)
    if (refusal := _settled(alert)) is not None:
        raise refusal
    done = await asyncio.to_thread(ctx.live.dismiss, alert_id, user.username, body.reason, datetime.now(UTC))
    updated = await _reload(ctx, alert_id)
    if not done:
        raise _settled(updated) or HTTPException(status.HTTP_409_CONFLICT, detail="the alert changed")
    detail = {"reason": body.reason, "previous": alert.status}
    await audit_action(
        ctx, user, request, action="alert.dismiss", resource=f"alert/{alert_id}", detail=detail
    )
    await _announce(ctx, updated, user.username)
    return updated


@router.post("/alerts/{alert_id}/outcome", response_model=Alert)
async def record_outcome(alert_id: str, body: OutcomeIn, request: Request, ctx: Ctx, user: Resolver) -> Alert:
    """Record what the alert turned out to be; it closes the alert. Every outcome is kept for the reports."""
    alert = await _own_alert(ctx, user, alert_id)
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
    updated = await _reload(ctx, alert_id)
    await _announce(ctx, updated, user.username)
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

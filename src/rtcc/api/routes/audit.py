"""The audit log, for auditors: filtered and paged, each entry with its hashes, the chain check, a CSV export
and the values the screen's filters offer. Reading it is itself audited (by the audit middleware, like every
read); an export also gets an entry of its own, saying which entries left the system."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field, computed_field

from rtcc.api.deps import Ctx, audit_action, require
from rtcc.domain.entities import AuditEntry, User
from rtcc.domain.roles import Permission
from rtcc.storage.audit import NO_AGENCY, AuditFilter, ChainedAuditEntry, case_number_of

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Auditor = Annotated[User, Depends(require(Permission.AUDIT_READ))]

# One export holds at most this many entries: a larger one is refused with the count, to be narrowed.
MAX_EXPORT_ROWS = 100_000
CSV_COLUMNS = (
    "seq",
    "at",
    "username",
    "user_id",
    "agency_id",
    "action",
    "resource",
    "outcome",
    "purpose",
    "case_number",
    "source_ip",
    "detail",
    "prev_hash",
    "hash",
)


class ChainProblem(BaseModel):
    kind: str = Field(..., description="deleted, link (does not follow its predecessor) or altered.")
    first_seq: int = Field(..., description="The entry named (for deleted: the first missing one).")
    last_seq: int = Field(..., description="The last missing entry for deleted; else the same as first_seq.")
    message: str


class ChainCheck(BaseModel):
    checked: int
    intact: bool
    problems: list[str]
    last_hash: str
    findings: list[ChainProblem] = Field(default_factory=list, description="The problems, one per break.")


class AuditRecord(ChainedAuditEntry):
    @computed_field  # type: ignore[prop-decorator]
    @property
    def case_number(self) -> str | None:
        """The case number the search or view was made for, as stated with it."""
        return case_number_of(self.detail)


class AuditPageOut(BaseModel):
    entries: list[AuditRecord]
    total: int = Field(..., description="Entries matching the filters (up to `upto`).")
    offset: int
    limit: int
    upto: int = Field(
        ..., description="The newest entry the page was taken against: pass it for the next page."
    )


class PickerValues(BaseModel):
    usernames: list[str]
    actions: list[str]
    outcomes: list[str]
    agencies: list[str] = Field(
        ..., description=f"Agency ids; {NO_AGENCY!r} stands for entries of no agency."
    )


def _invalid(field: str, reason: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", field), "msg": reason, "type": "value_error"}])


def audit_filters(
    user: Auditor,
    action: Annotated[str | None, Query(max_length=64, description="Exactly this action.")] = None,
    username: Annotated[str | None, Query(max_length=100, description="Exactly this user.")] = None,
    outcome: Annotated[str | None, Query(max_length=32, description="success, failure, denied...")] = None,
    agency_id: Annotated[
        str | None, Query(max_length=64, description=f"This agency's entries; {NO_AGENCY!r}: of no agency.")
    ] = None,
    resource: Annotated[str | None, Query(max_length=300, description="Resource containing this.")] = None,
    purpose_or_case: Annotated[
        str | None, Query(max_length=300, description="Stated purpose or case number containing this.")
    ] = None,
    since: Annotated[datetime | None, Query(description="From this time (with a UTC offset).")] = None,
    until: Annotated[datetime | None, Query(description="Before this time (with a UTC offset).")] = None,
    upto: Annotated[int | None, Query(ge=0, description="Only entries numbered up to this one.")] = None,
) -> AuditFilter:
    """The filters, checked after the permission. An auditor audits their own agency."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise _invalid(name, "needs a UTC offset, e.g. 2026-11-21T08:00:00Z")
    if since is not None and until is not None and until <= since:
        raise _invalid("until", "must be after since")
    return AuditFilter(
        action=action or None,
        username=username or None,
        outcome=outcome or None,
        agency_id=agency_id or None,
        resource=resource or None,
        purpose_or_case=purpose_or_case or None,
        since=since,
        until=until,
        upto=upto,
        agency_scope=user.agency_id,
    )


Filters = Annotated[AuditFilter, Depends(audit_filters)]


@router.get("", response_model=list[AuditEntry])
async def list_audit(
    ctx: Ctx,
    user: Auditor,
    wanted: Filters,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> list[AuditEntry]:
    """Newest first: who did what, when, from where, with what outcome and purpose."""
    found = await asyncio.to_thread(ctx.audit.matching, wanted, limit=limit)
    return [AuditEntry.model_validate(e.model_dump()) for e in found]


@router.get("/entries", response_model=AuditPageOut)
async def audit_page(
    ctx: Ctx,
    user: Auditor,
    wanted: Filters,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPageOut:
    """One page, newest first, with the total matching; each entry with its hash and the previous hash."""
    page = await asyncio.to_thread(ctx.audit.page, wanted, offset=offset, limit=limit)
    return AuditPageOut(
        entries=[AuditRecord.model_validate(e.model_dump()) for e in page.entries],
        total=page.total,
        offset=offset,
        limit=limit,
        upto=page.upto,
    )


@router.get("/values", response_model=PickerValues)
async def picker_values(ctx: Ctx, user: Auditor) -> PickerValues:
    """The users, actions, outcomes and agencies present in the entries this auditor may read."""
    return PickerValues(**await asyncio.to_thread(ctx.audit.picker_values, user.agency_id))


def _cell(value: Any) -> str:
    """A spreadsheet must not run what a user typed (a sign-in name can be anything): cells that would
    start a formula are quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(entries: list[ChainedAuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        detail = orjson.dumps(e.detail, option=orjson.OPT_SORT_KEYS, default=str).decode()
        row = e.model_dump()
        row.update(at=e.at.isoformat(), case_number=case_number_of(e.detail), detail=detail)
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def _described(wanted: AuditFilter) -> dict[str, Any]:
    shown = {k: v for k, v in wanted.__dict__.items() if v is not None and k != "agency_scope"}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in shown.items()}


@router.get("/export.csv")
async def export_csv(ctx: Ctx, user: Auditor, wanted: Filters, request: Request) -> Response:
    """The entries matching the filters, newest first, as CSV. The export is audited with its filters and
    the number of entries it held."""
    counted = await asyncio.to_thread(ctx.audit.page, wanted, offset=0, limit=1)
    filters = _described(wanted)
    if counted.total > MAX_EXPORT_ROWS:
        await audit_action(
            ctx,
            user,
            request,
            action="audit.export",
            resource="audit_log",
            outcome="failure",
            detail={"filters": filters, "matching": counted.total, "reason": "too many entries"},
        )
        raise _invalid(
            "since",
            f"{counted.total:,} entries match; export at most {MAX_EXPORT_ROWS:,}: narrow the time range",
        )
    fixed = replace(wanted, upto=counted.upto)
    entries = await asyncio.to_thread(ctx.audit.matching, fixed, limit=MAX_EXPORT_ROWS)
    body = await asyncio.to_thread(_csv, entries)
    await audit_action(
        ctx,
        user,
        request,
        action="audit.export",
        resource="audit_log",
        detail={"filters": filters, "rows": len(entries), "upto": counted.upto, "format": "csv"},
    )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{user.agency_id}-upto-{counted.upto}.csv"',
            "X-Total-Count": str(len(entries)),
        },
    )


@router.get("/verify", response_model=ChainCheck)
async def verify_chain(ctx: Ctx, user: Auditor, request: Request) -> ChainCheck:
    """Check the whole chain: altered, removed or inserted entries are named. The check is audited with its
    result, like `rtcc audit verify`."""
    report = await asyncio.to_thread(ctx.audit.verify)
    await audit_action(
        ctx,
        user,
        request,
        action="audit.verify",
        resource="audit_log",
        outcome="intact" if report.intact else "broken",
        detail={"checked": report.checked, "problems": len(report.problems), "by": "console or API"},
    )
    return ChainCheck(
        checked=report.checked,
        intact=report.intact,
        problems=report.problems,
        last_hash=report.last_hash,
        findings=[ChainProblem(**f.__dict__) for f in report.findings],
    )

"""Records behind the threat brief: import by kind, counts, and re-validation of intelligence records."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field, ValidationError

from rtcc.api.deps import Ctx, audit_action, require
from rtcc.domain.entities import User
from rtcc.domain.errors import FieldError, ItemRejected
from rtcc.domain.records import PART23_REVIEW_YEARS, RECORD_KINDS, add_years
from rtcc.domain.roles import Permission

router = APIRouter(prefix="/api/v1/records", tags=["records"])
Manager = Annotated[User, Depends(require(Permission.RECORDS_MANAGE))]


class RecordsImported(BaseModel):
    kind: str
    accepted: int
    rejected: list[ItemRejected]


@router.post("/{kind}", response_model=RecordsImported)
async def import_records(
    kind: str, items: Annotated[list[dict[str, Any]], Body()], request: Request, ctx: Ctx, user: Manager
) -> RecordsImported:
    """Insert or replace records of one kind (persons, addresses, residences, history, warrants,
    protective_orders, cautions, links). Bad items are refused one by one, naming the field; good ones stay."""
    model = RECORD_KINDS.get(kind)
    if model is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"unknown record kind {kind!r}; known: {', '.join(RECORD_KINDS)}",
        )
    good = []
    rejected = []
    for i, item in enumerate(items):
        if "agency_id" in model.model_fields:
            item = {**item, "agency_id": user.agency_id}
        try:
            good.append(model.model_validate(item))
        except ValidationError as exc:
            rejected.append(
                ItemRejected(
                    index=i,
                    errors=[
                        FieldError(
                            field=".".join(str(p) for p in e["loc"]) or kind,
                            reason=e["msg"].removeprefix("Value error, "),
                        )
                        for e in exc.errors()
                    ],
                )
            )
    written = await asyncio.to_thread(ctx.briefs.upsert, kind, user.agency_id, good)
    await audit_action(
        ctx,
        user,
        request,
        action="records.import",
        resource=f"records {kind}",
        detail={"accepted": written, "rejected": len(rejected)},
    )
    return RecordsImported(kind=kind, accepted=written, rejected=rejected)


@router.get("", response_model=dict[str, int])
async def record_counts(ctx: Ctx, user: Manager) -> dict[str, int]:
    return await asyncio.to_thread(ctx.briefs.counts, user.agency_id)


class RevalidateIn(BaseModel):
    basis: str = Field(
        ..., min_length=1, max_length=1000, description="The reasonable suspicion, as it stands now."
    )
    review_date: date | None = Field(
        None, description="At most five years from today; defaults to five years."
    )


@router.post("/links/{link_id}/revalidate", status_code=status.HTTP_204_NO_CONTENT)
async def revalidate(link_id: str, body: RevalidateIn, request: Request, ctx: Ctx, user: Manager) -> None:
    """28 CFR 23.20(h): re-validate an intelligence record, which starts a new review period."""
    today = datetime.now(UTC).date()
    latest = add_years(today, PART23_REVIEW_YEARS)
    review = body.review_date or latest
    if review > latest or review <= today:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[{"field": "review_date", "reason": f"must be after today and by {latest.isoformat()}"}],
        )
    if not await asyncio.to_thread(ctx.briefs.revalidate, user.agency_id, link_id, body.basis, review):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no intelligence record {link_id!r}")
    await audit_action(
        ctx,
        user,
        request,
        action="records.revalidate",
        resource=f"link {link_id}",
        detail={"review_date": review.isoformat()},
    )

"""Person lookups in the agency's records, for those who may read a threat brief.

Each lookup states its purpose and case number (X-Purpose and X-Case-Number), which the audit keeps with
who searched for whom. Only the user's own agency's records are searched: records are not shared between
agencies.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel

from rtcc.api.deps import Ctx, require, require_stated_purpose
from rtcc.domain.entities import User
from rtcc.domain.records import HistoryEntry, LinkKind, ProtectiveOrder, Warrant
from rtcc.domain.roles import Permission
from rtcc.storage.person_records import SEARCH_LIMIT, PersonRecord, person_record, search_persons

router = APIRouter(prefix="/api/v1/persons", tags=["records"])
Reader = Annotated[User, Depends(require(Permission.BRIEF_READ))]


class PersonOut(BaseModel):
    person_id: str
    family_name: str
    given_name: str
    birth_date: date | None
    addresses: list[str]
    history_entries: int
    active_warrants: int
    active_protective_orders: int


class ResidenceOut(BaseModel):
    address_id: str
    address: str
    since: date | None
    until: date | None


class LinkOut(BaseModel):
    link_id: str
    person_id: str
    name: str
    kind: LinkKind
    source: str
    entered: date
    intelligence: bool
    basis: str | None
    review_date: date | None


class PersonRecordOut(BaseModel):
    person: PersonOut
    residences: list[ResidenceOut]
    history: list[HistoryEntry]
    warrants: list[Warrant]
    protective_orders: list[ProtectiveOrder]
    links: list[LinkOut]


def today() -> date:
    return datetime.now(UTC).date()


@router.get("", response_model=list[PersonOut])
async def find_persons(
    request: Request,
    ctx: Ctx,
    user: Reader,
    family_name: Annotated[str, Query(min_length=2, max_length=100, description="As on record, any case.")],
    given_name: Annotated[str | None, Query(max_length=100, description="Its start, any case.")] = None,
    birth_date: date | None = None,
) -> list[PersonOut]:
    """Persons in the agency's records with this family name, narrowed by given name and birth date (at
    most 50). States its purpose and case number."""
    require_stated_purpose(request, "search persons")
    found = await asyncio.to_thread(
        search_persons,
        ctx.db,
        user.agency_id,
        family_name,
        given_name=given_name,
        birth_date=birth_date,
        today=today(),
        limit=SEARCH_LIMIT,
    )
    return [PersonOut.model_validate(p, from_attributes=True) for p in found]


@router.get("/{person_id}", response_model=PersonRecordOut)
async def get_person(person_id: str, request: Request, ctx: Ctx, user: Reader) -> PersonRecordOut:
    """One person's record: residences, criminal history, warrants, protective orders and links (criminal
    intelligence only while within its review date, with its basis). States its purpose and case number."""
    require_stated_purpose(request, "read a person's record")
    record = await asyncio.to_thread(person_record, ctx.db, user.agency_id, person_id, today=today())
    if record is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no person {person_id!r} in your agency's records"
        )
    return record_out(record)


def record_out(record: PersonRecord) -> PersonRecordOut:
    return PersonRecordOut(
        person=PersonOut.model_validate(record.summary, from_attributes=True),
        residences=[
            ResidenceOut(address_id=r.address_id, address=r.text, since=r.since, until=r.until)
            for r in record.residences
        ],
        history=record.history,
        warrants=record.warrants,
        protective_orders=record.protective_orders,
        links=[
            LinkOut(
                link_id=lp.link.link_id,
                person_id=lp.other_person_id,
                name=lp.other_name,
                kind=lp.link.kind,
                source=lp.link.source,
                entered=lp.link.entered,
                intelligence=lp.link.intelligence,
                basis=lp.link.basis,
                review_date=lp.link.review_date,
            )
            for lp in record.links
        ],
    )

"""Looking a person up in the agency's records: by name (and birth date), then one person's whole record.

A name search asks for the family name as the records hold it, in any letter case, and narrows by the
start of the given name and the birth date; a partial family name is not offered, because a search that
returns half the city's Smiths is a fishing expedition, not an inquiry. The record leaves out the protected
attributes source systems send (they identify nobody and decide nothing here) and any criminal
intelligence past its review date (28 CFR 23.20(h)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from rtcc.domain.records import HistoryEntry, PersonLink, ProtectiveOrder, Warrant, WarrantStatus
from rtcc.storage.db import Database
from rtcc.storage.tables import (
    addresses,
    criminal_history,
    person_links,
    persons,
    protective_orders,
    residences,
    warrants,
)

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class PersonSummary:
    person_id: str
    family_name: str
    given_name: str
    birth_date: date | None
    addresses: list[str]
    history_entries: int
    active_warrants: int
    active_protective_orders: int


@dataclass(frozen=True)
class Residency:
    address_id: str
    text: str
    since: date | None
    until: date | None


@dataclass(frozen=True)
class LinkedPerson:
    link: PersonLink
    other_person_id: str
    other_name: str


@dataclass
class PersonRecord:
    summary: PersonSummary
    residences: list[Residency] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    warrants: list[Warrant] = field(default_factory=list)
    protective_orders: list[ProtectiveOrder] = field(default_factory=list)
    links: list[LinkedPerson] = field(default_factory=list)


def search_persons(
    db: Database,
    agency_id: str,
    family_name: str,
    *,
    given_name: str | None = None,
    birth_date: date | None = None,
    today: date,
    limit: int = SEARCH_LIMIT,
) -> list[PersonSummary]:
    """The agency's persons with this family name (any case), narrowed by the start of the given name and
    the birth date; ordered by name and birth date."""
    q = select(persons.c.person_id, persons.c.family_name, persons.c.given_name, persons.c.birth_date).where(
        persons.c.agency_id == agency_id, func.lower(persons.c.family_name) == family_name.strip().lower()
    )
    if birth_date is not None:
        q = q.where(persons.c.birth_date == birth_date)
    given = (given_name or "").strip().lower()
    with db.read() as conn:
        rows = [r for r in conn.execute(q) if r.given_name.lower().startswith(given)]
        rows.sort(key=lambda r: (r.given_name.lower(), r.birth_date or date.min, r.person_id))
        return [_summary(conn, agency_id, r, today) for r in rows[:limit]]


def person_record(db: Database, agency_id: str, person_id: str, *, today: date) -> PersonRecord | None:
    """One person's record in the agency: where they live and lived, their history, warrants, protective
    orders (as restrained or protected person) and links to others."""
    a = agency_id
    with db.read() as conn:
        row = conn.execute(
            select(
                persons.c.person_id, persons.c.family_name, persons.c.given_name, persons.c.birth_date
            ).where(persons.c.agency_id == a, persons.c.person_id == person_id)
        ).first()
        if row is None:
            return None
        record = PersonRecord(_summary(conn, a, row, today))
        for r in conn.execute(
            select(residences.c.address_id, addresses.c.text, residences.c.since, residences.c.until)
            .join(
                addresses,
                and_(addresses.c.agency_id == a, addresses.c.address_id == residences.c.address_id),
            )
            .where(residences.c.agency_id == a, residences.c.person_id == person_id)
            .order_by(residences.c.until.is_(None).desc(), residences.c.since.desc())
        ):
            record.residences.append(Residency(r.address_id, r.text, r.since, r.until))
        record.history = sorted(
            (
                HistoryEntry.model_validate(r)
                for r in conn.execute(
                    select(criminal_history).where(
                        criminal_history.c.agency_id == a, criminal_history.c.person_id == person_id
                    )
                )
            ),
            key=lambda h: h.on,
            reverse=True,
        )
        record.warrants = sorted(
            (
                Warrant.model_validate(r)
                for r in conn.execute(
                    select(warrants).where(warrants.c.agency_id == a, warrants.c.person_id == person_id)
                )
            ),
            key=lambda w: w.issued,
            reverse=True,
        )
        record.protective_orders = sorted(
            (
                ProtectiveOrder.model_validate(r)
                for r in conn.execute(
                    select(protective_orders).where(
                        protective_orders.c.agency_id == a,
                        or_(
                            protective_orders.c.restrained_person_id == person_id,
                            protective_orders.c.protected_person_id == person_id,
                        ),
                    )
                )
            ),
            key=lambda o: o.issued,
            reverse=True,
        )
        record.links = _links(conn, a, person_id, today)
    return record


def _summary(conn: Connection, agency_id: str, row: Any, today: date) -> PersonSummary:
    a, pid = agency_id, row.person_id
    current = conn.execute(
        select(addresses.c.text)
        .join(
            residences,
            and_(residences.c.agency_id == a, residences.c.address_id == addresses.c.address_id),
        )
        .where(
            addresses.c.agency_id == a,
            residences.c.person_id == pid,
            or_(residences.c.until.is_(None), residences.c.until >= today),
        )
        .order_by(addresses.c.text)
    ).scalars()
    history = conn.execute(
        select(func.count()).where(criminal_history.c.agency_id == a, criminal_history.c.person_id == pid)
    ).scalar_one()
    active = conn.execute(
        select(func.count()).where(
            warrants.c.agency_id == a,
            warrants.c.person_id == pid,
            warrants.c.status == WarrantStatus.ACTIVE.value,
        )
    ).scalar_one()
    orders = conn.execute(
        select(func.count()).where(
            protective_orders.c.agency_id == a,
            or_(
                protective_orders.c.restrained_person_id == pid,
                protective_orders.c.protected_person_id == pid,
            ),
            protective_orders.c.issued <= today,
            or_(protective_orders.c.expires.is_(None), protective_orders.c.expires >= today),
        )
    ).scalar_one()
    return PersonSummary(
        pid,
        row.family_name,
        row.given_name,
        row.birth_date,
        list(current),
        int(history),
        int(active),
        int(orders),
    )


def _links(conn: Connection, agency_id: str, person_id: str, today: date) -> list[LinkedPerson]:
    """Links touching the person; an intelligence record past its review date is not read at all."""
    current = or_(person_links.c.intelligence.is_(False), person_links.c.review_date >= today)
    found: list[PersonLink] = []
    for col in (person_links.c.person_a, person_links.c.person_b):
        rows = conn.execute(
            select(person_links).where(person_links.c.agency_id == agency_id, col == person_id, current)
        )
        found.extend(PersonLink.model_validate(r) for r in rows)
    others = sorted({lk.person_b if lk.person_a == person_id else lk.person_a for lk in found})
    names = _names(conn, agency_id, others)
    out = []
    for lk in sorted(found, key=lambda lk: (lk.kind.value, lk.link_id)):
        other = lk.person_b if lk.person_a == person_id else lk.person_a
        out.append(LinkedPerson(lk, other, names.get(other, "")))
    return out


def _names(conn: Connection, agency_id: str, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = conn.execute(
        select(persons.c.person_id, persons.c.given_name, persons.c.family_name).where(
            persons.c.agency_id == agency_id, persons.c.person_id.in_(list(ids))
        )
    )
    return {r.person_id: f"{r.given_name} {r.family_name}".strip() for r in rows}

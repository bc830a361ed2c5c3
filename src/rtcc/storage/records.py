"""Records behind the threat brief, and the reads that gather one brief's inputs.

Imports upsert by each record's id, so loading the same export twice changes nothing. Reads are a handful
of indexed lookups (address, residents, their history, warrants, orders, links two hops out), which keeps a
brief fast on millions of records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, func, or_, select, update

from rtcc.domain.geo import M_PER_DEG, grid_cell, grid_cells_within, haversine_m
from rtcc.domain.records import (
    Address,
    HistoryEntry,
    Person,
    PersonLink,
    PremiseCaution,
    ProtectiveOrder,
    Residence,
    Warrant,
    normalise_address,
)
from rtcc.domain.threat import (
    PRIOR_CALL_RADIUS_M,
    PRIOR_CALL_WINDOW_DAYS,
    BriefInputs,
    PriorCall,
    ThreatBrief,
    build_brief,
)
from rtcc.domain.vocab import IncidentType
from rtcc.storage.db import Database
from rtcc.storage.tables import (
    addresses,
    calls,
    criminal_history,
    person_links,
    persons,
    premise_cautions,
    protective_orders,
    residences,
    warrants,
)

# Record kind -> (table, key columns besides agency, model).
KINDS: dict[str, tuple[Table, tuple[str, ...], type[Any]]] = {
    "persons": (persons, ("person_id",), Person),
    "addresses": (addresses, ("address_id",), Address),
    "residences": (residences, ("person_id", "address_id"), Residence),
    "history": (criminal_history, ("entry_id",), HistoryEntry),
    "warrants": (warrants, ("warrant_id",), Warrant),
    "protective_orders": (protective_orders, ("order_id",), ProtectiveOrder),
    "cautions": (premise_cautions, ("caution_id",), PremiseCaution),
    "links": (person_links, ("link_id",), PersonLink),
}
CALL_TYPES = {t.value: t for t in IncidentType}
# A call's location matches an address on record within this distance when its text does not.
ADDRESS_SNAP_M = 30.0
CHUNK = 2000


def _row(kind: str, agency_id: str, record: Any) -> dict[str, Any]:
    row: dict[str, Any] = record.model_dump(exclude={"agency_id"})
    row["agency_id"] = agency_id
    if kind == "addresses":
        row["norm"] = normalise_address(record.text)
        row["cell"] = grid_cell(record.lat, record.lon) if record.lat is not None else None
    return row


class RecordsStore:
    def __init__(self, db: Database):
        self.db = db

    # ---- writing ------------------------------------------------------------------------------------------
    def upsert(self, kind: str, agency_id: str, records: Iterable[Any]) -> int:
        """Insert or replace records of one kind, keyed by their ids. Returns how many were written."""
        table, keys, _ = KINDS[kind]
        rows = [_row(kind, agency_id, r) for r in records]
        if not rows:
            return 0
        with self.db.write() as conn:
            for i in range(0, len(rows), CHUNK):
                chunk = rows[i : i + CHUNK]
                ins = self.db.insert(table)
                set_ = {
                    c.name: ins.excluded[c.name] for c in table.columns if c.name not in (*keys, "agency_id")
                }
                stmt = ins.on_conflict_do_update(index_elements=["agency_id", *keys], set_=set_)
                conn.execute(stmt, chunk)
        return len(rows)

    def revalidate(self, agency_id: str, link_id: str, basis: str, review_date: date) -> bool:
        """Re-validate an intelligence record: a new basis and a new review period."""
        with self.db.write() as conn:
            result = conn.execute(
                update(person_links)
                .where(
                    and_(
                        person_links.c.agency_id == agency_id,
                        person_links.c.link_id == link_id,
                        person_links.c.intelligence.is_(True),
                    )
                )
                .values(basis=basis, review_date=review_date)
            )
            return bool(result.rowcount)

    def counts(self, agency_id: str) -> dict[str, int]:
        out = {}
        with self.db.read() as conn:
            for kind, (table, _, _) in KINDS.items():
                n = conn.execute(
                    select(func.count()).select_from(table).where(table.c.agency_id == agency_id)
                ).scalar_one()
                out[kind] = int(n)
        return out

    # ---- reading ------------------------------------------------------------------------------------------
    def find_address(
        self, conn: Connection, agency_id: str, text: str | None, lat: float | None, lon: float | None
    ) -> Address | None:
        """The address on record for a call: by its normalised text, else the nearest within 30 m."""
        if text:
            row = conn.execute(
                select(addresses)
                .where(and_(addresses.c.agency_id == agency_id, addresses.c.norm == normalise_address(text)))
                .limit(1)
            ).first()
            if row is not None:
                return Address.model_validate(row)
        if lat is None or lon is None:
            return None
        rows = conn.execute(
            select(addresses).where(
                and_(
                    addresses.c.agency_id == agency_id,
                    addresses.c.cell.in_(grid_cells_within(lat, lon, ADDRESS_SNAP_M)),
                )
            )
        ).all()
        best: tuple[float, Any] | None = None
        for r in rows:
            d = haversine_m(lat, lon, r.lat, r.lon)
            if d <= ADDRESS_SNAP_M and (best is None or d < best[0]):
                best = (d, r)
        return Address.model_validate(best[1]) if best else None

    def prior_calls(
        self,
        conn: Connection,
        agency_id: str,
        lat: float,
        lon: float,
        address_norm: str | None,
        since: datetime,
        exclude_call: str | None,
    ) -> list[PriorCall]:
        # The grid cells narrow the search through the index; the box cuts the rows read from them.
        dlat = PRIOR_CALL_RADIUS_M * 1.01 / M_PER_DEG
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        rows = conn.execute(
            select(
                calls.c.call_id,
                calls.c.call_type,
                calls.c.received_at,
                calls.c.lat,
                calls.c.lon,
                calls.c.address,
            ).where(
                and_(
                    calls.c.agency_id == agency_id,
                    calls.c.cell.in_(grid_cells_within(lat, lon, PRIOR_CALL_RADIUS_M)),
                    calls.c.received_at >= since,
                    calls.c.lat.between(lat - dlat, lat + dlat),
                    calls.c.lon.between(lon - dlon, lon + dlon),
                )
            )
        ).all()
        out = []
        # At 150 m the flat-earth distance differs from the great circle by far less than a metre.
        m_lat = M_PER_DEG
        m_lon = M_PER_DEG * math.cos(math.radians(lat))
        same_place: dict[str, bool] = {}  # many calls share an address text: normalise each text once
        for r in rows:
            if r.call_id == exclude_call or r.lat is None:
                continue
            d = math.hypot((r.lat - lat) * m_lat, (r.lon - lon) * m_lon)
            at = False
            if address_norm and r.address is not None:
                known = same_place.get(r.address)
                if known is None:
                    known = same_place[r.address] = normalise_address(r.address) == address_norm
                at = known
            if d > PRIOR_CALL_RADIUS_M and not at:
                continue
            out.append(
                PriorCall(r.call_id, CALL_TYPES.get(r.call_type, IncidentType.OTHER), r.received_at, d, at)
            )
        return out

    def brief_inputs(
        self,
        agency_id: str,
        *,
        lat: float | None,
        lon: float | None,
        address: str | None,
        now: datetime,
        exclude_call: str | None = None,
    ) -> BriefInputs:
        today = now.date()
        a = agency_id
        with self.db.read() as conn:
            place = self.find_address(conn, a, address, lat, lon)
            inputs = BriefInputs(today=today, address=place)
            if lat is not None and lon is not None:
                since = now - timedelta(days=PRIOR_CALL_WINDOW_DAYS)
                norm = normalise_address(place.text if place else address or "") or None
                inputs.prior_calls = self.prior_calls(conn, a, lat, lon, norm, since, exclude_call)
            if place is None:
                return inputs
            inputs.cautions = [
                PremiseCaution.model_validate(r)
                for r in conn.execute(
                    select(premise_cautions).where(
                        and_(
                            premise_cautions.c.agency_id == a,
                            premise_cautions.c.address_id == place.address_id,
                        )
                    )
                )
            ]
            resident_ids = [
                r.person_id
                for r in conn.execute(
                    select(residences.c.person_id).where(
                        and_(
                            residences.c.agency_id == a,
                            residences.c.address_id == place.address_id,
                            or_(residences.c.until.is_(None), residences.c.until >= today),
                        )
                    )
                )
            ]
            inputs.residents = self._persons(conn, a, resident_ids)
            # Links two hops out from the residents.
            links: dict[str, PersonLink] = {}
            frontier = set(resident_ids)
            seen = set(resident_ids)
            for _ in range(2):
                if not frontier:
                    break
                new = self._links(conn, a, frontier, today)
                nxt: set[str] = set()
                for link in new:
                    links[link.link_id] = link
                    for pid in (link.person_a, link.person_b):
                        if pid not in seen:
                            seen.add(pid)
                            nxt.add(pid)
                frontier = nxt
            inputs.links = list(links.values())
            associate_ids = sorted(seen - set(resident_ids))
            inputs.associates = {p.person_id: p for p in self._persons(conn, a, associate_ids)}
            everyone = sorted(seen)
            inputs.history = _group(
                (
                    HistoryEntry.model_validate(r)
                    for r in self._in(conn, criminal_history, criminal_history.c.person_id, a, everyone)
                ),
                "person_id",
            )
            inputs.warrants = _group(
                (
                    Warrant.model_validate(r)
                    for r in self._in(conn, warrants, warrants.c.person_id, a, everyone)
                ),
                "person_id",
            )
            # Three indexed lookups rather than one OR, which SQLite answers by scanning the agency's orders.
            order_rows: dict[str, Any] = {}
            for condition in (
                protective_orders.c.address_id == place.address_id,
                protective_orders.c.restrained_person_id.in_(resident_ids),
                protective_orders.c.protected_person_id.in_(resident_ids),
            ):
                for r in conn.execute(
                    select(protective_orders).where(and_(protective_orders.c.agency_id == a, condition))
                ):
                    order_rows[r.order_id] = r
            inputs.orders = [ProtectiveOrder.model_validate(r) for r in order_rows.values()]
        return inputs

    def _persons(self, conn: Connection, agency_id: str, ids: Sequence[str]) -> list[Person]:
        return [
            Person.model_validate(r) for r in self._in(conn, persons, persons.c.person_id, agency_id, ids)
        ]

    def _in(self, conn: Connection, table: Table, col: Any, agency_id: str, ids: Sequence[str]) -> list[Any]:
        out: list[Any] = []
        ids = list(ids)
        for i in range(0, len(ids), 500):
            out.extend(
                conn.execute(
                    select(table).where(and_(table.c.agency_id == agency_id, col.in_(ids[i : i + 500])))
                )
            )
        return out

    def _links(self, conn: Connection, agency_id: str, ids: set[str], today: date) -> list[PersonLink]:
        """Links touching any of the persons; intelligence past its review date is not read at all."""
        out: list[PersonLink] = []
        current = or_(person_links.c.intelligence.is_(False), person_links.c.review_date >= today)
        ordered = sorted(ids)
        for i in range(0, len(ordered), 500):
            part = ordered[i : i + 500]
            for col in (person_links.c.person_a, person_links.c.person_b):
                rows = conn.execute(
                    select(person_links).where(
                        and_(person_links.c.agency_id == agency_id, col.in_(part), current)
                    )
                )
                out.extend(PersonLink.model_validate(r) for r in rows)
        return out


def _group(items: Iterable[Any], attr: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for item in items:
        out.setdefault(getattr(item, attr), []).append(item)
    return out


class BriefService(RecordsStore):
    """The records store as the brief engine and the API use it: inputs gathered, brief built."""

    def brief_for(
        self,
        agency_id: str,
        *,
        lat: float | None,
        lon: float | None,
        address: str | None,
        now: datetime,
        exclude_call: str | None = None,
    ) -> ThreatBrief:
        inputs = self.brief_inputs(
            agency_id, lat=lat, lon=lon, address=address, now=now, exclude_call=exclude_call
        )
        return build_brief(inputs)

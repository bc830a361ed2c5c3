"""CAD incidents as whole records: import, export, notes, and the times response is measured on.

Live calls are written by the state projector from events; imports (CSV exports, EIDO documents) write
whole incidents here. Both land in the same ``calls`` table, so the brief, the map and the response-time
report see them alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select

from rtcc.domain.cad import CadIncident, CallNote, CallTimes, UnitAssignment
from rtcc.domain.geo import grid_cell
from rtcc.storage.db import Database
from rtcc.storage.tables import call_notes, call_units, calls

CHUNK = 1000
STAMPS = ("dispatched_at", "en_route_at", "on_scene_at", "cleared_at")


def _call_row(inc: CadIncident, origin: str) -> dict[str, Any]:
    return {
        "agency_id": inc.agency_id,
        "call_id": inc.call_id,
        "incident_id": inc.incident_id,
        "call_type": inc.call_type.value,
        "type_code": inc.type_code,
        "priority": inc.priority.value,
        "status": inc.status.value,
        "description": inc.description,
        "received_at": inc.received_at,
        "updated_at": max(
            [t for t in (inc.received_at, *(getattr(inc, s) for s in STAMPS)) if t is not None]
        ),
        "dispatched_at": inc.dispatched_at,
        "en_route_at": inc.en_route_at,
        "on_scene_at": inc.on_scene_at,
        "cleared_at": inc.cleared_at,
        "lat": inc.lat,
        "lon": inc.lon,
        "address": inc.address,
        "disposition": inc.disposition,
        "cell": grid_cell(inc.lat, inc.lon) if inc.lat is not None and inc.lon is not None else None,
        "units": [u.unit_id for u in inc.units],
        "origin": origin,
    }


class CadStore:
    def __init__(self, db: Database):
        self.db = db

    def save(self, incidents: Iterable[CadIncident], origin: str) -> int:
        """Insert or replace whole incidents (with their units and notes). Returns how many were written."""
        items = list(incidents)
        if not items:
            return 0
        with self.db.write() as conn:
            for i in range(0, len(items), CHUNK):
                part = items[i : i + CHUNK]
                rows = [_call_row(inc, origin) for inc in part]
                ins = self.db.insert(calls)
                conn.execute(
                    ins.on_conflict_do_update(
                        index_elements=["agency_id", "call_id"],
                        set_={c: ins.excluded[c] for c in rows[0] if c not in ("agency_id", "call_id")},
                    ),
                    rows,
                )
                by_agency: dict[str, list[str]] = defaultdict(list)
                for inc in part:
                    by_agency[inc.agency_id].append(inc.call_id)
                for agency_id, ids in by_agency.items():
                    for table in (call_units, call_notes):
                        conn.execute(
                            delete(table).where(table.c.agency_id == agency_id, table.c.call_id.in_(ids))
                        )
                unit_rows = [
                    {"agency_id": inc.agency_id, "call_id": inc.call_id, **u.model_dump()}
                    for inc in part
                    for u in inc.units
                ]
                if unit_rows:
                    conn.execute(call_units.insert(), unit_rows)
                note_rows = [
                    {"agency_id": inc.agency_id, "call_id": inc.call_id, **n.model_dump()}
                    for inc in part
                    for n in inc.notes
                ]
                if note_rows:
                    conn.execute(call_notes.insert(), note_rows)
        return len(items)

    def get(self, agency_id: str, call_id: str) -> CadIncident | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(calls).where(and_(calls.c.agency_id == agency_id, calls.c.call_id == call_id))
            ).first()
            if row is None:
                return None
            units = conn.execute(
                select(call_units)
                .where(and_(call_units.c.agency_id == agency_id, call_units.c.call_id == call_id))
                .order_by(call_units.c.dispatched_at, call_units.c.unit_id)
            ).all()
            notes = conn.execute(
                select(call_notes)
                .where(and_(call_notes.c.agency_id == agency_id, call_notes.c.call_id == call_id))
                .order_by(call_notes.c.at, call_notes.c.id)
            ).all()
        assigned = [UnitAssignment.model_validate(u) for u in units]
        listed = {u.unit_id for u in assigned}
        # A unit the live feed named on the call before any stage time arrived still shows as assigned.
        assigned += [UnitAssignment(unit_id=u) for u in (row.units or []) if u not in listed]
        return CadIncident(
            agency_id=row.agency_id,
            call_id=row.call_id,
            incident_id=row.incident_id,
            call_type=row.call_type,
            type_code=row.type_code,
            priority=row.priority,
            status=row.status,
            description=row.description or "",
            received_at=row.received_at,
            dispatched_at=row.dispatched_at,
            en_route_at=row.en_route_at,
            on_scene_at=row.on_scene_at,
            cleared_at=row.cleared_at,
            lat=row.lat,
            lon=row.lon,
            address=row.address,
            disposition=row.disposition,
            units=assigned,
            notes=[CallNote.model_validate(n) for n in notes],
        )

    def add_note(self, agency_id: str, call_id: str, note: CallNote) -> None:
        with self.db.write() as conn:
            conn.execute(
                call_notes.insert().values(agency_id=agency_id, call_id=call_id, **note.model_dump())
            )

    def call_times(
        self, agency_id: str, *, since: datetime | None, until: datetime | None, by: str | None
    ) -> list[CallTimes]:
        """Received, first dispatched and first on scene per call, grouped by priority or type when asked."""
        where = [calls.c.agency_id == agency_id]
        if since is not None:
            where.append(calls.c.received_at >= since)
        if until is not None:
            where.append(calls.c.received_at < until)
        first_unit: dict[str, dict[str, datetime]] = defaultdict(dict)
        with self.db.read() as conn:
            rows = conn.execute(
                select(
                    calls.c.call_id,
                    calls.c.call_type,
                    calls.c.type_code,
                    calls.c.priority,
                    calls.c.received_at,
                    calls.c.dispatched_at,
                    calls.c.on_scene_at,
                ).where(and_(*where))
            ).all()
            unit_where = [call_units.c.agency_id == agency_id]
            for u in conn.execute(
                select(call_units.c.call_id, call_units.c.dispatched_at, call_units.c.on_scene_at).where(
                    and_(*unit_where)
                )
            ):
                seen = first_unit[u.call_id]
                for name in ("dispatched_at", "on_scene_at"):
                    t = getattr(u, name)
                    if t is not None and (name not in seen or t < seen[name]):
                        seen[name] = t
        out = []
        for r in rows:
            units = first_unit.get(r.call_id, {})
            dispatched = _earliest(r.dispatched_at, units.get("dispatched_at"))
            on_scene = _earliest(r.on_scene_at, units.get("on_scene_at"))
            group = "all"
            if by == "priority":
                group = r.priority
            elif by == "type":
                group = r.type_code or r.call_type
            out.append(CallTimes(group, r.received_at, dispatched, on_scene))
        return out


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def open_call_for_unit(db: Database, agency_id: str, unit_id: str, incident_id: str | None) -> str | None:
    """The call a unit is on now: its open assignment, else the incident its status names."""
    with db.read() as conn:
        row = conn.execute(
            select(call_units.c.call_id)
            .where(
                call_units.c.agency_id == agency_id,
                call_units.c.unit_id == unit_id,
                call_units.c.cleared_at.is_(None),
            )
            .order_by(call_units.c.dispatched_at.desc())
            .limit(1)
        ).first()
        if row is not None:
            return str(row.call_id)
        if incident_id:
            row = conn.execute(
                select(calls.c.call_id)
                .where(
                    calls.c.agency_id == agency_id,
                    or_(calls.c.incident_id == incident_id, calls.c.call_id == incident_id),
                )
                .limit(1)
            ).first()
            if row is not None:
                return str(row.call_id)
    return None

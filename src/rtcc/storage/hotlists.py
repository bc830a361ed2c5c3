"""Hotlists per agency: entries entered by hand or loaded from files on a schedule, and the changes the
matching engine picks up. Removing an entry keeps its row (with ``removed_at``) so an alert raised on it
can still show what it matched."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, text, update

from rtcc.domain.alpr import HotlistChange, HotlistRecord
from rtcc.storage.db import Database
from rtcc.storage.tables import alert_checks, hotlist_entries, hotlist_files

CHUNK = 5000
CHANGE_LOCK_KEY = 0x72746364  # beside the event store's append lock


@dataclass(frozen=True, slots=True)
class StoredEntry:
    agency_id: str
    entry_id: str
    plate: str
    state: str | None
    reason: str
    source: str
    entered: datetime
    expires: datetime | None
    added_by: str
    list_name: str
    removed_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HotlistFile:
    agency_id: str
    name: str
    path: str
    every_minutes: int
    last_loaded_at: datetime | None
    last_count: int | None
    last_error: str | None


def _stored(r: Any) -> StoredEntry:
    return StoredEntry(
        r.agency_id,
        r.entry_id,
        r.plate,
        r.state,
        r.reason,
        r.source,
        r.entered,
        r.expires,
        r.added_by,
        r.list_name,
        r.removed_at,
        r.updated_at,
    )


class Hotlists:
    def __init__(self, db: Database):
        self.db = db

    def upsert(
        self, agency_id: str, records: Iterable[HotlistRecord], *, added_by: str, list_name: str, at: datetime
    ) -> int:
        rows = [
            {
                "agency_id": agency_id,
                **r.model_dump(),
                "added_by": added_by,
                "list_name": list_name,
                "removed_at": None,
                "updated_at": at,
            }
            for r in records
        ]
        if not rows:
            return 0
        with self.db.write() as conn:
            seq = self._next_seq(conn)
            for row in rows:
                row["change_seq"] = seq
            for i in range(0, len(rows), CHUNK):
                ins = self.db.insert(hotlist_entries)
                keys = ("agency_id", "entry_id")
                conn.execute(
                    ins.on_conflict_do_update(
                        index_elements=list(keys),
                        set_={c: ins.excluded[c] for c in rows[0] if c not in keys},
                    ),
                    rows[i : i + CHUNK],
                )
        return len(rows)

    def replace_list(
        self, agency_id: str, list_name: str, records: Sequence[HotlistRecord], *, added_by: str, at: datetime
    ) -> tuple[int, int]:
        """A file refresh: the file's entries are the list now; entries no longer in it are removed."""
        written = self.upsert(agency_id, records, added_by=added_by, list_name=list_name, at=at)
        keep = {r.entry_id for r in records}
        with self.db.write() as conn:
            present = [
                r.entry_id
                for r in conn.execute(
                    select(hotlist_entries.c.entry_id).where(
                        hotlist_entries.c.agency_id == agency_id,
                        hotlist_entries.c.list_name == list_name,
                        hotlist_entries.c.removed_at.is_(None),
                    )
                )
            ]
            gone = [e for e in present if e not in keep]
            for i in range(0, len(gone), 500):
                conn.execute(
                    update(hotlist_entries)
                    .where(
                        hotlist_entries.c.agency_id == agency_id,
                        hotlist_entries.c.entry_id.in_(gone[i : i + 500]),
                    )
                    .values(removed_at=at, updated_at=at)
                )
        return written, len(gone)

    def remove(self, agency_id: str, entry_id: str, at: datetime) -> bool:
        with self.db.write() as conn:
            seq = self._next_seq(conn)
            result = conn.execute(
                update(hotlist_entries)
                .where(
                    hotlist_entries.c.agency_id == agency_id,
                    hotlist_entries.c.entry_id == entry_id,
                    hotlist_entries.c.removed_at.is_(None),
                )
                .values(removed_at=at, updated_at=at, change_seq=seq)
            )
            return bool(result.rowcount)

    def _next_seq(self, conn: Connection) -> int:
        """The next change number. Writers take it one at a time (SQLite serialises writers; on PostgreSQL
        a transaction lock), so change numbers commit in order and the matcher never skips one."""
        if not self.db.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHANGE_LOCK_KEY})
        current = conn.execute(select(func.max(hotlist_entries.c.change_seq))).scalar()
        return int(current or 0) + 1

    def get(self, agency_id: str, entry_id: str) -> StoredEntry | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(hotlist_entries).where(
                    hotlist_entries.c.agency_id == agency_id, hotlist_entries.c.entry_id == entry_id
                )
            ).first()
        return _stored(row) if row else None

    def entries(
        self, agency_id: str, *, plate: str | None = None, include_removed: bool = False, limit: int = 1000
    ) -> list[StoredEntry]:
        q = select(hotlist_entries).where(hotlist_entries.c.agency_id == agency_id)
        if plate:
            q = q.where(hotlist_entries.c.plate == plate)
        if not include_removed:
            q = q.where(hotlist_entries.c.removed_at.is_(None))
        with self.db.read() as conn:
            return [
                _stored(r) for r in conn.execute(q.order_by(hotlist_entries.c.entered.desc()).limit(limit))
            ]

    def changed_since(self, after_seq: int | None) -> list[HotlistChange]:
        """Entries added, changed or removed after change number ``after_seq`` (every live entry when None),
        in change order, for the matcher."""
        q = select(hotlist_entries)
        if after_seq is None:
            q = q.where(hotlist_entries.c.removed_at.is_(None))
        else:
            q = q.where(hotlist_entries.c.change_seq > after_seq)
        with self.db.read() as conn:
            return [
                HotlistChange(
                    agency_id=r.agency_id,
                    entry_id=r.entry_id,
                    plate=r.plate,
                    state=r.state,
                    reason=r.reason,
                    source=r.source,
                    entered=r.entered,
                    expires=r.expires,
                    removed=r.removed_at is not None,
                    updated_at=r.updated_at,
                    change_seq=r.change_seq,
                )
                for r in conn.execute(q.order_by(hotlist_entries.c.change_seq))
            ]

    # ---- files refreshed on a schedule -------------------------------------------------------------------
    def register_file(self, agency_id: str, name: str, path: str, every_minutes: int) -> None:
        with self.db.write() as conn:
            ins = self.db.insert(hotlist_files).values(
                agency_id=agency_id, name=name, path=path, every_minutes=every_minutes
            )
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=["agency_id", "name"], set_={"path": path, "every_minutes": every_minutes}
                )
            )

    def files_due(self, now: datetime) -> list[HotlistFile]:
        with self.db.read() as conn:
            rows = conn.execute(select(hotlist_files)).all()
        out = []
        for r in rows:
            f = HotlistFile(
                r.agency_id, r.name, r.path, r.every_minutes, r.last_loaded_at, r.last_count, r.last_error
            )
            if f.last_loaded_at is None or (now - f.last_loaded_at).total_seconds() >= f.every_minutes * 60:
                out.append(f)
        return out

    def file_loaded(
        self, agency_id: str, name: str, at: datetime, count: int | None, error: str | None
    ) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(hotlist_files)
                .where(and_(hotlist_files.c.agency_id == agency_id, hotlist_files.c.name == name))
                .values(last_loaded_at=at, last_count=count, last_error=error)
            )


@dataclass(frozen=True, slots=True)
class Check:
    item: str
    result: str
    note: str | None
    by: str
    at: datetime


class AlertChecks:
    """Who confirmed what on a hit, item by item, in order."""

    def __init__(self, db: Database):
        self.db = db

    def record(self, alert_id: str, item: str, result: str, note: str | None, by: str, at: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(
                alert_checks.insert().values(
                    alert_id=alert_id, item=item, result=result, note=note, by=by, at=at
                )
            )

    def for_alert(self, alert_id: str) -> list[Check]:
        with self.db.read() as conn:
            rows = conn.execute(
                select(alert_checks).where(alert_checks.c.alert_id == alert_id).order_by(alert_checks.c.id)
            ).all()
        return [Check(r.item, r.result, r.note, r.by, r.at) for r in rows]

    def latest(self, alert_id: str) -> dict[str, str]:
        """Each item's most recent result."""
        return {c.item: c.result for c in self.for_alert(alert_id)}

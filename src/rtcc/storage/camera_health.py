"""Camera health history, uptime and the maintenance list.

Every change of a camera's up/down status (from a probe, a heartbeat or a recorder's report) is kept as one
row, so uptime over any window can be worked out afterwards; the maintenance list is the cameras down now,
with the note or ticket number an operator set on each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Index, String, Table, and_, func, select

from rtcc.domain.vocab import HealthState
from rtcc.storage import camera_credentials  # noqa: F401  (its table is part of the schema)
from rtcc.storage.db import Database
from rtcc.storage.tables import SeqType, cameras, metadata
from rtcc.storage.types import UTCDateTime

camera_status_history = Table(
    "camera_status_history",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("camera_id", String(64), nullable=False),
    Column("agency_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # up, down
    Column("condition", String(32)),  # unreachable, frozen, black, covered, no_heartbeat, reported
    Column("reason", String(200)),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_camera_status_history_camera_at", "camera_id", "at"),
)

camera_maintenance = Table(
    "camera_maintenance",
    metadata,
    Column("camera_id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("note", String(1000)),
    Column("ticket", String(100)),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class StatusChange:
    camera_id: str
    status: HealthState
    condition: str | None
    reason: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class MaintenanceEntry:
    camera_id: str
    agency_id: str
    name: str
    kind: str
    lat: float
    lon: float
    down_since: datetime | None
    reason: str | None
    condition: str | None
    note: str | None
    ticket: str | None
    note_by: str | None
    note_at: datetime | None


class CameraHealthStore:
    def __init__(self, db: Database):
        self.db = db

    def record(
        self,
        agency_id: str,
        camera_id: str,
        status: HealthState,
        at: datetime,
        *,
        condition: str | None = None,
        reason: str | None = None,
    ) -> bool:
        """Keep a status report when it changes the camera's last known status. True when kept; repeated
        reports (heartbeats saying "up" again) and reports older than the last change are not rows."""
        h = camera_status_history
        with self.db.write() as conn:
            last = conn.execute(
                select(h.c.status, h.c.at).where(h.c.camera_id == camera_id).order_by(h.c.at.desc()).limit(1)
            ).first()
            if last is not None and (last.status == status.value or at < last.at):
                return False
            conn.execute(
                h.insert().values(
                    camera_id=camera_id,
                    agency_id=agency_id,
                    status=status.value,
                    condition=condition,
                    reason=reason[:200] if reason else None,
                    at=at,
                )
            )
        return True

    def changes(self, camera_ids: Sequence[str], since: datetime) -> dict[str, list[StatusChange]]:
        """Each camera's changes from ``since`` on, led by the last change before it (the status the
        window opens with), oldest first."""
        if not camera_ids:
            return {}
        h = camera_status_history
        ids = list(camera_ids)
        before = (
            select(h.c.camera_id, func.max(h.c.at).label("at"))
            .where(h.c.camera_id.in_(ids), h.c.at < since)
            .group_by(h.c.camera_id)
            .subquery()
        )
        opening = select(h).join(before, and_(h.c.camera_id == before.c.camera_id, h.c.at == before.c.at))
        within = select(h).where(h.c.camera_id.in_(ids), h.c.at >= since)
        out: dict[str, list[StatusChange]] = {c: [] for c in ids}
        with self.db.read() as conn:
            rows = [*conn.execute(opening), *conn.execute(within)]
        for r in sorted(rows, key=lambda r: (r.at, r.id)):
            out[r.camera_id].append(
                StatusChange(r.camera_id, HealthState(r.status), r.condition, r.reason, r.at)
            )
        return out

    def recent(self, camera_id: str, limit: int = 50) -> list[StatusChange]:
        h = camera_status_history
        with self.db.read() as conn:
            rows = conn.execute(
                select(h)
                .where(h.c.camera_id == camera_id)
                .order_by(h.c.at.desc(), h.c.id.desc())
                .limit(limit)
            )
            return [
                StatusChange(r.camera_id, HealthState(r.status), r.condition, r.reason, r.at) for r in rows
            ]

    def set_note(
        self, camera_id: str, agency_id: str, note: str | None, ticket: str | None, *, by: str
    ) -> None:
        row = {
            "camera_id": camera_id,
            "agency_id": agency_id,
            "note": note,
            "ticket": ticket,
            "updated_by": by,
            "updated_at": datetime.now(UTC),
        }
        stmt = self.db.insert(camera_maintenance).values(row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["camera_id"], set_={k: v for k, v in row.items() if k != "camera_id"}
        )
        with self.db.write() as conn:
            conn.execute(stmt)

    def maintenance(self, agency_ids: Sequence[str], limit: int = 5000) -> list[MaintenanceEntry]:
        """The cameras down now, longest down first, with why, since when and the note set on each."""
        m = camera_maintenance
        h = camera_status_history
        latest = (
            select(h.c.camera_id, func.max(h.c.at).label("at"))
            .where(h.c.status == HealthState.DOWN.value)
            .group_by(h.c.camera_id)
            .subquery()
        )
        last_down = (
            select(h.c.camera_id, h.c.condition)
            .join(latest, and_(h.c.camera_id == latest.c.camera_id, h.c.at == latest.c.at))
            .subquery()
        )
        q = (
            select(
                cameras.c.id,
                cameras.c.agency_id,
                cameras.c.name,
                cameras.c.kind,
                cameras.c.lat,
                cameras.c.lon,
                cameras.c.status_changed_at,
                cameras.c.status_reason,
                last_down.c.condition,
                m.c.note,
                m.c.ticket,
                m.c.updated_by,
                m.c.updated_at,
            )
            .select_from(
                cameras.outerjoin(m, m.c.camera_id == cameras.c.id).outerjoin(
                    last_down, last_down.c.camera_id == cameras.c.id
                )
            )
            .where(cameras.c.status == HealthState.DOWN.value, cameras.c.agency_id.in_(list(agency_ids)))
            .order_by(cameras.c.status_changed_at.asc().nulls_first(), cameras.c.id)
            .limit(limit)
        )
        with self.db.read() as conn:
            rows = list(conn.execute(q))
        return [
            MaintenanceEntry(
                camera_id=r.id,
                agency_id=r.agency_id,
                name=r.name,
                kind=r.kind,
                lat=r.lat,
                lon=r.lon,
                down_since=r.status_changed_at,
                reason=r.status_reason,
                condition=r.condition,
                note=r.note,
                ticket=r.ticket,
                note_by=r.updated_by,
                note_at=r.updated_at,
            )
            for r in rows
        ]

"""The officers' side: which unit each officer is riding, bulletins to units with delivery and read
receipts, and notices of calls near a unit."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, select, update

from rtcc.storage.db import Database
from rtcc.storage.tables import bulletin_receipts, bulletins, field_sessions, unit_notices


@dataclass(frozen=True, slots=True)
class Receipt:
    unit_id: str
    delivered_at: datetime | None
    delivered_to: str | None
    read_at: datetime | None
    read_by: str | None


@dataclass(frozen=True, slots=True)
class Bulletin:
    id: str
    agency_id: str
    call_id: str
    sent_by: str
    sent_at: datetime
    text: str
    camera_id: str | None
    snapshot_ref: str | None
    plate: str | None
    person_id: str | None
    receipts: list[Receipt]


@dataclass(frozen=True, slots=True)
class Notice:
    call_id: str
    at: datetime
    distance_m: float


class FieldStore:
    def __init__(self, db: Database):
        self.db = db

    # ---- which unit an officer rides --------------------------------------------------------------------
    def sign_on(self, user_id: str, agency_id: str, unit_id: str, at: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(delete(field_sessions).where(field_sessions.c.user_id == user_id))
            conn.execute(
                field_sessions.insert().values(
                    user_id=user_id, agency_id=agency_id, unit_id=unit_id, since=at
                )
            )

    def sign_off(self, user_id: str) -> None:
        with self.db.write() as conn:
            conn.execute(delete(field_sessions).where(field_sessions.c.user_id == user_id))

    def unit_of(self, user_id: str) -> str | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(field_sessions.c.unit_id).where(field_sessions.c.user_id == user_id)
            ).first()
        return row.unit_id if row else None

    # ---- bulletins -----------------------------------------------------------------------------------------
    def send(
        self,
        *,
        agency_id: str,
        call_id: str,
        sent_by: str,
        at: datetime,
        text: str,
        units: Sequence[str],
        camera_id: str | None = None,
        snapshot_ref: str | None = None,
        plate: str | None = None,
        person_id: str | None = None,
    ) -> Bulletin:
        bulletin_id = "b-" + secrets.token_hex(8)
        with self.db.write() as conn:
            conn.execute(
                bulletins.insert().values(
                    id=bulletin_id,
                    agency_id=agency_id,
                    call_id=call_id,
                    sent_by=sent_by,
                    sent_at=at,
                    text=text,
                    camera_id=camera_id,
                    snapshot_ref=snapshot_ref,
                    plate=plate,
                    person_id=person_id,
                )
            )
            if units:
                conn.execute(
                    bulletin_receipts.insert(), [{"bulletin_id": bulletin_id, "unit_id": u} for u in units]
                )
        found = self.bulletin(bulletin_id)
        assert found is not None
        return found

    def bulletin(self, bulletin_id: str) -> Bulletin | None:
        with self.db.read() as conn:
            row = conn.execute(select(bulletins).where(bulletins.c.id == bulletin_id)).first()
            if row is None:
                return None
            return self._with_receipts(conn, [row])[0]

    def for_call(self, agency_id: str, call_id: str) -> list[Bulletin]:
        with self.db.read() as conn:
            rows = conn.execute(
                select(bulletins)
                .where(and_(bulletins.c.agency_id == agency_id, bulletins.c.call_id == call_id))
                .order_by(bulletins.c.sent_at)
            ).all()
            return self._with_receipts(conn, rows)

    def for_unit(self, agency_id: str, unit_id: str, limit: int = 50) -> list[Bulletin]:
        with self.db.read() as conn:
            rows = conn.execute(
                select(bulletins)
                .join(bulletin_receipts, bulletin_receipts.c.bulletin_id == bulletins.c.id)
                .where(and_(bulletins.c.agency_id == agency_id, bulletin_receipts.c.unit_id == unit_id))
                .order_by(bulletins.c.sent_at.desc())
                .limit(limit)
            ).all()
            return self._with_receipts(conn, rows)

    def _with_receipts(self, conn: Connection, rows: Sequence[Row[Any]]) -> list[Bulletin]:
        ids = [r.id for r in rows]
        receipts: dict[str, list[Receipt]] = {i: [] for i in ids}
        if ids:
            for rr in conn.execute(
                select(bulletin_receipts)
                .where(bulletin_receipts.c.bulletin_id.in_(ids))
                .order_by(bulletin_receipts.c.unit_id)
            ):
                receipts[rr.bulletin_id].append(
                    Receipt(rr.unit_id, rr.delivered_at, rr.delivered_to, rr.read_at, rr.read_by)
                )
        return [
            Bulletin(
                r.id,
                r.agency_id,
                r.call_id,
                r.sent_by,
                r.sent_at,
                r.text,
                r.camera_id,
                r.snapshot_ref,
                r.plate,
                r.person_id,
                receipts[r.id],
            )
            for r in rows
        ]

    def deliver_waiting(self, unit_id: str, username: str, at: datetime) -> None:
        """Fetching the field view delivers everything waiting for the unit; a later fetch changes nothing."""
        with self.db.write() as conn:
            conn.execute(
                update(bulletin_receipts)
                .where(bulletin_receipts.c.unit_id == unit_id, bulletin_receipts.c.delivered_at.is_(None))
                .values(delivered_at=at, delivered_to=username)
            )

    def mark_read(self, unit_id: str, bulletin_id: str, username: str, at: datetime) -> bool:
        with self.db.write() as conn:
            key = and_(bulletin_receipts.c.unit_id == unit_id, bulletin_receipts.c.bulletin_id == bulletin_id)
            if conn.execute(select(bulletin_receipts.c.unit_id).where(key)).first() is None:
                return False
            # Read implies delivered, even when the read came before any fetch (a push notification).
            conn.execute(
                update(bulletin_receipts)
                .where(key, bulletin_receipts.c.delivered_at.is_(None))
                .values(delivered_at=at, delivered_to=username)
            )
            conn.execute(
                update(bulletin_receipts)
                .where(key, bulletin_receipts.c.read_at.is_(None))
                .values(read_at=at, read_by=username)
            )
            return True

    # ---- calls near a unit -----------------------------------------------------------------------------
    def record_notices(
        self, agency_id: str, call_id: str, at: datetime, near: Sequence[tuple[str, float]]
    ) -> None:
        if not near:
            return
        with self.db.write() as conn:
            for unit_id, distance in near:
                key = and_(
                    unit_notices.c.agency_id == agency_id,
                    unit_notices.c.unit_id == unit_id,
                    unit_notices.c.call_id == call_id,
                )
                if conn.execute(select(unit_notices.c.call_id).where(key)).first() is None:
                    conn.execute(
                        unit_notices.insert().values(
                            agency_id=agency_id, unit_id=unit_id, call_id=call_id, at=at, distance_m=distance
                        )
                    )

    def notices(self, agency_id: str, unit_id: str, since: datetime, limit: int = 20) -> list[Notice]:
        with self.db.read() as conn:
            rows = conn.execute(
                select(unit_notices)
                .where(
                    unit_notices.c.agency_id == agency_id,
                    unit_notices.c.unit_id == unit_id,
                    unit_notices.c.at >= since,
                )
                .order_by(unit_notices.c.at.desc())
                .limit(limit)
            ).all()
        return [Notice(r.call_id, r.at, r.distance_m) for r in rows]

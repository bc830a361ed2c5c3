"""Operator positions (the desks or booths of the center): who holds each, and the open alerts routed there.

A position is held by at most one person, and a person holds at most one position (a unique index on the
occupant keeps it so even when two requests race).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from rtcc.storage.db import Database
from rtcc.storage.live_state import OPEN_ALERT_STATUSES
from rtcc.storage.tables import alerts, positions

# A sign-in that loses a race (the position changed hands between reading and writing) reads again.
SIGN_IN_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Position:
    id: str
    agency_id: str
    name: str
    description: str | None
    occupant: str | None
    occupant_since: datetime | None
    created_at: datetime
    open_alerts: int = 0


@dataclass(frozen=True, slots=True)
class SignInResult:
    """Either the position now held (``position``), or who holds it when it was not taken (``holder``)."""

    position: Position | None
    holder: str | None = None
    released: Position | None = None  # the position the person left to take this one
    displaced: str | None = None  # who was signed out by a take-over
    changed: bool = True  # False when the person already held it


class PositionNameTaken(Exception):
    pass


class _Moved(Exception):
    """The position changed hands between reading and writing it."""


def _position(row: Any, open_alerts: int = 0) -> Position:
    return Position(
        id=row.id,
        agency_id=row.agency_id,
        name=row.name,
        description=row.description,
        occupant=row.occupant_username,
        occupant_since=row.occupant_since,
        created_at=row.created_at,
        open_alerts=open_alerts,
    )


class Positions:
    def __init__(self, db: Database):
        self.db = db

    def create(self, agency_id: str, name: str, description: str | None, at: datetime) -> Position:
        created = Position(f"POS-{uuid.uuid4().hex[:10]}", agency_id, name, description, None, None, at)
        try:
            with self.db.write() as conn:
                conn.execute(
                    positions.insert().values(
                        id=created.id,
                        agency_id=agency_id,
                        name=name,
                        description=description,
                        created_at=at,
                    )
                )
        except IntegrityError as exc:
            raise PositionNameTaken(name) from exc
        return created

    def ensure(
        self, agency_id: str, wanted: Sequence[tuple[str, str | None]], at: datetime
    ) -> list[Position]:
        """Create the named positions the agency does not have yet; returns those created."""
        have = {p.name for p in self.for_agency(agency_id)}
        return [self.create(agency_id, name, desc, at) for name, desc in wanted if name not in have]

    def for_agency(self, agency_id: str) -> list[Position]:
        """The agency's positions by name, each with the number of open alerts routed to it."""
        with self.db.read() as conn:
            rows = list(
                conn.execute(
                    select(positions).where(positions.c.agency_id == agency_id).order_by(positions.c.name)
                )
            )
            counts = self._open_alerts(conn, agency_id, [r.id for r in rows])
        return [_position(r, counts.get(r.id, 0)) for r in rows]

    def get(self, agency_id: str, position_id: str) -> Position | None:
        with self.db.read() as conn:
            row = self._row(conn, agency_id, position_id)
            if row is None:
                return None
            return _position(row, self._open_alerts(conn, agency_id, [row.id]).get(row.id, 0))

    def _row(self, conn: Connection, agency_id: str, position_id: str) -> Any:
        return conn.execute(
            select(positions).where(positions.c.id == position_id, positions.c.agency_id == agency_id)
        ).first()

    def _open_alerts(self, conn: Connection, agency_id: str, ids: list[str]) -> dict[str, int]:
        if not ids:
            return {}
        q = (
            select(alerts.c.position_id, func.count())
            .where(
                alerts.c.agency_id == agency_id,
                alerts.c.position_id.in_(ids),
                alerts.c.status.in_(OPEN_ALERT_STATUSES),
            )
            .group_by(alerts.c.position_id)
        )
        return {pid: int(n) for pid, n in conn.execute(q)}

    def sign_in(
        self, agency_id: str, position_id: str, username: str, at: datetime, *, take_over: bool
    ) -> SignInResult | None:
        """Take a position (None when the agency has no such position). Someone else's position is taken
        only with ``take_over``; the position the person held before is released."""
        for attempt in range(SIGN_IN_ATTEMPTS):
            try:
                return self._sign_in_once(agency_id, position_id, username, at, take_over)
            except (_Moved, IntegrityError):
                if attempt == SIGN_IN_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _sign_in_once(
        self, agency_id: str, position_id: str, username: str, at: datetime, take_over: bool
    ) -> SignInResult | None:
        with self.db.write() as conn:
            row = self._row(conn, agency_id, position_id)
            if row is None:
                return None
            holder = row.occupant_username
            if holder == username:
                return SignInResult(_position(row), changed=False)
            if holder is not None and not take_over:
                return SignInResult(None, holder=holder)
            former = conn.execute(select(positions).where(positions.c.occupant_username == username)).first()
            if former is not None:
                conn.execute(
                    update(positions)
                    .where(positions.c.id == former.id)
                    .values(occupant_username=None, occupant_since=None)
                )
            same_holder = (
                positions.c.occupant_username.is_(None)
                if holder is None
                else positions.c.occupant_username == holder
            )
            done = conn.execute(
                update(positions)
                .where(positions.c.id == position_id, same_holder)
                .values(occupant_username=username, occupant_since=at)
            )
            if not done.rowcount:
                raise _Moved  # leaving the block rolls the release back too
        taken = replace(_position(row), occupant=username, occupant_since=at)
        released = replace(_position(former), occupant=None, occupant_since=None) if former else None
        return SignInResult(taken, released=released, displaced=holder)

    def release(self, agency_id: str, position_id: str, occupant: str) -> bool:
        """Free the position if ``occupant`` still holds it."""
        with self.db.write() as conn:
            done = conn.execute(
                update(positions)
                .where(
                    positions.c.id == position_id,
                    positions.c.agency_id == agency_id,
                    positions.c.occupant_username == occupant,
                )
                .values(occupant_username=None, occupant_since=None)
            )
        return bool(done.rowcount)

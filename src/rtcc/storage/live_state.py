"""Current state of the city (calls, units, cameras, sensors, drones, alerts), kept by the projector."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, and_, bindparam, func, or_, select, update

from rtcc.domain.entities import Alert, Call, Camera, Drone, Sensor, Unit
from rtcc.domain.geo import M_PER_DEG
from rtcc.domain.ports import StateChange
from rtcc.storage.db import Database
from rtcc.storage.tables import alerts, call_units, calls, camera_changes, cameras, drones, sensors, units

UNIT_STAGES = ("dispatched", "en_route", "on_scene")
# What the camera index keeps of each camera.
CAMERA_PLACE_COLUMNS = (
    "id",
    "agency_id",
    "lat",
    "lon",
    "heading_deg",
    "fov_deg",
    "range_m",
    "ptz",
    "mount_height_m",
    "status",
)
_IDS_PER_QUERY = 500
# Alerts someone still has to deal with (closed ones have an outcome; dismissed ones were set aside).
OPEN_ALERT_STATUSES = ("new", "acknowledged")

# kind -> (table, key column); rows keyed by agency as well when the table has it in its key.
TABLES: dict[str, tuple[Table, str, bool]] = {
    "call": (calls, "call_id", True),
    "unit": (units, "unit_id", True),
    "camera": (cameras, "id", False),
    "sensor": (sensors, "id", False),
    "drone": (drones, "id", False),
    "alert": (alerts, "id", False),
}


def _signature(ch: StateChange) -> tuple[Any, ...] | None:
    """What makes changes batchable together: plain field updates of one kind, the same fields, the same
    guard and create rule. None for the changes that need their own statements."""
    if ch.kind not in TABLES or ch.append or not ch.fields:
        return None
    if ch.guard is not None and ch.guard not in ch.fields:
        return None
    return (ch.kind, tuple(sorted(ch.fields)), ch.guard, ch.create, tuple(sorted(ch.defaults)))


def _older(ch: StateChange, held: StateChange, guard: str) -> bool:
    new, old = ch.fields[guard], held.fields[guard]
    return new is not None and old is not None and new < old


class SqlLiveState:
    def __init__(self, db: Database):
        self.db = db

    def apply(self, changes: Sequence[StateChange]) -> None:
        if not changes:
            return
        with self.db.write() as conn:
            run: list[StateChange] = []
            for ch in changes:
                if run and _signature(ch) != _signature(run[0]):
                    self._apply_run(conn, run)
                    run = []
                if _signature(ch) is None:
                    self._apply_one(conn, ch)
                else:
                    run.append(ch)
            if run:
                self._apply_run(conn, run)

    def _apply_run(self, conn: Connection, run: list[StateChange]) -> None:
        """Consecutive plain updates of the same fields (a busy AVL feed moving hundreds of units) as one
        executemany of one prepared UPDATE. Order is kept: a run holds only neighbours in the batch, and for
        one row only the change that would win is sent (the newest by the guard, else the last). Where
        fewer rows changed than were sent (a new row to create, an older report refused by the guard), the
        run is applied change by change instead, which gives the same result."""
        first = run[0]
        if len(run) == 1:
            self._apply_one(conn, first)
            return
        winners: dict[str, StateChange] = {}
        for ch in run:
            held = winners.get(ch.key)
            if held is None or first.guard is None or not _older(ch, held, first.guard):
                winners[ch.key] = ch
        table, key_col, agency_keyed = TABLES[first.kind]
        where = [table.c[key_col] == bindparam("k_key")]
        if agency_keyed:
            where.append(table.c.agency_id == bindparam("k_agency"))
        if first.guard is not None:
            col = table.c[first.guard]
            where.append(or_(col.is_(None), col <= bindparam("k_guard")))
        names = sorted(first.fields)
        stmt = update(table).where(*where).values({n: bindparam(f"v_{n}") for n in names})
        params = [
            {
                "k_key": ch.key,
                "k_agency": ch.agency_id,
                **({"k_guard": ch.fields[first.guard]} if first.guard is not None else {}),
                **{f"v_{n}": ch.fields[n] for n in names},
            }
            for ch in winners.values()
        ]
        if conn.execute(stmt, params).rowcount == len(params):
            return
        for ch in run:
            self._apply_one(conn, ch)

    def _apply_one(self, conn: Connection, ch: StateChange) -> None:
        if ch.kind == "call_stamp":
            self._stamp_call(conn, ch)
            return
        if ch.kind == "unit_stamp":
            self._stamp_unit(conn, ch)
            return
        table, key_col, agency_keyed = TABLES[ch.kind]
        where = table.c[key_col] == ch.key
        if agency_keyed:
            where = and_(where, table.c.agency_id == ch.agency_id)
        if ch.append:
            self._apply_with_append(conn, table, key_col, where, ch)
            return
        # The usual case is a row that exists: one guarded UPDATE, and a look for the row only if it hit none.
        stmt = update(table).where(where)
        if ch.guard is not None and ch.guard in ch.fields:
            col = table.c[ch.guard]
            stmt = stmt.where(or_(col.is_(None), col <= ch.fields[ch.guard]))
        if ch.fields and conn.execute(stmt.values(**ch.fields)).rowcount:
            return
        if ch.create and conn.execute(select(table.c[key_col]).where(where)).first() is None:
            conn.execute(
                table.insert().values(
                    **{key_col: ch.key, "agency_id": ch.agency_id, **ch.defaults, **ch.fields}
                )
            )

    def _apply_with_append(
        self, conn: Connection, table: Table, key_col: str, where: Any, ch: StateChange
    ) -> None:
        current = conn.execute(select(table).where(where)).first()
        if current is None:
            if ch.create:
                row: dict[str, Any] = {key_col: ch.key, "agency_id": ch.agency_id, **ch.defaults, **ch.fields}
                row.update({name: [value] for name, value in ch.append.items()})
                conn.execute(table.insert().values(**row))
            return
        values = dict(ch.fields)
        for name, value in ch.append.items():
            existing = list(getattr(current, name) or [])
            if value not in existing:
                values[name] = [*existing, value]
        if ch.guard is not None and ch.guard in ch.fields:
            stored = getattr(current, ch.guard)
            if stored is not None and stored > ch.fields[ch.guard]:
                # An older status arriving late: keep the newer status, but still record the unit.
                values = {k: v for k, v in values.items() if k in ch.append}
        if values:
            conn.execute(update(table).where(where).values(**values))

    def _stamp_call(self, conn: Connection, ch: StateChange) -> None:
        """Keep the time a call first reached each stage (the earliest report wins, late or not)."""
        status, at, unit_id = ch.fields["status"], ch.fields["at"], ch.fields.get("unit_id")
        where = and_(calls.c.agency_id == ch.agency_id, calls.c.call_id == ch.key)
        if status != "received":
            col = calls.c[f"{status}_at"]
            conn.execute(update(calls).where(where, or_(col.is_(None), col > at)).values({col.name: at}))
        if status == "cleared":
            conn.execute(
                update(call_units)
                .where(
                    call_units.c.agency_id == ch.agency_id,
                    call_units.c.call_id == ch.key,
                    call_units.c.cleared_at.is_(None),
                )
                .values(cleared_at=at)
            )
        elif unit_id and status in UNIT_STAGES:
            self._stamp_assignment(conn, ch.agency_id, ch.key, unit_id, status, at)

    def _stamp_unit(self, conn: Connection, ch: StateChange) -> None:
        """A unit's own status: its stage on the call it is on, or clear of whatever it was on."""
        status, at, incident_id = ch.fields["status"], ch.fields["at"], ch.fields.get("incident_id")
        if status in UNIT_STAGES and incident_id:
            row = conn.execute(
                select(calls.c.call_id)
                .where(
                    calls.c.agency_id == ch.agency_id,
                    or_(calls.c.incident_id == incident_id, calls.c.call_id == incident_id),
                )
                .limit(1)
            ).first()
            if row is not None:
                self._stamp_assignment(conn, ch.agency_id, row.call_id, ch.key, status, at)
        elif status in ("available", "out_of_service"):
            conn.execute(
                update(call_units)
                .where(
                    call_units.c.agency_id == ch.agency_id,
                    call_units.c.unit_id == ch.key,
                    call_units.c.cleared_at.is_(None),
                    call_units.c.dispatched_at <= at,
                )
                .values(cleared_at=at)
            )

    def _stamp_assignment(
        self, conn: Connection, agency_id: str, call_id: str, unit_id: str, status: str, at: datetime
    ) -> None:
        col = call_units.c[f"{status}_at"]
        key = and_(
            call_units.c.agency_id == agency_id,
            call_units.c.call_id == call_id,
            call_units.c.unit_id == unit_id,
        )
        if conn.execute(select(call_units.c.unit_id).where(key)).first() is None:
            conn.execute(
                call_units.insert().values(
                    agency_id=agency_id, call_id=call_id, unit_id=unit_id, **{col.name: at}
                )
            )
        else:
            conn.execute(update(call_units).where(key, or_(col.is_(None), col > at)).values({col.name: at}))

    # ---- reading ---------------------------------------------------------------------------------------
    def _rows(
        self,
        table: Table,
        order: Any,
        agency_id: str | None,
        limit: int,
        agency_ids: Sequence[str] | None = None,
    ) -> list[Any]:
        q = select(table).order_by(order).limit(limit)
        if agency_id is not None:
            q = q.where(table.c.agency_id == agency_id)
        if agency_ids is not None:
            q = q.where(table.c.agency_id.in_(list(agency_ids)))
        with self.db.read() as conn:
            return list(conn.execute(q))

    def calls(
        self,
        *,
        agency_id: str | None = None,
        open_only: bool = False,
        limit: int = 500,
        agency_ids: Sequence[str] | None = None,
    ) -> list[Call]:
        q = select(calls).order_by(calls.c.received_at.desc()).limit(limit)
        if agency_id is not None:
            q = q.where(calls.c.agency_id == agency_id)
        if agency_ids is not None:
            q = q.where(calls.c.agency_id.in_(list(agency_ids)))
        if open_only:
            q = q.where(calls.c.status != "cleared")
        with self.db.read() as conn:
            return [Call.model_validate(r) for r in conn.execute(q)]

    def units(
        self, *, agency_id: str | None = None, limit: int = 5000, agency_ids: Sequence[str] | None = None
    ) -> list[Unit]:
        return [
            Unit.model_validate(r) for r in self._rows(units, units.c.unit_id, agency_id, limit, agency_ids)
        ]

    def cameras(
        self, *, agency_id: str | None = None, limit: int = 250_000, agency_ids: Sequence[str] | None = None
    ) -> list[Camera]:
        return [
            Camera.model_validate(r) for r in self._rows(cameras, cameras.c.id, agency_id, limit, agency_ids)
        ]

    def sensors(self, *, agency_id: str | None = None, limit: int = 50_000) -> list[Sensor]:
        return [Sensor.model_validate(r) for r in self._rows(sensors, sensors.c.id, agency_id, limit)]

    def drones(
        self, *, agency_id: str | None = None, limit: int = 1000, agency_ids: Sequence[str] | None = None
    ) -> list[Drone]:
        return [
            Drone.model_validate(r) for r in self._rows(drones, drones.c.id, agency_id, limit, agency_ids)
        ]

    def alerts(
        self, *, agency_id: str | None = None, limit: int = 500, agency_ids: Sequence[str] | None = None
    ) -> list[Alert]:
        rows = self._rows(alerts, alerts.c.raised_at.desc(), agency_id, limit, agency_ids)
        return [Alert.model_validate(r) for r in rows]

    def cameras_near(self, agency_id: str, lat: float, lon: float, radius_m: float) -> list[Camera]:
        """Cameras within a box around the point (the caller measures true distances). The box holds every
        camera within radius_m by haversine_m, with 1% to spare."""
        dlat = radius_m * 1.01 / M_PER_DEG
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        q = select(cameras).where(
            cameras.c.agency_id == agency_id,
            cameras.c.lat.between(lat - dlat, lat + dlat),
            cameras.c.lon.between(lon - dlon, lon + dlon),
        )
        with self.db.read() as conn:
            return [Camera.model_validate(r) for r in conn.execute(q)]

    def cameras_by_id(self, camera_ids: Sequence[str]) -> dict[str, Camera]:
        """These cameras, by id (ids not in the registry are left out)."""
        out: dict[str, Camera] = {}
        with self.db.read() as conn:
            for i in range(0, len(camera_ids), _IDS_PER_QUERY):
                chunk = list(camera_ids[i : i + _IDS_PER_QUERY])
                for r in conn.execute(select(cameras).where(cameras.c.id.in_(chunk))):
                    out[r.id] = Camera.model_validate(r)
        return out

    # ---- what the in-memory camera index reads (rtcc.engines.camera_index) ---------------------------------
    def camera_places(self, camera_ids: Sequence[str] | None = None) -> list[Row[Any]]:
        """Each camera's id, agency, place, orientation and status: of all cameras, or of these."""
        q = select(*(cameras.c[name] for name in CAMERA_PLACE_COLUMNS))
        with self.db.read() as conn:
            if camera_ids is None:
                return list(conn.execute(q))
            out: list[Row[Any]] = []
            for i in range(0, len(camera_ids), _IDS_PER_QUERY):
                chunk = list(camera_ids[i : i + _IDS_PER_QUERY])
                out.extend(conn.execute(q.where(cameras.c.id.in_(chunk))))
            return out

    def last_camera_change(self) -> int:
        """The number of the last logged change to a camera (0 when none is logged)."""
        # A bare max() is one step down the primary key on SQLite; wrapped in anything it is a scan.
        with self.db.read() as conn:
            return int(conn.execute(select(func.max(camera_changes.c.seq))).scalar_one() or 0)

    def camera_changes(self, after_seq: int, limit: int) -> tuple[int, list[str] | None]:
        """The number of the last logged change, and the ids of the cameras changed after after_seq. The ids
        are None when more than limit changes are waiting, or when the log no longer reaches back to
        after_seq (pruned, or started again): then everything is worth reading again."""
        c = camera_changes.c
        with self.db.read() as conn:
            last = int(conn.execute(select(func.max(c.seq))).scalar_one() or 0)
            if last == after_seq:
                return last, []
            first = conn.execute(select(func.min(c.seq))).scalar_one()
            if last < after_seq or last - after_seq > limit or (first is not None and first > after_seq + 1):
                return last, None
            ids = conn.execute(select(c.camera_id).where(c.seq > after_seq, c.seq <= last).distinct())
            return last, [r.camera_id for r in ids]

    def prune_camera_changes(self, keep: int) -> int:
        """Forget all but the last keep logged changes (a process further behind reads everything again)."""
        with self.db.write() as conn:
            last = conn.execute(select(func.max(camera_changes.c.seq))).scalar_one()
            if last is None:
                return 0
            return conn.execute(camera_changes.delete().where(camera_changes.c.seq <= last - keep)).rowcount

    def alert(self, alert_id: str) -> Alert | None:
        with self.db.read() as conn:
            r = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
        return Alert.model_validate(r) if r else None

    def camera(self, camera_id: str) -> Camera | None:
        with self.db.read() as conn:
            r = conn.execute(select(cameras).where(cameras.c.id == camera_id)).first()
        return Camera.model_validate(r) if r else None

    def record_outcome(self, alert_id: str, outcome: str, by: str, note: str | None, at: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id)
                .values(status="closed", outcome=outcome, outcome_by=by, outcome_note=note, outcome_at=at)
            )

    # Each change below applies only while the alert is still in one of the states it may come from, so of
    # two people acting on an alert at once the second is told what the first did instead of undoing it.
    def acknowledge(self, alert_id: str, by: str, at: datetime) -> bool:
        """new -> acknowledged. False when the alert was not new."""
        return self._change(alert_id, ("new",), status="acknowledged", acknowledged_by=by, acknowledged_at=at)

    def assign(self, alert_id: str, values: dict[str, str | None]) -> bool:
        """Set who handles an open alert and/or the position it is routed to (``assigned_to``,
        ``position_id``). False when the alert is no longer open."""
        return self._change(alert_id, OPEN_ALERT_STATUSES, **values)

    def dismiss(self, alert_id: str, by: str, reason: str, at: datetime) -> bool:
        """An open alert set aside without an outcome; its row stays for measurement."""
        return self._change(
            alert_id,
            OPEN_ALERT_STATUSES,
            status="dismissed",
            dismissed_by=by,
            dismissed_reason=reason,
            dismissed_at=at,
        )

    def _change(self, alert_id: str, from_statuses: Sequence[str], **values: Any) -> bool:
        with self.db.write() as conn:
            done = conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id, alerts.c.status.in_(list(from_statuses)))
                .values(**values)
            )
        return bool(done.rowcount)

    def alert_outcomes(
        self, *, agency_id: str, kind: str | None, since: datetime | None = None
    ) -> list[tuple[str, datetime, str | None]]:
        """(kind, raised_at, outcome) of every alert, for reports."""
        q = select(alerts.c.kind, alerts.c.raised_at, alerts.c.outcome).where(alerts.c.agency_id == agency_id)
        if kind:
            q = q.where(alerts.c.kind == kind)
        if since is not None:
            q = q.where(alerts.c.raised_at >= since)
        with self.db.read() as conn:
            return [(r.kind, r.raised_at, r.outcome) for r in conn.execute(q.order_by(alerts.c.raised_at))]

    # ---- registry (static things the feeds then report on) -------------------------------------------------
    def register(self, kind: str, rows: Sequence[dict[str, Any]]) -> int:
        """Insert or replace registry rows (cameras, sensors, drones). Returns how many."""
        table, key_col, _ = TABLES[kind]
        with self.db.write() as conn:
            for row in rows:
                conn.execute(table.delete().where(table.c[key_col] == row[key_col]))
            if rows:
                conn.execute(table.insert(), list(rows))
        return len(rows)

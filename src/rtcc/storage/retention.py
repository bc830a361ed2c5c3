"""Runs the retention policies against the database and records what each run purged."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Connection, and_, delete, exists, func, select

from rtcc.domain.retention import RetentionPolicy
from rtcc.storage.accounts import now_utc
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from rtcc.storage.tables import (
    alerts,
    call_notes,
    call_units,
    calls,
    dead_letters,
    events,
    person_links,
    plate_reads,
    plate_vocab,
    retention_runs,
)

log = structlog.get_logger(__name__)
PLATE_TYPES = ("alpr.read",)
# The policies carried out in the database (below); others need a file purger.
ROW_POLICIES = frozenset({"plate_reads", "events", "calls", "intelligence_records", "dead_letters"})


@dataclass(frozen=True)
class RetentionRun:
    ran_at: datetime
    policy: str
    keep_days: int
    cutoff: datetime
    purged: int
    kept_on_hold: int


# A policy over files rather than rows (recorded video): deletes what is older than the cutoff, returns
# how many files went.
FilePurger = Callable[[datetime], int]


class Retention:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        policies: Sequence[RetentionPolicy],
        files: Mapping[str, FilePurger] | None = None,
    ):
        self.db = db
        self.audit = audit
        self.policies = list(policies)
        self.files = dict(files or {})
        # A policy in force must have something that carries it out: a server that said it deletes video
        # after 30 days and never did would mislead the public and the auditor.
        missing = [p.name for p in self.policies if p.name not in ROW_POLICIES and p.name not in self.files]
        if missing:
            raise ValueError(f"no retention rule for {', '.join(missing)}")

    def run(self, now: datetime | None = None) -> list[RetentionRun]:
        """Apply every policy once. Each policy is its own transaction and its own record."""
        now = now or now_utc()
        done = []
        for policy in self.policies:
            cutoff = now - timedelta(days=policy.keep_days)
            purged, held = self._purge(policy.name, cutoff)
            run = RetentionRun(now, policy.name, policy.keep_days, cutoff, purged, held)
            with self.db.write() as conn:
                conn.execute(retention_runs.insert().values(**run.__dict__))
            if purged:
                self.audit.record(
                    action="retention.purge",
                    resource=policy.name,
                    outcome="success",
                    detail={
                        "purged": purged,
                        "kept_on_hold": held,
                        "cutoff": cutoff.isoformat(),
                        "keep_days": policy.keep_days,
                    },
                )
            done.append(run)
        return done

    def _purge(self, name: str, cutoff: datetime) -> tuple[int, int]:
        if name in self.files:
            return self.files[name](cutoff), 0
        with self.db.write() as conn:
            if name == "plate_reads":
                held_ids = self._plate_reads_on_hold(conn)
                old = and_(events.c.type.in_(PLATE_TYPES), events.c.occurred_at < cutoff)
                held = 0
                if held_ids:
                    held = int(
                        conn.execute(select(func.count()).where(old, events.c.id.in_(held_ids))).scalar_one()
                    )
                    old = and_(old, events.c.id.not_in(held_ids))
                purged = conn.execute(delete(events).where(old)).rowcount
                if purged:  # a plate whose last read went leaves the search vocabulary with it
                    conn.execute(
                        delete(plate_vocab).where(~exists().where(plate_reads.c.plate == plate_vocab.c.plate))
                    )
                return purged, held
            if name == "events":
                old = and_(events.c.type.not_in(PLATE_TYPES), events.c.occurred_at < cutoff)
                return conn.execute(delete(events).where(old)).rowcount, 0
            if name == "calls":
                old = and_(calls.c.status == "cleared", calls.c.updated_at < cutoff)
                keys = conn.execute(select(calls.c.agency_id, calls.c.call_id).where(old)).all()
                for agency_id, call_id in keys:  # a call's units and notes go with it
                    for table in (call_units, call_notes):
                        conn.execute(
                            delete(table).where(table.c.agency_id == agency_id, table.c.call_id == call_id)
                        )
                return conn.execute(delete(calls).where(old)).rowcount, 0
            if name == "intelligence_records":
                lapsed = and_(
                    person_links.c.intelligence.is_(True), person_links.c.review_date < cutoff.date()
                )
                return conn.execute(delete(person_links).where(lapsed)).rowcount, 0
            if name == "dead_letters":
                return conn.execute(
                    delete(dead_letters).where(dead_letters.c.received_at < cutoff)
                ).rowcount, 0
        raise ValueError(f"no retention rule for {name!r}")

    @staticmethod
    def _plate_reads_on_hold(conn: Connection) -> list[str]:
        """Reads that an alert points at (a hotlist hit) are kept as long as the alert."""
        held: list[str] = []
        for (detail,) in conn.execute(select(alerts.c.detail).where(alerts.c.kind.like("alpr%"))):
            read_id = (detail or {}).get("read_event_id")
            if read_id:
                held.append(str(read_id))
        return held

    def report(self, limit: int = 200) -> list[RetentionRun]:
        q = select(retention_runs).order_by(retention_runs.c.id.desc()).limit(limit)
        with self.db.read() as conn:
            return [
                RetentionRun(r.ran_at, r.policy, r.keep_days, r.cutoff, r.purged, r.kept_on_hold)
                for r in conn.execute(q)
            ]

    async def run_forever(self, every: timedelta) -> None:
        """Retention runs by itself: at start, then every ``every``."""
        while True:
            try:
                runs = await asyncio.to_thread(self.run)
                log.info("retention_ran", purged={r.policy: r.purged for r in runs})
            except Exception as exc:  # the next run tries again; a failed run must not stop the server
                log.error("retention_failed", error=str(exc))
            await asyncio.sleep(every.total_seconds())

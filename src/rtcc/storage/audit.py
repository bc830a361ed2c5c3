"""The audit log: append-only and hash-chained, so an altered, removed or inserted entry is detectable."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, or_, select, text

from rtcc.domain.entities import AuditEntry
from rtcc.storage.accounts import now_utc
from rtcc.storage.db import Database
from rtcc.storage.tables import audit_log

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x61756474


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    problems: list[str]
    last_hash: str  # keep it somewhere else: removing entries from the end is only visible against it

    @property
    def intact(self) -> bool:
        return not self.problems


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z, default=str)
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


class AuditLog:
    def __init__(self, db: Database):
        self.db = db
        # The chain needs the previous hash: appends in this process are serialised.
        self._lock = threading.Lock()

    def record(
        self,
        *,
        action: str,
        resource: str,
        outcome: str,
        user_id: str | None = None,
        username: str | None = None,
        agency_id: str | None = None,
        detail: dict[str, Any] | None = None,
        purpose: str | None = None,
        source_ip: str | None = None,
        at: datetime | None = None,
    ) -> None:
        fields: dict[str, Any] = {
            "at": (at or now_utc()).isoformat(),
            "user_id": user_id,
            "username": username,
            "agency_id": agency_id,
            "action": action,
            "resource": resource,
            "detail": detail or {},
            "purpose": purpose,
            "outcome": outcome,
            "source_ip": source_ip,
        }
        with self._lock, self.db.write() as conn:
            self._lock_chain(conn)
            last = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)).scalar()
            prev = last or GENESIS
            row = dict(fields, at=datetime.fromisoformat(fields["at"]), prev_hash=prev)
            row["hash"] = entry_hash(prev, fields)
            conn.execute(audit_log.insert().values(**row))

    def _lock_chain(self, conn: Connection) -> None:
        """Other processes append too (the CLI, a second server): take the database's write lock before
        reading the last hash, so that two entries never claim the same predecessor."""
        if self.db.is_sqlite:
            conn.execute(text("UPDATE audit_log SET seq = seq WHERE 1 = 0"))
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})

    def verify(self) -> VerifyReport:
        """Walk the chain: an altered entry no longer matches its hash; a removed or inserted one breaks the
        link to its neighbour, and a removed one leaves a gap in the numbering."""
        problems: list[str] = []
        checked = 0
        prev_hash, prev_seq = GENESIS, 0
        with self.db.read() as conn:
            for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)).yield_per(5000):
                checked += 1
                if row.seq != prev_seq + 1:
                    problems.append(f"entries {prev_seq + 1}..{row.seq - 1} are missing (deleted)")
                if row.prev_hash != prev_hash:
                    problems.append(
                        f"entry {row.seq}: does not follow entry {prev_seq} (an entry before it was removed, "
                        f"altered, or this one was inserted)"
                    )
                fields = {
                    "at": row.at.isoformat(),
                    "user_id": row.user_id,
                    "username": row.username,
                    "agency_id": row.agency_id,
                    "action": row.action,
                    "resource": row.resource,
                    "detail": row.detail,
                    "purpose": row.purpose,
                    "outcome": row.outcome,
                    "source_ip": row.source_ip,
                }
                if entry_hash(row.prev_hash, fields) != row.hash:
                    problems.append(f"entry {row.seq}: its content was altered after it was written")
                prev_hash, prev_seq = row.hash, row.seq
        return VerifyReport(checked=checked, problems=problems, last_hash=prev_hash)

    def entries(
        self,
        *,
        action: str | None = None,
        username: str | None = None,
        outcome: str | None = None,
        agency_id: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
        agency_scope: str | None = None,
    ) -> list[AuditEntry]:
        """Newest first. ``agency_scope`` limits to one agency's entries plus those of no agency (system
        actions, sign-in attempts for unknown names)."""
        q = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        if action:
            q = q.where(audit_log.c.action == action)
        if username:
            q = q.where(audit_log.c.username == username)
        if outcome:
            q = q.where(audit_log.c.outcome == outcome)
        if agency_id:
            q = q.where(audit_log.c.agency_id == agency_id)
        if since is not None:
            q = q.where(audit_log.c.at >= since)
        if agency_scope is not None:
            q = q.where(or_(audit_log.c.agency_id == agency_scope, audit_log.c.agency_id.is_(None)))
        with self.db.read() as conn:
            return [AuditEntry.model_validate(r) for r in conn.execute(q)]

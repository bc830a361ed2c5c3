"""The audit log: append-only and hash-chained, so an altered, removed or inserted entry is detectable."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select

from rtcc.domain.entities import AuditEntry
from rtcc.storage.accounts import now_utc
from rtcc.storage.db import Database
from rtcc.storage.tables import audit_log

GENESIS = "0" * 64


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
            last = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)).scalar()
            prev = last or GENESIS
            row = dict(fields, at=datetime.fromisoformat(fields["at"]), prev_hash=prev)
            row["hash"] = entry_hash(prev, fields)
            conn.execute(audit_log.insert().values(**row))

    def entries(
        self, *, action: str | None = None, username: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        q = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        if action:
            q = q.where(audit_log.c.action == action)
        if username:
            q = q.where(audit_log.c.username == username)
        with self.db.read() as conn:
            return [AuditEntry.model_validate(r) for r in conn.execute(q)]

"""The audit log: append-only and hash-chained, so an altered, removed or inserted entry is detectable."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import orjson
from sqlalchemy import ColumnElement, Connection, Select, func, or_, select, text

from rtcc.domain.entities import AuditEntry
from rtcc.storage.accounts import now_utc
from rtcc.storage.db import Database
from rtcc.storage.tables import audit_log

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x61756474
# The agency filter's value for entries that belong to no agency (system actions, unknown sign-in names).
NO_AGENCY = "none"
# The filter pickers offer at most this many distinct values of each column.
MAX_PICKER_VALUES = 500


class ChainedAuditEntry(AuditEntry):
    """An entry with the hash of the one before it: what an auditor needs to check a link by hand."""

    prev_hash: str


@dataclass(frozen=True)
class ChainFinding:
    """One break in the chain. ``kind``: "deleted" (entries first_seq..last_seq are gone), "link" (entry
    first_seq does not follow its predecessor: something before it was removed or altered, or it was
    inserted), "altered" (entry first_seq no longer matches its own hash)."""

    kind: Literal["deleted", "link", "altered"]
    first_seq: int
    last_seq: int
    message: str


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    problems: list[str]
    last_hash: str  # keep it somewhere else: removing entries from the end is only visible against it
    findings: list[ChainFinding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class AuditFilter:
    """What an auditor narrows the log to. Text filters match anywhere, ignoring case; the rest exactly.
    ``agency_scope`` limits to one agency's entries plus those of no agency; ``upto`` to entries numbered
    up to it, so that paging through a log that keeps growing shows each entry once."""

    action: str | None = None
    username: str | None = None
    outcome: str | None = None
    agency_id: str | None = None
    resource: str | None = None
    purpose_or_case: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    upto: int | None = None
    agency_scope: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        c = audit_log.c
        where: list[ColumnElement[bool]] = []
        for column, value in (
            (c.action, self.action),
            (c.username, self.username),
            (c.outcome, self.outcome),
        ):
            if value:
                where.append(column == value)
        if self.agency_id == NO_AGENCY:
            where.append(c.agency_id.is_(None))
        elif self.agency_id:
            where.append(c.agency_id == self.agency_id)
        if self.resource:
            where.append(func.lower(c.resource).contains(self.resource.lower(), autoescape=True))
        if self.purpose_or_case:
            needle = self.purpose_or_case.lower()
            where.append(
                or_(
                    *(
                        func.lower(col).contains(needle, autoescape=True)
                        for col in _purpose_and_case_columns()
                    )
                )
            )
        if self.since is not None:
            where.append(c.at >= self.since)
        if self.until is not None:
            where.append(c.at < self.until)
        if self.upto is not None:
            where.append(c.seq <= self.upto)
        if self.agency_scope is not None:
            where.append(or_(c.agency_id == self.agency_scope, c.agency_id.is_(None)))
        return where


def _purpose_and_case_columns() -> list[ColumnElement[str]]:
    """The stated purpose, and the case number as the audit middleware keeps it: from the X-Case-Number
    header (detail.case_number) or the case_number parameter (detail.query.case_number)."""
    return [
        audit_log.c.purpose,
        audit_log.c.detail["case_number"].as_string(),
        audit_log.c.detail[("query", "case_number")].as_string(),
    ]


def case_number_of(detail: dict[str, Any]) -> str | None:
    query = detail.get("query")
    found = detail.get("case_number") or (query.get("case_number") if isinstance(query, dict) else None)
    return str(found) if found else None


@dataclass(frozen=True)
class AuditPage:
    entries: list[ChainedAuditEntry]
    total: int  # entries matching the filter, up to ``upto``
    upto: int  # the newest entry number the page was taken against (0 when the log is empty)


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
        findings: list[ChainFinding] = []
        checked = 0
        prev_hash, prev_seq = GENESIS, 0
        with self.db.read() as conn:
            for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)).yield_per(5000):
                checked += 1
                if row.seq != prev_seq + 1:
                    first, last = prev_seq + 1, row.seq - 1
                    findings.append(
                        ChainFinding("deleted", first, last, f"entries {first}..{last} are missing (deleted)")
                    )
                if row.prev_hash != prev_hash:
                    message = (
                        f"entry {row.seq}: does not follow entry {prev_seq} (an entry before it was removed, "
                        f"altered, or this one was inserted)"
                    )
                    findings.append(ChainFinding("link", row.seq, row.seq, message))
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
                    message = f"entry {row.seq}: its content was altered after it was written"
                    findings.append(ChainFinding("altered", row.seq, row.seq, message))
                prev_hash, prev_seq = row.hash, row.seq
        return VerifyReport(
            checked=checked, problems=[f.message for f in findings], last_hash=prev_hash, findings=findings
        )

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
        wanted = AuditFilter(
            action=action,
            username=username,
            outcome=outcome,
            agency_id=agency_id,
            since=since,
            agency_scope=agency_scope,
        )
        return [AuditEntry.model_validate(e) for e in self.matching(wanted, limit=limit)]

    def _query(self, wanted: AuditFilter) -> Select[Any]:
        return select(audit_log).where(*wanted.conditions()).order_by(audit_log.c.seq.desc())

    def matching(self, wanted: AuditFilter, *, limit: int, offset: int = 0) -> list[ChainedAuditEntry]:
        """Newest first."""
        with self.db.read() as conn:
            rows = conn.execute(self._query(wanted).limit(limit).offset(offset))
            return [ChainedAuditEntry.model_validate(r) for r in rows]

    def page(self, wanted: AuditFilter, *, offset: int, limit: int) -> AuditPage:
        """One page of the entries matching, newest first, with how many match in all. Without ``upto`` the
        page is taken against the newest entry now, and says which, so the next page can be taken against
        the same one while new entries keep arriving."""
        with self.db.read() as conn:
            upto = wanted.upto
            if upto is None:
                upto = int(conn.execute(select(func.coalesce(func.max(audit_log.c.seq), 0))).scalar_one())
            fixed = replace(wanted, upto=upto)
            total = conn.execute(
                select(func.count()).select_from(audit_log).where(*fixed.conditions())
            ).scalar_one()
            rows = conn.execute(self._query(fixed).limit(limit).offset(offset))
            entries = [ChainedAuditEntry.model_validate(r) for r in rows]
        return AuditPage(entries=entries, total=int(total), upto=upto)

    def picker_values(self, agency_scope: str | None) -> dict[str, list[str]]:
        """The distinct users, actions, outcomes and agencies in the log an auditor may read: what the
        screen's filters offer."""
        scope = AuditFilter(agency_scope=agency_scope).conditions()
        c = audit_log.c
        values: dict[str, list[str]] = {}
        with self.db.read() as conn:
            for name, column in (
                ("usernames", c.username),
                ("actions", c.action),
                ("outcomes", c.outcome),
                ("agencies", c.agency_id),
            ):
                q = (
                    select(column)
                    .where(*scope, column.is_not(None))
                    .group_by(column)
                    .order_by(column)
                    .limit(MAX_PICKER_VALUES)
                )
                values[name] = [str(v) for v in conn.execute(q).scalars()]
        return values

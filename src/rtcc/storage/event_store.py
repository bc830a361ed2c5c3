"""The event log: idempotent appends with a transactional outbox, dead letters and feed counters."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    delete,
    func,
    insert,
    or_,
    select,
    text,
)

from rtcc.domain.events import Event
from rtcc.domain.geo import Location
from rtcc.domain.ports import AppendResult, DeadLetter, NewEvent
from rtcc.storage.db import Database
from rtcc.storage.tables import (
    dead_letters,
    events,
    feed_counters,
    outbox,
    plate_reads,
    plate_vocab,
)

# An arbitrary constant naming the advisory lock that orders appends on PostgreSQL.
APPEND_LOCK_KEY = 0x72746363

# Dead letters keep what arrived so it can be inspected and replayed, within reason.
MAX_RAW_CHARS = 64_000


@dataclass(eq=False)
class _Append:
    """One batch handed to ``append`` (or an outbox clearing), and what became of it."""

    source_id: str | None
    new: Sequence[NewEvent]
    rejects: Sequence[DeadLetter]
    clear_upto: int | None = None
    done: bool = False
    result: AppendResult | None = None
    error: BaseException | None = None


@dataclass(frozen=True)
class DeadLetterRecord:
    id: int
    received_at: datetime
    source_id: str | None
    transport: str
    item_index: int | None
    errors: list[dict[str, str]]
    raw: str


@dataclass(frozen=True)
class FeedCounts:
    source_id: str
    accepted: int
    rejected: int
    duplicates: int
    last_received_at: datetime | None

    @property
    def arrived(self) -> int:
        return self.accepted + self.rejected + self.duplicates


class SqlEventStore:
    def __init__(self, db: Database):
        self.db = db
        self._insert = db.insert(events)
        self._pending: list[_Append] = []  # batches waiting for the next group transaction
        self._pending_lock = threading.Lock()
        self._group_lock = threading.Lock()  # held while a group is written

    # ---- writing -------------------------------------------------------------------------------------
    def append(
        self, source_id: str | None, new: Sequence[NewEvent], rejects: Sequence[DeadLetter]
    ) -> AppendResult:
        """Store a batch in one transaction and return once it is committed.

        Batches handed in while another is being written are committed together, in one transaction: feeds
        posting at once share one commit (one fsync) instead of queueing for one each. Each batch is still
        answered only after the commit that holds it. Should that transaction fail, each of its batches is
        written again on its own, so one bad batch fails alone."""
        return self._submit(_Append(source_id, new, rejects))

    def _submit(self, job: _Append) -> AppendResult:
        with self._pending_lock:
            self._pending.append(job)
        with self._group_lock:
            if not job.done:
                with self._pending_lock:
                    jobs, self._pending = self._pending, []
                if job not in jobs:  # taken by a writer interrupted before it finished: not committed
                    jobs.append(job)
                self._write_group(jobs)
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    def _write_group(self, jobs: list[_Append]) -> None:
        try:
            with self.db.write() as conn:
                results = [self._write(conn, j) for j in jobs]
        except Exception as exc:
            if len(jobs) == 1:
                jobs[0].error, jobs[0].done = exc, True
                return
            for j in jobs:
                self._write_group([j])
            return
        for j, r in zip(jobs, results, strict=True):
            j.result, j.done = r, True

    def _write(self, conn: Connection, job: _Append) -> AppendResult:
        new, rejects = job.new, job.rejects
        result = AppendResult()
        if job.clear_upto is not None:
            conn.execute(delete(outbox).where(outbox.c.seq <= job.clear_upto))
        rows = [_event_row(e) for e in new]
        if rows and not self.db.is_sqlite:
            # Sequence numbers are drawn at insert but transactions commit in any order; taking this lock
            # first makes commit order equal sequence order, so a reader that has seen seq N has seen
            # everything below it (the relay, WebSocket catch-up). SQLite serialises writers anyway.
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK_KEY})
        if rows:
            # Rows come back with their id, so their order does not matter: asking for parameter order
            # would make SQLAlchemy send one INSERT per row on SQLite instead of one per batch.
            stmt = self._insert.on_conflict_do_nothing(index_elements=["source_id", "id"]).returning(
                events.c.seq, events.c.id
            )
            inserted = sorted((int(r.seq), str(r.id)) for r in conn.execute(stmt, rows))
            result.accepted = inserted
            if inserted:
                conn.execute(insert(outbox), [{"seq": seq} for seq, _ in inserted])
                reads = _plate_read_rows(new, inserted, _driver_time(conn))
                if reads:
                    qmark = conn.dialect.paramstyle == "qmark"
                    conn.exec_driver_sql(_INSERT_READS_QMARK if qmark else _INSERT_READS_FORMAT, reads)
                    self._add_to_vocabulary(conn, reads[0][0], reads[-1][0])
            stored = {i for _, i in inserted}
            result.duplicates = [e.id for e in new if e.id not in stored]
        if rejects:
            conn.execute(insert(dead_letters), [_dead_letter_row(d) for d in rejects])
        if job.source_id is not None:
            self._count(conn, job.source_id, len(result.accepted), len(rejects), len(result.duplicates))
        return result

    def _add_to_vocabulary(self, conn: Connection, first_seq: int, last_seq: int) -> None:
        """Plates read for the first time (in the reads just stored, ``first_seq`` to ``last_seq``) join the
        vocabulary, with their trigrams. The new plates are picked in SQL from the stored reads; their
        trigrams are cut here and handed to the driver as plain rows. Measured on a batch of new plates, that
        costs about half as much as cutting them in SQL, and less than a parameter set per trigram through
        SQLAlchemy, whose per-row handling cost more than the inserts themselves."""
        batch = select(plate_reads.c.plate).where(plate_reads.c.seq.between(first_seq, last_seq)).distinct()
        ins = (
            self.db.insert(plate_vocab)
            .from_select(["plate"], batch)
            .on_conflict_do_nothing(index_elements=["plate"])
            .returning(plate_vocab.c.plate)
        )
        pieces = [(t, str(p)) for p in conn.execute(ins).scalars() for t in trigrams(str(p))]
        if pieces:
            sql = _INSERT_TRIGRAMS_QMARK if conn.dialect.paramstyle == "qmark" else _INSERT_TRIGRAMS_FORMAT
            conn.exec_driver_sql(sql, pieces)

    def record_dead_letters(self, rejects: Sequence[DeadLetter]) -> None:
        """Dead letters from outside any batch (unknown API key, unreadable body)."""
        self.append(None, (), rejects)

    def _count(self, conn: Connection, source_id: str, accepted: int, rejected: int, duplicates: int) -> None:
        ins = self.db.insert(feed_counters).values(
            source_id=source_id,
            accepted=accepted,
            rejected=rejected,
            duplicates=duplicates,
            last_received_at=_utcnow(),
        )
        conn.execute(
            ins.on_conflict_do_update(
                index_elements=["source_id"],
                set_={
                    "accepted": feed_counters.c.accepted + ins.excluded.accepted,
                    "rejected": feed_counters.c.rejected + ins.excluded.rejected,
                    "duplicates": feed_counters.c.duplicates + ins.excluded.duplicates,
                    "last_received_at": ins.excluded.last_received_at,
                },
            )
        )

    # ---- the outbox -------------------------------------------------------------------------------------
    def pending(self, limit: int) -> list[Event]:
        q = select(events).join(outbox, outbox.c.seq == events.c.seq).order_by(events.c.seq).limit(limit)
        with self.db.read() as conn:
            return [row_to_event(r) for r in conn.execute(q)]

    def pending_seqs(self, limit: int, after: int = 0) -> list[int]:
        q = select(outbox.c.seq).where(outbox.c.seq > after).order_by(outbox.c.seq).limit(limit)
        with self.db.read() as conn:
            return [int(s) for s in conn.execute(q).scalars()]

    def by_seq(self, seqs: Sequence[int]) -> list[Event]:
        if not seqs:
            return []
        q = select(events).where(events.c.seq.in_(list(seqs))).order_by(events.c.seq)
        with self.db.read() as conn:
            return [row_to_event(r) for r in conn.execute(q)]

    def clear_upto(self, seq: int) -> None:
        """Forget the outbox rows up to ``seq``: all of them have been published. Under load this shares the
        commit of the batches being stored rather than taking a commit of its own between them (the rows
        deleted are all older than any batch stored with it)."""
        self._submit(_Append(None, (), (), clear_upto=seq))

    def mark_published(self, seqs: Sequence[int]) -> None:
        if not seqs:
            return
        with self.db.write() as conn:
            conn.execute(delete(outbox).where(outbox.c.seq.in_(list(seqs))))

    # ---- reading ------------------------------------------------------------------------------------------
    def query(
        self,
        *,
        types: Sequence[str] = (),
        type_prefixes: Sequence[str] = (),
        source_id: str | None = None,
        after_seq: int | None = None,
        occurred_from: datetime | None = None,
        occurred_to: datetime | None = None,
        limit: int = 100,
        newest_first: bool = False,
        agency_ids: Sequence[str] | None = None,
    ) -> list[Event]:
        q = select(events)
        if agency_ids is not None:
            q = q.where(events.c.agency_id.in_(list(agency_ids)))
        if types:
            q = q.where(events.c.type.in_(list(types)))
        if type_prefixes:
            q = q.where(or_(*(events.c.type.startswith(p) for p in type_prefixes)))
        if source_id:
            q = q.where(events.c.source_id == source_id)
        if after_seq is not None:
            q = q.where(events.c.seq > after_seq)
        if occurred_from is not None:
            q = q.where(events.c.occurred_at >= occurred_from)
        if occurred_to is not None:
            q = q.where(events.c.occurred_at < occurred_to)
        q = q.order_by(events.c.seq.desc() if newest_first else events.c.seq).limit(limit)
        with self.db.read() as conn:
            return [row_to_event(r) for r in conn.execute(q)]

    def count(self, *, types: Sequence[str] = ()) -> int:
        q = select(func.count()).select_from(events)
        if types:
            q = q.where(events.c.type.in_(list(types)))
        with self.db.read() as conn:
            return int(conn.execute(q).scalar_one())

    def count_by_type(self) -> dict[str, int]:
        q = select(events.c.type, func.count()).group_by(events.c.type)
        with self.db.read() as conn:
            return {str(t): int(n) for t, n in conn.execute(q)}

    def last_seq(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one())

    def dead_letters(
        self,
        *,
        source_id: str | None = None,
        source_ids: Sequence[str] | None = None,
        unowned: bool = True,
        limit: int = 100,
    ) -> list[DeadLetterRecord]:
        """Most recent first. ``source_ids`` limits to those sources (plus, with ``unowned``, the ones
        refused before a source was known)."""
        q = select(dead_letters).order_by(dead_letters.c.id.desc()).limit(limit)
        if source_id:
            q = q.where(dead_letters.c.source_id == source_id)
        if source_ids is not None:
            cond = dead_letters.c.source_id.in_(list(source_ids))
            q = q.where(or_(cond, dead_letters.c.source_id.is_(None)) if unowned else cond)
        with self.db.read() as conn:
            return [
                DeadLetterRecord(
                    id=r.id,
                    received_at=r.received_at,
                    source_id=r.source_id,
                    transport=r.transport,
                    item_index=r.item_index,
                    errors=list(r.errors),
                    raw=r.raw,
                )
                for r in conn.execute(q)
            ]

    def dead_letter_count(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(dead_letters)).scalar_one())

    def feed_counts(self) -> list[FeedCounts]:
        with self.db.read() as conn:
            return [
                FeedCounts(r.source_id, r.accepted, r.rejected, r.duplicates, r.last_received_at)
                for r in conn.execute(select(feed_counters).order_by(feed_counters.c.source_id))
            ]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _event_row(e: NewEvent) -> dict[str, Any]:
    loc = e.location
    return {
        "id": e.id,
        "source_id": e.source_id,
        "agency_id": e.agency_id,
        "type": e.type,
        "occurred_at": e.occurred_at,
        "received_at": e.received_at,
        "lat": loc.lat if loc else None,
        "lon": loc.lon if loc else None,
        "location": loc.model_dump(mode="json", exclude_none=True) if loc else None,
        "payload": e.payload,
    }


def trigrams(plate: str) -> list[str]:
    """The distinct three-character pieces of a plate, in order."""
    return list(dict.fromkeys(plate[i : i + 3] for i in range(len(plate) - 2)))


_INSERT_TRIGRAMS_QMARK = "INSERT INTO plate_trigrams (trigram, plate) VALUES (?, ?)"  # SQLite's driver
_INSERT_TRIGRAMS_FORMAT = "INSERT INTO plate_trigrams (trigram, plate) VALUES (%s, %s)"  # psycopg


# Plate reads, like trigrams, go to the driver as plain rows (the time converted as the column type does).
_INSERT_READS_QMARK = (
    "INSERT INTO plate_reads (seq, agency_id, event_id, plate, plate_rev, state, reader_id, occurred_at, lat, "
    "lon, image_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_READS_FORMAT = _INSERT_READS_QMARK.replace("?", "%s")


def _driver_time(conn: Connection) -> Callable[[datetime], Any]:
    """How this database's driver is handed a time for ``plate_reads.occurred_at``."""
    process = plate_reads.c.occurred_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return process if process is not None else (lambda t: t)


def _plate_read_rows(
    new: Sequence[NewEvent], inserted: Sequence[tuple[int, str]], time: Callable[[datetime], Any]
) -> list[tuple[Any, ...]]:
    """Plate reads get a row of their own beside the event, for plate searches and tracking."""
    by_id = {e.id: e for e in new if e.type == "alpr.read"}
    rows = []
    for seq, event_id in inserted:
        e = by_id.get(event_id)
        if e is None:
            continue
        p = e.payload
        loc = e.location
        rows.append(
            (
                seq,
                e.agency_id,
                e.id,
                p["plate"],
                p["plate"][::-1],
                p.get("state"),
                p["reader_id"],
                time(e.occurred_at),
                loc.lat if loc else None,
                loc.lon if loc else None,
                p.get("image_ref"),
            )
        )
    return rows


def _dead_letter_row(d: DeadLetter) -> dict[str, Any]:
    raw = d.raw if len(d.raw) <= MAX_RAW_CHARS else d.raw[:MAX_RAW_CHARS] + "…[truncated]"
    return {
        "received_at": d.received_at,
        "source_id": d.source_id,
        "transport": d.transport,
        "item_index": d.item_index,
        "errors": [e.model_dump() for e in d.errors],
        "raw": raw,
    }


def row_to_event(r: Row[Any]) -> Event:
    return Event(
        seq=r.seq,
        id=r.id,
        type=r.type,
        source_id=r.source_id,
        agency_id=r.agency_id,
        occurred_at=r.occurred_at,
        received_at=r.received_at,
        location=Location.model_validate(r.location) if r.location else None,
        payload=r.payload,
    )

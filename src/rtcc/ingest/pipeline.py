"""The ingest pipeline: parse with the source's adapter, validate, store (with the outbox), acknowledge.

Good items of a batch are accepted even when others are bad. Each bad item is answered with its index, the
field at fault and the reason, and kept as a dead letter. Nothing is acknowledged before it is committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from pydantic import BaseModel, Field

from rtcc.domain.entities import Source
from rtcc.domain.errors import FeedParseError, FieldError, ItemRejected
from rtcc.domain.events import Event, content_id, validate_payload
from rtcc.domain.ports import AppendResult, DeadLetter, IngestStore, NewEvent
from rtcc.ingest.adapter import AdapterConfig, FeedAdapter
from rtcc.ingest.registry import AdapterRegistry


class BatchOutcome(BaseModel):
    """The answer to a submitted batch."""

    accepted: int = Field(..., description="Items' events newly stored.")
    duplicates: int = Field(..., description="Events already stored under the same id (nothing changed).")
    rejected: list[ItemRejected] = Field(default_factory=list, description="Refused items and why.")
    ids: list[str] = Field(default_factory=list, description="Ids of the events stored or already stored.")


@dataclass(frozen=True)
class SourceContext:
    """A source with its adapter and parsed configuration, resolved once per API key."""

    source: Source
    adapter: FeedAdapter
    config: AdapterConfig


@dataclass(frozen=True)
class Limits:
    max_future_skew: timedelta = timedelta(minutes=5)
    max_past_age: timedelta = timedelta(days=3650)
    max_batch_items: int = 5000


@dataclass(frozen=True)
class UnreadableItem:
    """An item whose bytes did not parse (a bad JSON Lines line, a bad MQTT message)."""

    text: str
    reason: str


@dataclass(frozen=True)
class Prepared:
    new: list[NewEvent]
    dead: list[DeadLetter]
    rejected: list[ItemRejected]
    repeats: int  # ids repeated within the batch

    def outcome(self, result: AppendResult) -> BatchOutcome:
        return BatchOutcome(
            accepted=len(result.accepted),
            duplicates=len(result.duplicates) + self.repeats,
            rejected=self.rejected,
            ids=[e.id for e in self.new],
        )


def raw_text(item: Any) -> str:
    if isinstance(item, UnreadableItem):
        return item.text
    if isinstance(item, str | bytes):
        return item.decode("utf-8", "replace") if isinstance(item, bytes) else item
    try:
        return orjson.dumps(item, default=str).decode()
    except TypeError:
        return repr(item)


class IngestService:
    def __init__(
        self,
        store: IngestStore,
        adapters: AdapterRegistry,
        *,
        limits: Limits | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_commit: Callable[[Sequence[Event]], None] | None = None,
    ):
        self.store = store
        self.adapters = adapters
        self.limits = limits or Limits()
        self.clock = clock
        self.on_commit = on_commit

    def context(self, source: Source) -> SourceContext:
        adapter = self.adapters.get(source.adapter)
        return SourceContext(source, adapter, adapter.load_config(source.config))

    def prepare(self, ctx: SourceContext, items: Sequence[Any], transport: str) -> Prepared:
        """CPU-only part: parse and validate every item."""
        now = self.clock()
        latest = now + self.limits.max_future_skew
        earliest = now - self.limits.max_past_age
        source = ctx.source
        new: list[NewEvent] = []
        dead: list[DeadLetter] = []
        rejected: list[ItemRejected] = []
        seen: set[str] = set()
        repeats = 0
        for index, item in enumerate(items):
            errors: list[FieldError] = []
            ready: list[NewEvent] = []
            try:
                if isinstance(item, UnreadableItem):
                    raise FeedParseError.one("(item)", item.reason)
                parsed = ctx.adapter.parse(item, ctx.config)
            except FeedParseError as exc:
                errors = exc.errors
                parsed = []
            for event in parsed:
                payload, payload_errors = validate_payload(event)
                errors.extend(payload_errors)
                when = event.occurred_at.astimezone(UTC)
                if when > latest:
                    ahead = (when - now).total_seconds()
                    errors.append(
                        FieldError(
                            field="occurred_at",
                            reason=f"{ahead:.0f} s in the future; at most "
                            f"{self.limits.max_future_skew.total_seconds():.0f} s ahead is accepted (check the clock)",
                        )
                    )
                elif when < earliest:
                    errors.append(
                        FieldError(
                            field="occurred_at", reason=f"older than {self.limits.max_past_age.days} days"
                        )
                    )
                if errors:
                    continue
                ready.append(
                    NewEvent(
                        id=event.id or content_id(source.id, event),
                        type=event.type,
                        source_id=source.id,
                        agency_id=source.agency_id,
                        occurred_at=when,
                        received_at=now,
                        location=event.location,
                        payload=payload,
                    )
                )
            if errors:
                rejected.append(ItemRejected(index=index, errors=errors))
                dead.append(
                    DeadLetter(
                        received_at=now,
                        transport=transport,
                        errors=errors,
                        raw=raw_text(item),
                        source_id=source.id,
                        item_index=index,
                    )
                )
                continue
            for ev in ready:
                if ev.id in seen:  # a repeated id within one batch is a duplicate, like across batches
                    repeats += 1
                    continue
                seen.add(ev.id)
                new.append(ev)
        return Prepared(new, dead, rejected, repeats)

    def submit_sync(self, ctx: SourceContext, items: Sequence[Any], transport: str) -> BatchOutcome:
        prepared = self.prepare(ctx, items, transport)
        result = self.store.append(ctx.source.id, prepared.new, prepared.dead)
        return prepared.outcome(result)

    async def submit(self, ctx: SourceContext, items: Sequence[Any], transport: str) -> BatchOutcome:
        prepared = self.prepare(ctx, items, transport)
        result = await asyncio.to_thread(self.store.append, ctx.source.id, prepared.new, prepared.dead)
        if result.accepted and self.on_commit is not None:
            self.on_commit(committed(prepared.new, result.accepted))
        return prepared.outcome(result)

    def refuse(self, transport: str, reason: FieldError, raw: str, source_id: str | None = None) -> None:
        """Record something refused before it could be parsed (unreadable body, unknown key, too large)."""
        self.store.append(
            source_id,
            (),
            [
                DeadLetter(
                    received_at=self.clock(),
                    transport=transport,
                    errors=[reason],
                    raw=raw,
                    source_id=source_id,
                )
            ],
        )


def committed(new: Sequence[NewEvent], accepted: Sequence[tuple[int, str]]) -> list[Event]:
    """The stored form of what was just committed (what reading it back would give), in sequence order."""
    by_id = {e.id: e for e in new}
    out = []
    for seq, event_id in accepted:
        e = by_id[event_id]
        out.append(
            Event(
                seq=seq,
                id=e.id,
                type=e.type,
                source_id=e.source_id,
                agency_id=e.agency_id,
                occurred_at=e.occurred_at.astimezone(UTC),
                received_at=e.received_at.astimezone(UTC),
                location=e.location,
                payload=e.payload,
            )
        )
    return out

"""Interfaces the inner layers need from the outer ones. Storage and the bus implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from rtcc.domain.alpr import HotlistChange
from rtcc.domain.entities import Camera, Unit
from rtcc.domain.errors import FieldError
from rtcc.domain.events import Event
from rtcc.domain.geo import Location
from rtcc.domain.sharing import SharingKind
from rtcc.domain.threat import ThreatBrief


@dataclass(frozen=True, slots=True)
class NewEvent:
    """A validated event ready to be stored."""

    id: str
    type: str
    source_id: str
    agency_id: str
    occurred_at: datetime
    received_at: datetime
    location: Location | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An item that was refused, kept so an operator can see what arrived and why it was refused."""

    received_at: datetime
    transport: str
    errors: list[FieldError]
    raw: str
    source_id: str | None = None
    item_index: int | None = None


@dataclass(slots=True)
class AppendResult:
    accepted: list[tuple[int, str]] = field(default_factory=list)  # (seq, id) of newly stored events
    duplicates: list[str] = field(default_factory=list)  # ids already stored


class IngestStore(Protocol):
    def append(
        self, source_id: str | None, events: Sequence[NewEvent], rejects: Sequence[DeadLetter]
    ) -> AppendResult:
        """Store new events (ignoring ids already stored), their outbox rows, dead letters and feed
        counters in one transaction, committed before this returns."""
        ...


class Outbox(Protocol):
    def pending(self, limit: int) -> list[Event]:
        """Committed events not yet published, oldest first."""
        ...

    def pending_seqs(self, limit: int, after: int = 0) -> list[int]:
        """The sequence numbers of those events after ``after``, oldest first (cheap: no event is read)."""
        ...

    def clear_upto(self, seq: int) -> None:
        """Forget the pending rows up to ``seq``, all published."""
        ...

    def by_seq(self, seqs: Sequence[int]) -> list[Event]:
        """Stored events by sequence number, in sequence order."""
        ...

    def mark_published(self, seqs: Sequence[int]) -> None: ...


class Subscription(Protocol):
    lagged: bool

    def __aiter__(self) -> AsyncIterator[Event]: ...

    async def get(self) -> Event: ...

    async def get_many(self, max_items: int) -> list[Event]: ...

    async def drain(self) -> list[Event]:
        """Take whatever is queued without waiting."""
        ...

    def close(self) -> None: ...


class EventBus(Protocol):
    async def publish(self, event: Event) -> None: ...

    def subscribe(
        self, patterns: Sequence[str], *, maxsize: int = 10_000, drop_when_full: bool = False
    ) -> Subscription:
        """Receive events whose type matches one of the patterns ("unit.location", "unit.*", "*")."""
        ...


class EventHistory(Protocol):
    def query(
        self, *, types: Sequence[str] = (), after_seq: int | None = None, limit: int = 100
    ) -> list[Event]:
        """Stored events in sequence order."""
        ...


class SceneDirectory(Protocol):
    """What an engine needs to know about a place: the cameras near it and where the units are."""

    def cameras_near(self, agency_id: str, lat: float, lon: float, radius_m: float) -> list[Camera]: ...

    def units(self, *, agency_id: str | None = None, limit: int = 5000) -> list[Unit]: ...


class LiveState(Protocol):
    """Current state of the city, kept by the state projector engine."""

    def apply(self, changes: Sequence[StateChange]) -> None: ...


@dataclass(frozen=True, slots=True)
class StateChange:
    """One change to current state: which table-like collection, which key, which fields."""

    kind: str  # call, unit, camera, sensor, drone, alert
    agency_id: str
    key: str
    fields: dict[str, Any]
    create: bool = False  # insert if missing (otherwise only update an existing row)
    defaults: dict[str, Any] = field(default_factory=dict)  # set only when the row is created
    append: dict[str, str] = field(default_factory=dict)  # list fields to add a value to, once
    guard: str | None = None  # a time field: apply only if not older than what is stored


class BriefMaker(Protocol):
    """Builds the threat brief for a place from the records on file."""

    def brief_for(
        self,
        agency_id: str,
        *,
        lat: float | None,
        lon: float | None,
        address: str | None,
        now: datetime,
        exclude_call: str | None = None,
    ) -> ThreatBrief: ...


class NoticeBoard(Protocol):
    """Where the field view finds the calls its unit was told about."""

    def record_notices(
        self, agency_id: str, call_id: str, at: datetime, near: Sequence[tuple[str, float]]
    ) -> None: ...


class HotlistFeed(Protocol):
    """Hotlist entries as they change, for the matching engine."""

    def changed_since(self, after_seq: int | None) -> list[HotlistChange]:
        """Changes after the given change number, in order; every live entry when None."""
        ...


class SharingLookup(Protocol):
    def visible_agencies(
        self, agency_id: str, kind: SharingKind | None, now: datetime | None = None
    ) -> list[str]: ...

"""Matches every plate read against the hotlists its agency may use, and raises an alert per hit.

The index lives in memory (a million entries answer in microseconds); it is loaded at start and kept
current by polling the store for changed entries every couple of seconds, so an entry typed in by an
operator matches the next read, and an expired or removed one stops matching. A read is matched against its
own agency's list and the lists other agencies share with it under a hotlist-sharing agreement.

The alert carries what the operator or officer needs to confirm before acting: the read (plate as read,
state, confidence, time), the reader and its location, the image reference, the hotlist entry and its
source, and how the match was made.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog

from rtcc.domain.alpr import CheckItem, HotlistChange, hit_severity
from rtcc.domain.events import ALPR_READ, Event
from rtcc.domain.ports import EventBus, HotlistFeed, SharingLookup
from rtcc.domain.sharing import SharingKind
from rtcc.engines.alpr.matcher import Hit, HotlistEntry, HotlistIndex, MatchKind, Tolerance

log = structlog.get_logger(__name__)

Emit = Callable[[str, list[dict[str, Any]]], Awaitable[Any]]


def _entry(c: HotlistChange) -> HotlistEntry:
    return HotlistEntry(
        entry_id=f"{c.agency_id}/{c.entry_id}",
        plate=c.plate,
        state=c.state,
        reason=c.reason,
        source=c.source,
        agency_id=c.agency_id,
        entered=c.entered,
        expires=c.expires,
    )


def alert_for(event: Event, hit: Hit) -> dict[str, Any]:
    read = ALPR_READ.payload(event)
    entry = hit.entry
    entry_id = entry.entry_id.split("/", 1)[1]
    exact = hit.kind is MatchKind.EXACT
    how = "" if exact else f" ({hit.kind.value.replace('_', ' ')}: {hit.detail})"
    return {
        "id": f"hit-{event.id}-{entry.entry_id}",
        "type": "alert.raised",
        "occurred_at": event.occurred_at.isoformat(),
        "location": event.location.model_dump(mode="json", exclude_none=True) if event.location else None,
        "payload": {
            "alert_id": f"alpr-{event.seq}-{entry_id}"[:64],
            "kind": "alpr.hit",
            "severity": hit_severity(entry.source, entry.reason, exact),
            "title": f"Hotlist hit {read.plate} at reader {read.reader_id}: {entry.reason}{how}",
            "detail": {
                "read_event_id": event.id,
                "plate_read": read.plate,
                "state_read": read.state,
                "confidence": read.confidence,
                "reader_id": read.reader_id,
                "read_at": event.occurred_at.isoformat(),
                "image_ref": read.image_ref,
                "vehicle_make": read.vehicle_make,
                "vehicle_colour": read.vehicle_colour,
                "match": hit.kind.value,
                "match_detail": hit.detail,
                "state_agrees": hit.state_agrees,
                "entry": {
                    "entry_id": entry_id,
                    "agency_id": entry.agency_id,
                    "plate": entry.plate,
                    "state": entry.state,
                    "reason": entry.reason,
                    "source": entry.source,
                    "entered": entry.entered.isoformat(),
                    "expires": entry.expires.isoformat() if entry.expires else None,
                },
                # A hit is not grounds for a stop by itself: these are confirmed first.
                "confirm": [i.value for i in CheckItem],
                "agency_id": event.agency_id,
            },
        },
    }


class HotlistEngine:
    def __init__(
        self,
        bus: EventBus,
        emit: Emit,
        hotlists: HotlistFeed,
        sharing: SharingLookup,
        *,
        refresh_s: float = 2.0,
        tolerance: Tolerance = Tolerance.GUARDED,
    ):
        self.sub = bus.subscribe([ALPR_READ.name], maxsize=100_000)
        self.emit = emit
        self.hotlists = hotlists
        self.sharing = sharing
        self.refresh_s = refresh_s
        self.index = HotlistIndex(tolerance=tolerance)
        self._seq: int | None = None  # the last hotlist change applied
        self.loaded = asyncio.Event()

    def refresh(self) -> int:
        """Apply entries changed since the last look (everything live, the first time)."""
        first = self._seq is None
        changes = self.hotlists.changed_since(self._seq)
        if first:  # everything live, in one bulk build
            self.index.extend(_entry(c) for c in changes if not c.removed)
        else:
            for c in changes:
                self.index.remove(f"{c.agency_id}/{c.entry_id}")
                if not c.removed:
                    self.index.add(_entry(c))
        if changes:
            self._seq = max(c.change_seq for c in changes)
        elif first:
            self._seq = 0
        return len(changes)

    def lists_for(self, agency_ids: set[str]) -> dict[str, frozenset[str]]:
        """Whose hotlists each agency's reads are matched against: its own and those shared with it now
        (looked up once per batch, so an agreement made or revoked applies to the next batch)."""
        return {a: frozenset(self.sharing.visible_agencies(a, SharingKind.HOTLISTS)) for a in agency_ids}

    def hits(self, event: Event, lists: frozenset[str]) -> list[Hit]:
        # The payload was validated when it was ingested; matching needs only the plate and the state, so
        # the read is not validated again here (that cost more than the match), only for a hit's alert.
        payload = event.payload
        plate, state = payload.get("plate"), payload.get("state")
        if event.type != ALPR_READ.name or not isinstance(plate, str) or not isinstance(state, str | None):
            read = ALPR_READ.payload(event)
            plate, state = read.plate, read.state
        return [
            h
            for h in self.index.match(plate, state=state, at=event.occurred_at)
            if h.entry.agency_id in lists
        ]

    async def run(self) -> None:
        await asyncio.to_thread(self.refresh)
        self.loaded.set()
        last = time.monotonic()
        while True:
            try:
                events = await asyncio.wait_for(self.sub.get_many(2000), timeout=self.refresh_s)
            except TimeoutError:
                events = []
            if time.monotonic() - last >= self.refresh_s:
                await asyncio.to_thread(self.refresh)
                last = time.monotonic()
            if events:
                await self.handle(events)

    async def handle(self, events: Sequence[Event]) -> None:
        by_agency: dict[str, list[dict[str, Any]]] = {}
        lists = await asyncio.to_thread(self.lists_for, {e.agency_id for e in events})
        for event in events:
            try:
                for hit in self.hits(event, lists[event.agency_id]):
                    by_agency.setdefault(event.agency_id, []).append(alert_for(event, hit))
            except Exception:  # one odd read must not stop matching for the rest
                log.exception("alpr_match_failed", event_id=event.id)
        for agency_id, alerts in by_agency.items():
            await self.emit(agency_id, alerts)

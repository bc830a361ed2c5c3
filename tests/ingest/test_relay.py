"""The outbox relay: what this process commits is published from memory, what another process commits is
read from the store, and either way each event goes out once, exactly as it was stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from rtcc.bus.memory import InProcessBus
from rtcc.domain.events import Event
from rtcc.domain.geo import Location
from rtcc.domain.ports import NewEvent
from rtcc.ingest.pipeline import IngestService
from rtcc.ingest.registry import AdapterRegistry
from rtcc.ingest.relay import OutboxRelay
from rtcc.storage.accounts import Accounts
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from tests.conftest import World

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def ping(i: int) -> dict[str, object]:
    return {
        "id": f"p{i}",
        "type": "unit.location",
        # A time given with an offset is stored, and published, in UTC.
        "occurred_at": (NOW - timedelta(seconds=i)).astimezone().isoformat(),
        "location": {"lat": 39.96 + i / 1e4, "lon": -82.99},
        "payload": {"unit_id": f"U{i % 3}", "heading_deg": 90.0},
    }


def test_each_committed_event_is_published_once_as_stored(db: Database, world: World) -> None:
    store = SqlEventStore(db)
    source = Accounts(db).get_source(world.source_ids["cad"])
    assert source is not None

    async def run() -> list[Event]:
        bus = InProcessBus()
        sub = bus.subscribe(["*"], maxsize=1000)
        relay = OutboxRelay(store, bus)
        service = IngestService(store, AdapterRegistry.discover(), clock=lambda: NOW, on_commit=relay.offer)
        ctx = service.context(source)
        outcome = await service.submit(ctx, [ping(i) for i in range(5)], "http")
        assert outcome.accepted == 5
        # Another process's commit: nothing is offered, the relay finds it in the outbox.
        other = NewEvent(
            id="elsewhere",
            type="unit.location",
            source_id=source.id,
            agency_id=source.agency_id,
            occurred_at=NOW,
            received_at=NOW,
            location=Location(lat=39.9, lon=-83.0),
            payload={"unit_id": "U9"},
        )
        store.append(source.id, [other], [])
        moved = await relay.relay_once()
        assert moved == 6 and await relay.relay_once() == 0
        return [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]

    published = asyncio.run(run())
    stored = store.query(after_seq=0, limit=100)
    assert [e.model_dump() for e in published] == [e.model_dump() for e in stored]
    assert [e.id for e in published] == ["p0", "p1", "p2", "p3", "p4", "elsewhere"]
    assert store.pending(100) == []

"""The live-state projector on a real store and bus: batching, out-of-order events, and falling behind."""

import asyncio
from datetime import UTC, datetime, timedelta

from rtcc.bus.memory import InProcessBus
from rtcc.domain.geo import Location
from rtcc.domain.ports import NewEvent, StateChange
from rtcc.engines.live_state import LiveStateProjector, coalesce
from rtcc.ingest.relay import OutboxRelay
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.live_state import SqlLiveState
from tests.conftest import World

T0 = datetime(2026, 11, 21, 20, tzinfo=UTC)


def ping(world: World, n: int, unit: str, seconds: float, lat: float) -> NewEvent:
    return NewEvent(
        id=f"p{n}",
        type="unit.location",
        source_id=world.source_ids["avl"],
        agency_id=world.agency_id,
        occurred_at=T0 + timedelta(seconds=seconds),
        received_at=T0,
        location=Location(lat=lat, lon=-83.0),
        payload={"unit_id": unit},
    )


def test_only_the_newest_of_a_units_pings_in_a_batch_is_written() -> None:
    def change(key: str, t: int, lat: float) -> StateChange:
        return StateChange(
            "unit", "a", key, {"lat": lat, "located_at": T0 + timedelta(seconds=t)}, guard="located_at"
        )

    merged = coalesce(
        [change("U1", 1, 1.0), change("U2", 1, 5.0), change("U1", 3, 3.0), change("U1", 2, 2.0)]
    )
    assert [(c.key, c.fields["lat"]) for c in merged] == [("U1", 3.0), ("U2", 5.0)]


def test_a_projector_that_falls_behind_catches_up_from_the_store(db: Database, world: World) -> None:
    store, live = SqlEventStore(db), SqlLiveState(db)

    async def run() -> None:
        bus = InProcessBus()
        projector = LiveStateProjector(bus, live, store, queue_size=5, max_batch=3)
        relay = OutboxRelay(store, bus)
        # 60 pings for 20 units arrive while the projector is not running: its queue of 5 overflows.
        store.append(
            world.source_ids["avl"], [ping(world, n, f"U{n % 20}", n, 39.0 + n / 1000) for n in range(60)], []
        )
        await relay.relay_once()
        assert projector.sub.lagged
        task = asyncio.create_task(projector.run())
        async with asyncio.timeout(10):
            while projector.last_seq < 60:
                await asyncio.sleep(0.02)
        # a late ping, older than what is known, does not move the unit back
        store.append(world.source_ids["avl"], [ping(world, 99, "U0", 1, 10.0)], [])
        await relay.relay_once()
        async with asyncio.timeout(10):
            while projector.last_seq < 61:
                await asyncio.sleep(0.02)
        task.cancel()

    asyncio.run(run())
    units = {u.unit_id: u for u in live.units()}
    assert len(units) == 20
    assert units["U0"].lat == 39.04  # the newest of U0's pings (n=40)
    assert units["U19"].lat == 39.059

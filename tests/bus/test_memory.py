import asyncio
from datetime import UTC, datetime

from rtcc.bus.memory import InProcessBus, topic_matches
from rtcc.domain.events import Event


def ev(seq: int, type_: str = "unit.location") -> Event:
    now = datetime.now(UTC)
    return Event(
        seq=seq,
        id=f"e{seq}",
        type=type_,
        source_id="s",
        agency_id="a",
        occurred_at=now,
        received_at=now,
        payload={},
    )


def test_patterns() -> None:
    assert topic_matches("*", "anything")
    assert topic_matches("unit.*", "unit.location")
    assert not topic_matches("unit.*", "units.location")
    assert topic_matches("alpr.read", "alpr.read")
    assert not topic_matches("alpr.read", "alpr.hit")


def test_subscribers_get_matching_events_in_order() -> None:
    async def run() -> tuple[list[int], list[int]]:
        bus = InProcessBus()
        units = bus.subscribe(["unit.*"])
        everything = bus.subscribe(["*"])
        for i, t in enumerate(["unit.location", "alpr.read", "unit.status"], start=1):
            await bus.publish(ev(i, t))
        got_units = [e.seq for e in await units.get_many(10)]
        got_all = [e.seq for e in await everything.get_many(10)]
        return got_units, got_all

    assert asyncio.run(run()) == ([1, 3], [1, 2, 3])


def test_a_slow_client_is_marked_lagged_instead_of_slowing_the_publisher() -> None:
    async def run() -> tuple[bool, int, bool]:
        bus = InProcessBus()
        slow = bus.subscribe(["*"], maxsize=2, drop_when_full=True)
        engine = bus.subscribe(["*"], maxsize=100)
        for i in range(5):
            await bus.publish(ev(i))
        return slow.lagged, engine.queue.qsize(), slow.queue.qsize() == 2

    lagged, engine_has, slow_full = asyncio.run(run())
    assert lagged and slow_full and engine_has == 5


def test_closed_subscriptions_stop_receiving() -> None:
    async def run() -> int:
        bus = InProcessBus()
        sub = bus.subscribe(["*"])
        sub.close()
        await bus.publish(ev(1))
        return bus.subscriber_count

    assert asyncio.run(run()) == 0

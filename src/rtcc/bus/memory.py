"""An in-process asyncio event bus with typed topics matched by pattern.

Delivery to a subscriber is in publish order. A subscriber created with ``drop_when_full`` (a WebSocket
client) never slows the publisher: when its queue is full it is marked lagged and must catch up from the
store. Other subscribers (engines) apply back-pressure instead, so they never miss an event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from rtcc.domain.events import Event


def topic_matches(pattern: str, event_type: str) -> bool:
    """``*`` matches all; ``unit.*`` matches ``unit.location``; otherwise exact."""
    if pattern in ("*", "#"):
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


class MemorySubscription:
    def __init__(self, bus: InProcessBus, patterns: Sequence[str], maxsize: int, drop_when_full: bool):
        self._bus = bus
        self.patterns = tuple(patterns)
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)
        self.drop_when_full = drop_when_full
        self.lagged = False
        self.closed = False

    def wants(self, event_type: str) -> bool:
        return any(topic_matches(p, event_type) for p in self.patterns)

    async def get(self) -> Event:
        return await self.queue.get()

    async def get_many(self, max_items: int) -> list[Event]:
        """Wait for one event, then take whatever else is already queued, up to ``max_items``."""
        batch = [await self.queue.get()]
        while len(batch) < max_items and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        return batch

    async def drain(self) -> list[Event]:
        out = []
        while not self.queue.empty():
            out.append(self.queue.get_nowait())
        return out

    async def __aiter__(self) -> AsyncIterator[Event]:
        while not self.closed:
            yield await self.queue.get()

    def close(self) -> None:
        self.closed = True
        self._bus._remove(self)


class InProcessBus:
    def __init__(self) -> None:
        self._subs: list[MemorySubscription] = []
        self.published = 0

    async def publish(self, event: Event) -> None:
        self.published += 1
        for sub in list(self._subs):
            if not sub.wants(event.type):
                continue
            if sub.drop_when_full:
                try:
                    sub.queue.put_nowait(event)
                except asyncio.QueueFull:
                    sub.lagged = True
            else:
                await sub.queue.put(event)

    def subscribe(
        self, patterns: Sequence[str], *, maxsize: int = 10_000, drop_when_full: bool = False
    ) -> MemorySubscription:
        sub = MemorySubscription(self, patterns, maxsize, drop_when_full)
        self._subs.append(sub)
        return sub

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)

    def _remove(self, sub: MemorySubscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

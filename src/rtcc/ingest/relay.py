"""The outbox relay: publishes committed events on the bus, then marks them published.

It wakes when this process commits, and polls so that events written by another process (a file replay,
a second server) are published too. After a crash, whatever was committed but not yet published is
published on the next start: delivery is at least once.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from rtcc.domain.ports import EventBus, Outbox

log = structlog.get_logger(__name__)


class OutboxRelay:
    def __init__(
        self, outbox: Outbox, bus: EventBus, *, poll_interval_s: float = 0.25, batch_size: int = 2000
    ):
        self.outbox = outbox
        self.bus = bus
        self.poll_interval_s = poll_interval_s
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._stopping = False
        self.published = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            try:
                moved = await self.relay_once()
            except Exception as exc:  # the database may be briefly unavailable; keep trying
                log.error("outbox_relay_failed", error=str(exc))
                moved = 0
                await asyncio.sleep(1.0)
            if moved < self.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval_s)
                self._wake.clear()

    async def relay_once(self) -> int:
        events = await asyncio.to_thread(self.outbox.pending, self.batch_size)
        for event in events:
            await self.bus.publish(event)
        if events:
            await asyncio.to_thread(self.outbox.mark_published, [e.seq for e in events])
            self.published += len(events)
        return len(events)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

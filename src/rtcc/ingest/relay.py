"""The outbox relay: publishes committed events on the bus, then marks them published.

It wakes when this process commits, and polls so that events written by another process (a file replay,
a second server) are published too. After a crash, whatever was committed but not yet published is
published on the next start: delivery is at least once.

What to publish is always decided by the outbox table. Events committed by this process are also handed
over in memory (``offer``), so the relay does not read back from the database what it was just given;
anything not handed over (another process's events, or more than the hand-over keeps) is read as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence

import structlog

from rtcc.domain.events import Event
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
        self._fresh: dict[int, Event] = {}
        self.fresh_limit = 4 * batch_size
        # Everything up to this sequence number has been published. Commit order equals sequence order
        # (see SqlEventStore.append), so nothing at or below it can still appear in the outbox later.
        self._published_upto = 0
        self._unflushed = 0
        self._last_flush = time.monotonic()
        self.flush_interval_s = 1.0

    def wake(self) -> None:
        self._wake.set()

    def offer(self, committed: Sequence[Event]) -> None:
        """Events this process has just committed: published from memory when their turn comes."""
        for event in committed:
            self._fresh[event.seq] = event
        if len(self._fresh) > self.fresh_limit:
            # Too far behind to keep them all: the oldest are read back from the outbox when due.
            for seq in sorted(self._fresh)[: len(self._fresh) - self.fresh_limit]:
                del self._fresh[seq]
        self._wake.set()

    async def run(self) -> None:
        try:
            await self._loop()
        finally:
            with contextlib.suppress(Exception):
                await self.flush()

    async def _loop(self) -> None:
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
        seqs = await asyncio.to_thread(self.outbox.pending_seqs, self.batch_size, self._published_upto)
        if not seqs:
            await self.flush()  # idle: a good moment to clear what was published
            return 0
        held = {s: e for s in seqs if (e := self._fresh.pop(s, None)) is not None}
        missing = [s for s in seqs if s not in held]
        if missing:
            for e in await asyncio.to_thread(self.outbox.by_seq, missing):
                held[e.seq] = e
        events = [held[s] for s in seqs if s in held]
        for event in events:
            await self.bus.publish(event)
        self.published += len(events)
        self._published_upto = seqs[-1]
        self._unflushed += len(seqs)
        # Clearing the outbox is one write per second (or per few batches) rather than one per batch: under
        # load the writes of the feeds come first. After a crash, what was published but not yet cleared is
        # published again, which at-least-once delivery allows.
        if (
            self._unflushed >= 4 * self.batch_size
            or time.monotonic() - self._last_flush >= self.flush_interval_s
        ):
            await self.flush()
        return len(seqs)

    async def flush(self) -> None:
        """Clear the outbox up to what has been published (rows whose event is gone included)."""
        if not self._unflushed:
            return
        upto, self._unflushed = self._published_upto, 0
        await asyncio.to_thread(self.outbox.clear_upto, upto)
        self._last_flush = time.monotonic()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

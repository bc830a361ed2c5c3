"""The simulator's clock, its queue of scheduled actions, and the emitter that turns facts into events.

Time is an integer count of nanoseconds since the Unix epoch, so that acoustic arrival times keep their
full resolution and no floating-point rounding can reorder two events.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

NS = 1_000_000_000
MINUTE = 60 * NS
HOUR = 60 * MINUTE
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

FEEDS = ("cad", "avl", "cameras", "alpr", "gunshot", "drones")

try:
    LOCAL_TZ: Any = ZoneInfo("America/New_York")
except ZoneInfoNotFoundError:  # no time-zone database on this machine: Columbus in winter
    LOCAL_TZ = timedelta(hours=-5)


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One generated event: the feed it belongs to and an ``EventIn``-shaped, JSON-ready dict."""

    feed: str
    event: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.event["type"])

    @property
    def occurred_at(self) -> str:
        return str(self.event["occurred_at"])


def to_ns(moment: datetime) -> int:
    """Nanoseconds since the epoch; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1) * 1000


def from_ns(t_ns: int) -> datetime:
    return EPOCH + timedelta(microseconds=t_ns // 1000)


def local_hour(t_ns: int) -> float:
    """Hour of day (0-24, fractional) in Columbus, for the daily rhythms of calls, traffic and gunfire."""
    moment = from_ns(t_ns)
    local = moment.astimezone(LOCAL_TZ) if isinstance(LOCAL_TZ, ZoneInfo) else moment + LOCAL_TZ
    return local.hour + local.minute / 60 + local.second / 3600


def hourly_profile(table: tuple[float, ...], hour: float) -> float:
    """Linear interpolation in a 24-value table, wrapping at midnight."""
    h0 = int(hour) % 24
    f = hour - int(hour)
    return table[h0] * (1 - f) + table[(h0 + 1) % 24] * f


def derive_rng(seed: int, stream: str) -> random.Random:
    """An independent generator per process, so one process drawing more numbers never shifts another."""
    return random.Random(f"{seed}/{stream}")


class Scheduler:
    """A time-ordered queue of actions; ties run in the order they were scheduled."""

    def __init__(self, now_ns: int) -> None:
        self.now_ns = now_ns
        self._queue: list[tuple[int, int, Callable[[int], None]]] = []
        self._seq = 0

    def at(self, t_ns: int, action: Callable[[int], None]) -> None:
        if t_ns < self.now_ns:
            raise ValueError("cannot schedule an action in the past")
        self._seq += 1
        heapq.heappush(self._queue, (t_ns, self._seq, action))

    def after(self, delay_ns: int, action: Callable[[int], None]) -> None:
        self.at(self.now_ns + max(0, delay_ns), action)

    def next_time(self) -> int | None:
        return self._queue[0][0] if self._queue else None

    def run_next(self) -> None:
        t_ns, _, action = heapq.heappop(self._queue)
        self.now_ns = t_ns
        action(t_ns)


class Emitter:
    """Builds event dicts, numbers them, and buffers them until the simulator yields them."""

    def __init__(self, seed: int, feeds: Collection[str] | None = None) -> None:
        unknown = set(feeds or ()) - set(FEEDS)
        if unknown:
            raise ValueError(f"unknown feeds {sorted(unknown)}; known: {', '.join(FEEDS)}")
        self.seed = seed
        self.feeds = frozenset(FEEDS if feeds is None else feeds)
        self.buffer: deque[SimEvent] = deque()
        self.count = 0
        self._second = -1
        self._prefix = ""

    def enabled(self, feed: str) -> bool:
        return feed in self.feeds

    def timestamp(self, t_ns: int) -> str:
        """ISO-8601 UTC with microseconds; the date part is cached because events cluster in time."""
        second, rest = divmod(t_ns, NS)
        if second != self._second:
            self._second = second
            self._prefix = from_ns(second * NS).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._prefix}.{rest // 1000:06d}Z"

    def emit(
        self,
        feed: str,
        event_type: str,
        t_ns: int,
        lat: float | None,
        lon: float | None,
        payload: dict[str, Any],
        address: dict[str, Any] | None = None,
    ) -> str | None:
        """Buffer one event and return its id, or None when its feed is switched off."""
        if feed not in self.feeds:
            return None
        self.count += 1
        event_id = f"sim-{self.seed}-{self.count}"
        event: dict[str, Any] = {"id": event_id, "type": event_type, "occurred_at": self.timestamp(t_ns)}
        if lat is not None and lon is not None:
            location: dict[str, Any] = {"lat": round(lat, 6), "lon": round(lon, 6)}
            if address is not None:
                location["address"] = address
            event["location"] = location
        event["payload"] = {k: v for k, v in payload.items() if v is not None}
        self.buffer.append(SimEvent(feed, event))
        return event_id

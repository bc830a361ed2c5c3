from __future__ import annotations

from datetime import datetime, timedelta

from rtcc.ingest.adapter import FeedHealth, FeedStats, health_from_stats
from rtcc.ingest.feeds.avl.config import AvlConfig


def health(stats: FeedStats, now: datetime, config: AvlConfig) -> FeedHealth:
    # A fleet that goes quiet usually means the modem gateway is down, not that every car parked.
    return health_from_stats(stats, now, expected_every=timedelta(seconds=config.expected_every_s))

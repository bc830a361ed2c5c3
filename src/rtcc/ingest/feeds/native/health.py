from __future__ import annotations

from datetime import datetime, timedelta

from rtcc.ingest.adapter import FeedHealth, FeedStats, health_from_stats
from rtcc.ingest.feeds.native.config import NativeConfig


def health(stats: FeedStats, now: datetime, config: NativeConfig) -> FeedHealth:
    return health_from_stats(stats, now, expected_every=timedelta(seconds=config.expected_every_s))

from __future__ import annotations

from datetime import datetime, timedelta

from rtcc.ingest.adapter import FeedHealth, FeedStats, health_from_stats
from rtcc.ingest.feeds.acoustic.config import AcousticConfig


def health(stats: FeedStats, now: datetime, config: AcousticConfig) -> FeedHealth:
    # Sensors send heartbeats, so silence means the array (or its backhaul) is down, not a quiet night.
    return health_from_stats(stats, now, expected_every=timedelta(seconds=config.expected_every_s))

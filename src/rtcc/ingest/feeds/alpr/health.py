from __future__ import annotations

from datetime import datetime, timedelta

from rtcc.ingest.adapter import FeedHealth, FeedStats, health_from_stats
from rtcc.ingest.feeds.alpr.config import AlprConfig


def health(stats: FeedStats, now: datetime, config: AlprConfig) -> FeedHealth:
    # Unreadable plates are normal at night and in rain: tolerate a higher refusal share than other feeds.
    return health_from_stats(
        stats, now, expected_every=timedelta(seconds=config.expected_every_s), error_share_limit=0.4
    )

"""ALPR feed: plate reads as flat rows (plate, state, time, latitude, longitude, reader_id, ...)."""

from rtcc.ingest.adapter import FeedAdapter
from rtcc.ingest.feeds.alpr.config import AlprConfig
from rtcc.ingest.feeds.alpr.health import health
from rtcc.ingest.feeds.alpr.parser import parse

ADAPTER = FeedAdapter(
    name="alpr",
    description="License plate reads: plate, state, time, latitude, longitude, reader_id, and optionally "
    "direction, confidence, image, make, colour.",
    config_model=AlprConfig,
    parse=parse,
    health=health,
)

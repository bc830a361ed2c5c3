"""Native feed: items are OpenRTCC event envelopes as they are."""

from rtcc.ingest.adapter import FeedAdapter
from rtcc.ingest.feeds.native.config import NativeConfig
from rtcc.ingest.feeds.native.health import health
from rtcc.ingest.feeds.native.parser import parse

ADAPTER = FeedAdapter(
    name="native",
    description="OpenRTCC event envelopes (id, type, occurred_at, location, payload).",
    config_model=NativeConfig,
    parse=parse,
    health=health,
)

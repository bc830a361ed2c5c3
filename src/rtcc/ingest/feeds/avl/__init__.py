"""AVL feed: vehicle location pings as flat JSON objects (unit, time, lat, lon, heading, speed, status)."""

from rtcc.ingest.adapter import FeedAdapter
from rtcc.ingest.feeds.avl.config import AvlConfig
from rtcc.ingest.feeds.avl.health import health
from rtcc.ingest.feeds.avl.parser import parse

ADAPTER = FeedAdapter(
    name="avl",
    description="Automated vehicle location pings: unit, time, lat, lon, heading, speed and optional status.",
    config_model=AvlConfig,
    parse=parse,
    health=health,
)

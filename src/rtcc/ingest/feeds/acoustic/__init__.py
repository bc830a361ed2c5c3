"""Acoustic sensor feed: impulse reports and heartbeats from gunshot-detection sensors (MQTT or HTTP)."""

from rtcc.ingest.adapter import FeedAdapter
from rtcc.ingest.feeds.acoustic.config import AcousticConfig
from rtcc.ingest.feeds.acoustic.health import health
from rtcc.ingest.feeds.acoustic.parser import parse

ADAPTER = FeedAdapter(
    name="acoustic",
    description="Acoustic sensors: pulses {sensor_id, t, snr, power} and heartbeats {sensor_id, kind: heartbeat}.",
    config_model=AcousticConfig,
    parse=parse,
    health=health,
)

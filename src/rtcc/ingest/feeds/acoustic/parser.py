from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rtcc.domain.errors import FeedParseError
from rtcc.domain.events import EventIn
from rtcc.ingest.adapter import envelope, parse_float, parse_time, require_mapping
from rtcc.ingest.feeds.acoustic.config import AcousticConfig


def _arrival(row: dict[str, Any]) -> tuple[datetime, int | None]:
    """Arrival time. ``t_ns`` (integer nanoseconds) keeps the precision a float of epoch seconds loses."""
    t_ns = row.get("t_ns")
    if t_ns is not None:
        if isinstance(t_ns, bool) or not isinstance(t_ns, int) or t_ns < 0:
            raise FeedParseError.one("t_ns", f"expected non-negative integer nanoseconds, got {t_ns!r}")
        return datetime.fromtimestamp(t_ns // 1_000_000_000, UTC).replace(
            microsecond=(t_ns // 1000) % 1_000_000
        ), t_ns
    when = parse_time(row.get("t", row.get("time")), "t")
    return when, None


def parse(item: Any, config: AcousticConfig) -> list[EventIn]:
    row = require_mapping(item)
    sensor_id = row.get("sensor_id")
    if not sensor_id:
        raise FeedParseError.one("sensor_id", "required")
    sensor_id = str(sensor_id)
    known = config.sensors.get(sensor_id)
    lat = parse_float(row.get("lat"), "lat", required=known is None)
    lon = parse_float(row.get("lon"), "lon", required=known is None)
    if lat is not None and lon is not None:
        location: dict[str, Any] = {"lat": lat, "lon": lon}
    elif known is not None:  # the message says nothing of where: the surveyed position
        location = {"lat": known.lat, "lon": known.lon}
    else:
        raise FeedParseError.one(
            "lat", "required: the message has no position and the sensor is not surveyed"
        )
    when, t_ns = _arrival(row)
    if row.get("kind") == "heartbeat":
        payload: dict[str, Any] = {"sensor_id": sensor_id}
        for name in ("battery_pct", "temperature_c"):
            value = parse_float(row.get(name), name, required=False)
            if value is not None:
                payload[name] = value
        event_type = "sensor.heartbeat"
    else:
        payload = {"sensor_id": sensor_id}
        if t_ns is not None:
            payload["arrival_ns"] = t_ns
        elevation = parse_float(row.get("elevation_m", row.get("elev")), "elevation_m", required=False)
        if elevation is None and known is not None:
            elevation = known.elevation_m
        if elevation is not None:
            payload["elevation_m"] = elevation
        for src, dst in (("snr", "snr_db"), ("power", "power_db"), ("temperature_c", "temperature_c")):
            value = parse_float(row.get(src), src, required=False)
            if value is not None:
                payload[dst] = value
        event_type = "gunshot.pulse"
    event_id = row.get("id") or f"{event_type}-{sensor_id}-{t_ns or when.isoformat()}"
    return [
        envelope(
            {
                "id": str(event_id),
                "type": event_type,
                "occurred_at": when,
                "location": location,
                "payload": payload,
            }
        )
    ]

from __future__ import annotations

import re
from typing import Any

from rtcc.domain.errors import FeedParseError
from rtcc.domain.events import EventIn
from rtcc.ingest.adapter import envelope, first_present, parse_float, parse_time, require_mapping
from rtcc.ingest.feeds.alpr.config import AlprConfig

_SEPARATORS = re.compile(r"[\s\-·.]+")
_PLATE = re.compile(r"^[A-Z0-9]{2,10}$")


def normalise_plate(raw: Any) -> str:
    """Upper-case, with spaces, dashes and dots removed. A read with no usable plate is refused."""
    if raw is None or str(raw).strip() == "":
        raise FeedParseError.one("plate", "required: no plate characters were read")
    plate = _SEPARATORS.sub("", str(raw)).upper()
    if not _PLATE.match(plate):
        raise FeedParseError.one("plate", f"not a usable plate: {raw!r} (2-10 letters or digits expected)")
    return plate


def parse(item: Any, config: AlprConfig) -> list[EventIn]:
    row = require_mapping(item)
    plate = normalise_plate(row.get("plate"))
    reader = first_present(row, ("reader_id", "reader", "camera_id"))
    if reader is None:
        raise FeedParseError.one("reader_id", "required: which reader made the read")
    occurred_at = parse_time(first_present(row, ("time", "timestamp")), "time")
    lat = parse_float(first_present(row, ("latitude", "lat")), "latitude")
    lon = parse_float(first_present(row, ("longitude", "lon")), "longitude")
    confidence = parse_float(row.get("confidence"), "confidence", required=False)
    payload: dict[str, Any] = {
        "reader_id": str(reader),
        "plate": plate,
        "state": (str(row["state"]).upper() if row.get("state") else config.default_state),
        "confidence": confidence,
        "direction": row.get("direction") or None,
        "image_ref": first_present(row, ("image_ref", "image")),
        "vehicle_make": first_present(row, ("vehicle_make", "make")),
        "vehicle_colour": first_present(row, ("vehicle_colour", "colour", "color")),
    }
    event_id = row.get("id") or f"alpr-{reader}-{occurred_at.isoformat()}-{plate}"
    return [
        envelope(
            {
                "id": str(event_id),
                "type": "alpr.read",
                "occurred_at": occurred_at,
                "location": {"lat": lat, "lon": lon},
                "payload": {k: v for k, v in payload.items() if v is not None},
            }
        )
    ]

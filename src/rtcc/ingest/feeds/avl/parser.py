from __future__ import annotations

from typing import Any

from rtcc.domain.errors import FeedParseError
from rtcc.domain.events import EventIn
from rtcc.ingest.adapter import envelope, first_present, parse_float, parse_time, require_mapping
from rtcc.ingest.feeds.avl.config import AvlConfig

_TO_MPS = {"mps": 1.0, "kmh": 1 / 3.6, "mph": 0.44704}


def parse(item: Any, config: AvlConfig) -> list[EventIn]:
    row = require_mapping(item)
    unit = first_present(row, ("unit", "unit_id", "vehicle"))
    if unit is None:
        raise FeedParseError.one("unit", "required: the unit or vehicle id")
    unit_id = config.unit_prefix + str(unit)
    occurred_at = parse_time(first_present(row, ("time", "timestamp", "ts")), "time")
    lat = parse_float(first_present(row, ("lat", "latitude")), "lat")
    lon = parse_float(first_present(row, ("lon", "lng", "longitude")), "lon")
    heading = parse_float(first_present(row, ("heading", "course")), "heading", required=False)
    speed = parse_float(row.get("speed"), "speed", required=False)
    payload: dict[str, Any] = {"unit_id": unit_id}
    if heading is not None:
        payload["heading_deg"] = heading % 360.0
    if speed is not None:
        payload["speed_mps"] = round(speed * _TO_MPS[config.speed_unit], 3)
    base_id = row.get("id") or f"avl-{unit_id}-{occurred_at.isoformat()}"
    out = [
        envelope(
            {
                "id": str(base_id),
                "type": "unit.location",
                "occurred_at": occurred_at,
                "location": {"lat": lat, "lon": lon},
                "payload": payload,
            }
        )
    ]
    status = row.get("status")
    if status:
        status_payload = {
            "unit_id": unit_id,
            "status": str(status).lower(),
            "incident_id": row.get("incident"),
        }
        out.append(
            envelope(
                {
                    "id": f"{base_id}-status",
                    "type": "unit.status",
                    "occurred_at": occurred_at,
                    "payload": status_payload,
                }
            )
        )
    return out

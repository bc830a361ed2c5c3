"""Changes made through the API go out on the live stream as events: stored like any other (so a console
catching up after a reconnect sees them too), then published to every connected console."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from rtcc.api.context import AppContext
from rtcc.domain.events import Payload, Topic

P = TypeVar("P", bound=Payload)


async def announce(
    ctx: AppContext,
    agency_id: str,
    topic: Topic[P],
    payload: P,
    *,
    lat: float | None = None,
    lon: float | None = None,
) -> None:
    if ctx.emit is None:  # a context without the wiring (no live stream to announce on)
        return
    item: dict[str, Any] = {
        "id": f"{topic.name}-{uuid.uuid4().hex}",
        "type": topic.name,
        "occurred_at": datetime.now(UTC).isoformat(),
        "payload": payload.model_dump(mode="json", exclude_none=True),
    }
    if lat is not None and lon is not None:
        item["location"] = {"lat": lat, "lon": lon}
    await ctx.emit(agency_id, [item])

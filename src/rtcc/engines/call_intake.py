"""What happens the moment a 911 call arrives, before anyone dispatches it.

Two things, both aimed at the officers who will meet whatever waits there:
- the threat brief is built from the records on file (premise, residents, associates) and its level is
  announced as a ``call.brief`` event, so the console and the field view can show it before dispatch;
- units within the notification radius are found and told (``call.nearby``), so an officer a few blocks
  away knows of a shooting call before the dispatcher has picked anyone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import structlog

from rtcc.domain.entities import Unit
from rtcc.domain.events import CALL_RECEIVED, Event
from rtcc.domain.geo import haversine_m
from rtcc.domain.ports import BriefMaker, EventBus, NoticeBoard, SceneDirectory
from rtcc.domain.threat import ThreatBrief
from rtcc.domain.vocab import UnitStatus

log = structlog.get_logger(__name__)

Emit = Callable[[str, list[dict[str, Any]]], Awaitable[Any]]

# Units that can act on a nearby call: everyone on the road, not those out of service.
FIELD_STATUSES = frozenset(
    {UnitStatus.AVAILABLE, UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE}
)


def units_within(units: list[Unit], lat: float, lon: float, radius_m: float) -> list[tuple[str, float]]:
    """(unit id, distance) of units with a known position within the radius, nearest first."""
    near = []
    for u in units:
        if u.lat is None or u.lon is None or u.status not in FIELD_STATUSES:
            continue
        d = haversine_m(lat, lon, u.lat, u.lon)
        if d <= radius_m:
            near.append((u.unit_id, round(d, 1)))
    near.sort(key=lambda p: (p[1], p[0]))
    return near


def _location(event: Event) -> dict[str, Any] | None:
    return event.location.model_dump(mode="json", exclude_none=True) if event.location else None


def brief_event(event: Event, brief: ThreatBrief, ready_ms: float) -> dict[str, Any]:
    p = CALL_RECEIVED.payload(event)
    return {
        "id": f"brief-{event.id}",
        "type": "call.brief",
        "occurred_at": datetime.now(UTC).isoformat(),
        "location": _location(event),
        "payload": {
            "call_id": p.call_id,
            "level": brief.level.value,
            "score": brief.score,
            "factors": len(brief.factors),
            "residents": len(brief.residents),
            "associates": len(brief.associates),
            "ready_ms": round(ready_ms, 1),
        },
    }


def nearby_event(event: Event, near: list[tuple[str, float]], radius_m: float) -> dict[str, Any]:
    p = CALL_RECEIVED.payload(event)
    return {
        "id": f"nearby-{event.id}",
        "type": "call.nearby",
        "occurred_at": event.occurred_at.isoformat(),
        "location": _location(event),
        "payload": {
            "call_id": p.call_id,
            "call_type": p.call_type.value,
            "priority": p.priority.value,
            "radius_m": radius_m,
            "units": [{"unit_id": u, "distance_m": d} for u, d in near],
        },
    }


class CallIntakeEngine:
    def __init__(
        self,
        bus: EventBus,
        emit: Emit,
        briefs: BriefMaker,
        scene: SceneDirectory,
        notices: NoticeBoard,
        *,
        radius_m: float,
    ):
        self.sub = bus.subscribe([CALL_RECEIVED.name], maxsize=10_000)
        self.emit = emit
        self.briefs = briefs
        self.scene = scene
        self.notices = notices
        self.radius_m = radius_m

    async def run(self) -> None:
        while True:
            event = await self.sub.get()
            try:
                await self.handle(event)
            except Exception:  # one bad call must not stop briefs for every later call
                log.exception("call_intake_failed", event_id=event.id)

    async def handle(self, event: Event) -> None:
        started = time.perf_counter()
        p = CALL_RECEIVED.payload(event)
        loc = event.location
        lat = loc.lat if loc else None
        lon = loc.lon if loc else None
        address = loc.address.one_line() if loc and loc.address else None
        brief = await asyncio.to_thread(
            self.briefs.brief_for,
            event.agency_id,
            lat=lat,
            lon=lon,
            address=address,
            now=event.occurred_at,
            exclude_call=p.call_id,
        )
        out = [brief_event(event, brief, (time.perf_counter() - started) * 1000)]
        if lat is not None and lon is not None:
            units = await asyncio.to_thread(self.scene.units, agency_id=event.agency_id)
            near = units_within(units, lat, lon, self.radius_m)
            if near:
                await asyncio.to_thread(
                    self.notices.record_notices, event.agency_id, p.call_id, event.occurred_at, near
                )
                out.append(nearby_event(event, near, self.radius_m))
        await self.emit(event.agency_id, out)

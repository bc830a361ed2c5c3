"""Raises an alert when a camera goes down and when it comes back, so operators know what they cannot see.

Only changes raise one: cameras and their recorders report in over and over (heartbeats saying "up"), and
the health monitor reports a new reason for a camera that stays down (frozen, then unreachable). A camera
first heard of while down raises one; first heard of while up, none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from rtcc.domain.events import CAMERA_STATUS, Event
from rtcc.domain.ports import EventBus
from rtcc.domain.vocab import HealthState

# emit(agency_id, envelopes): engines' events go back through the ingest pipeline under the agency.
Emit = Callable[[str, list[dict[str, Any]]], Awaitable[Any]]


def alert_for(event: Event) -> dict[str, Any] | None:
    """The alert event (as a native envelope) that a camera status change raises."""
    if event.type != CAMERA_STATUS.name:
        return None
    status = CAMERA_STATUS.payload(event)
    down = status.status is HealthState.DOWN
    reason = f": {status.reason}" if status.reason else ""
    return {
        "id": f"alert-{event.id}",
        "type": "alert.raised",
        "occurred_at": event.occurred_at.isoformat(),
        "location": event.location.model_dump(mode="json", exclude_none=True) if event.location else None,
        "payload": {
            "alert_id": f"cam-{event.seq}",
            "kind": "camera.down" if down else "camera.up",
            "severity": "low" if down else "info",
            "title": f"Camera {status.camera_id} {'down' if down else 'back up'}{reason}",
            "detail": {"camera_id": status.camera_id, "event_id": event.id, "agency_id": event.agency_id},
        },
    }


class StatusChanges:
    """The last status heard of each camera, to tell a change from a repeated report."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], tuple[HealthState, datetime]] = {}

    def is_change(self, event: Event) -> bool:
        status = CAMERA_STATUS.payload(event)
        key = (event.agency_id, status.camera_id)
        held = self._last.get(key)
        if held is not None and event.occurred_at < held[1]:
            return False  # an older report that arrived late changes nothing now
        self._last[key] = (status.status, event.occurred_at)
        if held is None:
            return status.status is HealthState.DOWN
        return held[0] is not status.status


class CameraAlertEngine:
    def __init__(self, bus: EventBus, emit: Emit):
        self.sub = bus.subscribe([CAMERA_STATUS.name], maxsize=5000)
        self.emit = emit
        self.changes = StatusChanges()

    async def run(self) -> None:
        while True:
            event = await self.sub.get()
            if not self.changes.is_change(event):
                continue
            alert = alert_for(event)
            if alert is not None:
                await self.emit(event.agency_id, [alert])

"""Raises an alert when a camera goes down and when it comes back, so operators know what they cannot see.

Only changes raise one: cameras and their recorders report in over and over (heartbeats saying "up"), and
the health monitor reports a new reason for a camera that stays down (frozen, then unreachable). A camera
first heard of while down raises one; first heard of while up, none. A heartbeat does not bring back a
camera the health monitor found down by its picture (see StatusChanges).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rtcc.domain.events import CAMERA_STATUS, Event
from rtcc.domain.ports import EventBus
from rtcc.domain.vocab import HealthState
from rtcc.engines.camera_health import StatusChanges

__all__ = ["CameraAlertEngine", "StatusChanges", "alert_for"]

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

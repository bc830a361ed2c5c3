"""Keeps the current picture (calls, units, cameras, sensors, drones, alerts) from the event stream.

Events can arrive out of order (a modem buffers pings while out of coverage); positions and statuses are
only applied when they are not older than what is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog

from rtcc.domain.events import Event
from rtcc.domain.ports import EventBus, LiveState, StateChange

log = structlog.get_logger(__name__)

TOPICS = (
    "call.received",
    "incident.status",
    "unit.location",
    "unit.status",
    "camera.status",
    "sensor.heartbeat",
    "gunshot.pulse",
    "drone.telemetry",
    "alert.raised",
)


def changes_for(event: Event) -> list[StateChange]:
    """The state changes one event implies."""
    p = event.payload
    t = event.occurred_at
    loc = event.location
    a = event.agency_id
    match event.type:
        case "call.received":
            assert loc is not None
            return [
                StateChange(
                    "call",
                    a,
                    p["call_id"],
                    create=True,
                    fields={
                        "call_type": p["call_type"],
                        "priority": p["priority"],
                        "description": p.get("description", ""),
                        "lat": loc.lat,
                        "lon": loc.lon,
                        "address": loc.address.one_line() if loc.address else None,
                        "received_at": t,
                    },
                    defaults={"status": "received", "updated_at": t, "units": []},
                )
            ]
        case "incident.status":
            fields: dict[str, object] = {
                "status": p["status"],
                "updated_at": t,
                "incident_id": p["incident_id"],
            }
            return [
                StateChange(
                    "call",
                    a,
                    p.get("call_id") or p["incident_id"],
                    fields=fields,
                    append={"units": p["unit_id"]} if p.get("unit_id") else {},
                    guard="updated_at",
                )
            ]
        case "unit.location":
            assert loc is not None
            return [
                StateChange(
                    "unit",
                    a,
                    p["unit_id"],
                    create=True,
                    fields={
                        "lat": loc.lat,
                        "lon": loc.lon,
                        "heading_deg": p.get("heading_deg"),
                        "speed_mps": p.get("speed_mps"),
                        "located_at": t,
                    },
                    defaults={"status": "available", "updated_at": t},
                    guard="located_at",
                )
            ]
        case "unit.status":
            return [
                StateChange(
                    "unit",
                    a,
                    p["unit_id"],
                    create=True,
                    fields={"status": p["status"], "incident_id": p.get("incident_id"), "updated_at": t},
                    guard="updated_at",
                )
            ]
        case "camera.status":
            defaults: dict[str, object] = {}
            if loc is not None:
                defaults = {
                    "name": p["camera_id"],
                    "kind": p.get("kind") or "city_cctv",
                    "lat": loc.lat,
                    "lon": loc.lon,
                }
            return [
                StateChange(
                    "camera",
                    a,
                    p["camera_id"],
                    create=loc is not None,
                    fields={"status": p["status"], "status_reason": p.get("reason"), "status_changed_at": t},
                    defaults=defaults,
                    guard="status_changed_at",
                )
            ]
        case "sensor.heartbeat" | "gunshot.pulse":
            assert loc is not None or event.type == "sensor.heartbeat"
            defaults = {"lat": loc.lat, "lon": loc.lon, "kind": p.get("kind", "acoustic")} if loc else {}
            return [
                StateChange(
                    "sensor",
                    a,
                    p["sensor_id"],
                    create=loc is not None,
                    fields={"last_heartbeat_at": t},
                    defaults=defaults,
                    guard="last_heartbeat_at",
                )
            ]
        case "drone.telemetry":
            assert loc is not None
            return [
                StateChange(
                    "drone",
                    a,
                    p["drone_id"],
                    create=True,
                    fields={
                        "lat": loc.lat,
                        "lon": loc.lon,
                        "altitude_m": p["altitude_m"],
                        "battery_pct": p["battery_pct"],
                        "state": p.get("state", "flying"),
                        "incident_id": p.get("incident_id"),
                        "updated_at": t,
                    },
                    guard="updated_at",
                )
            ]
        case "alert.raised":
            return [
                StateChange(
                    "alert",
                    a,
                    p["alert_id"],
                    create=True,
                    fields={
                        "kind": p["kind"],
                        "severity": p["severity"],
                        "title": p["title"],
                        "detail": p.get("detail", {}),
                        "raised_at": t,
                        "lat": loc.lat if loc else None,
                        "lon": loc.lon if loc else None,
                    },
                    defaults={"status": "new"},
                )
            ]
    return []


class LiveStateProjector:
    """Subscribes to the bus and applies changes in batches (one transaction per batch)."""

    def __init__(self, bus: EventBus, state: LiveState, *, max_batch: int = 1000):
        self.sub = bus.subscribe(TOPICS, maxsize=20_000)
        self.state = state
        self.max_batch = max_batch
        self.applied = 0

    async def run(self) -> None:
        while True:
            await self.apply(await self.sub.get_many(self.max_batch))

    async def apply(self, events: Sequence[Event]) -> None:
        changes = [c for e in events for c in changes_for(e)]
        try:
            await asyncio.to_thread(self.state.apply, changes)
        except Exception as exc:  # one bad row must not stop the live picture
            log.error("live_state_apply_failed", error=str(exc), events=len(events))
            for change in changes:
                try:
                    await asyncio.to_thread(self.state.apply, [change])
                except Exception as one_exc:
                    log.error(
                        "live_state_change_refused", kind=change.kind, key=change.key, error=str(one_exc)
                    )
        self.applied += len(events)

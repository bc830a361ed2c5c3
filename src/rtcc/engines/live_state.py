"""Keeps the current picture (calls, units, cameras, sensors, drones, alerts) from the event stream.

Events can arrive out of order (a modem buffers pings while out of coverage); positions and statuses are
only applied when they are not older than what is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog

from rtcc.domain.events import Event
from rtcc.domain.geo import grid_cell
from rtcc.domain.ports import EventBus, EventHistory, LiveState, StateChange

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
                        "cell": grid_cell(loc.lat, loc.lon),
                    },
                    defaults={"status": "received", "updated_at": t, "units": [], "origin": "live"},
                )
            ]
        case "incident.status":
            fields: dict[str, object] = {
                "status": p["status"],
                "updated_at": t,
                "incident_id": p["incident_id"],
            }
            if p.get("disposition"):
                fields["disposition"] = p["disposition"]
            key = p.get("call_id") or p["incident_id"]
            return [
                StateChange(
                    "call",
                    a,
                    key,
                    fields=fields,
                    append={"units": p["unit_id"]} if p.get("unit_id") else {},
                    guard="updated_at",
                ),
                # The time each stage was first reached, for the timeline and response times.
                StateChange(
                    "call_stamp", a, key, fields={"status": p["status"], "at": t, "unit_id": p.get("unit_id")}
                ),
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
                ),
                StateChange(
                    "unit_stamp",
                    a,
                    p["unit_id"],
                    fields={"status": p["status"], "incident_id": p.get("incident_id"), "at": t},
                ),
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


def coalesce(changes: Sequence[StateChange]) -> list[StateChange]:
    """Within one batch only the newest of several guarded changes to the same row and fields matters
    (a unit's ten pings in a batch are one position update). Order is otherwise kept."""
    out: list[StateChange] = []
    where: dict[tuple[object, ...], int] = {}
    for ch in changes:
        if ch.guard is None or ch.append or ch.guard not in ch.fields:
            out.append(ch)
            continue
        k = (ch.kind, ch.agency_id, ch.key, tuple(sorted(ch.fields)))
        i = where.get(k)
        if i is None:
            where[k] = len(out)
            out.append(ch)
        elif ch.fields[ch.guard] >= out[i].fields[ch.guard]:
            out[i] = ch
    return out


class LiveStateProjector:
    """Subscribes to the bus and applies changes in batches (one transaction per batch).

    It never slows the bus down: when it falls behind, it is marked lagged and reads what it missed from
    the event store, so live WebSocket delivery does not wait for the database writes of the picture."""

    def __init__(
        self,
        bus: EventBus,
        state: LiveState,
        history: EventHistory,
        *,
        max_batch: int = 2000,
        queue_size: int = 50_000,
    ):
        self.sub = bus.subscribe(TOPICS, maxsize=queue_size, drop_when_full=True)
        self.state = state
        self.history = history
        self.max_batch = max_batch
        self.applied = 0
        self.last_seq = 0

    async def run(self) -> None:
        while True:
            if self.sub.lagged:
                await self._catch_up()
            batch = await self.sub.get_many(self.max_batch)
            fresh = [e for e in batch if e.seq > self.last_seq]
            if fresh:
                await self.apply(fresh)

    async def _catch_up(self) -> None:
        self.sub.lagged = False
        skipped = await self.sub.drain()
        start = self.last_seq if self.last_seq else min((e.seq for e in skipped), default=1) - 1
        self.last_seq = start
        while True:
            events = await asyncio.to_thread(
                self.history.query, types=TOPICS, after_seq=self.last_seq, limit=5000
            )
            if events:
                await self.apply(events)
            if len(events) < 5000:
                return

    async def apply(self, events: Sequence[Event]) -> None:
        changes = coalesce([c for e in events for c in changes_for(e)])
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
        self.last_seq = max(self.last_seq, events[-1].seq)

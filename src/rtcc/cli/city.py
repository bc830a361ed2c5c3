"""Seeding the simulated city and driving its feeds into the hub, shared by `rtcc simulate` and `rtcc demo`."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rtcc.domain.alpr import HotlistRecord
from rtcc.domain.entities import Source
from rtcc.domain.records import Address, Residence
from rtcc.sim import FEEDS, CitySimulator
from rtcc.sim.cad import CallPlace
from rtcc.sim.records import generate_records
from rtcc.storage.accounts import Accounts
from rtcc.storage.hotlists import Hotlists
from rtcc.storage.live_state import SqlLiveState
from rtcc.storage.records import RecordsStore

DEMO_AGENCY_ID = "cpd-demo"
DEMO_AGENCY_NAME = "Columbus Division of Police (demo city, fictional data)"

# Which event types each simulated feed may submit: a source is refused anything else.
FEED_TYPES: dict[str, list[str]] = {
    "cad": ["call.received", "incident.status"],
    "avl": ["unit.location", "unit.status"],
    "cameras": ["camera.status"],
    "alpr": ["alpr.read"],
    "gunshot": ["gunshot.pulse", "sensor.heartbeat"],
    "drones": ["drone.telemetry"],
}

Send = Callable[[str, list[dict[str, Any]]], Awaitable[None]]


def ensure_agency(accounts: Accounts) -> str:
    if accounts.get_agency(DEMO_AGENCY_ID) is None:
        accounts.create_agency(DEMO_AGENCY_NAME, agency_id=DEMO_AGENCY_ID)
    return DEMO_AGENCY_ID


def ensure_sources(
    accounts: Accounts, agency_id: str, *, rotate: bool
) -> dict[str, tuple[Source, str | None]]:
    """One native source per simulated feed. With ``rotate``, each gets a fresh API key (returned once)."""
    out: dict[str, tuple[Source, str | None]] = {}
    for feed in FEEDS:
        name = f"sim-{feed}"
        source = accounts.source_by_name(name)
        key: str | None = None
        if source is None:
            source, key = accounts.create_source(
                agency_id, name, "native", {"allowed_types": FEED_TYPES[feed]}
            )
        elif rotate:
            key = accounts.rotate_key(source.id)
        out[feed] = (source, key)
    return out


def register_city(
    live: SqlLiveState, sim: CitySimulator, agency_id: str, snapshot_base: str | None = None
) -> dict[str, int]:
    """Put the city's fixed assets (cameras, sensors, drones) into the registry. With ``snapshot_base``
    each camera's snapshot address is ``<base>/<camera id>.png`` (the demo serves simulated pictures)."""
    reg = sim.registry()
    cameras = [
        {
            "id": c.id,
            "agency_id": agency_id,
            "name": c.name,
            "kind": c.kind.value,
            "lat": c.lat,
            "lon": c.lon,
            "heading_deg": c.heading_deg,
            "fov_deg": c.fov_deg,
            "range_m": c.range_m,
            "ptz": c.ptz,
            "mount_height_m": c.mount_height_m,
            "stream_url": c.stream_url,
            "snapshot_url": f"{snapshot_base}/{c.id}.png" if snapshot_base else None,
            "status": "up",
        }
        for c in reg.cameras
    ]
    sensors = [
        {
            "id": s.id,
            "agency_id": agency_id,
            "kind": "acoustic",
            "lat": s.lat,
            "lon": s.lon,
            "elevation_m": s.elevation_m,
        }
        for s in reg.sensors
    ]
    drones = [
        {
            "id": d.id,
            "agency_id": agency_id,
            "dock_lat": d.dock_lat,
            "dock_lon": d.dock_lon,
            "lat": d.dock_lat,
            "lon": d.dock_lon,
            "state": "docked",
        }
        for d in reg.drones
    ]
    return {
        "cameras": live.register("camera", cameras),
        "sensors": live.register("sensor", sensors),
        "drones": live.register("drone", drones),
    }


@dataclass
class DriveStats:
    sent: dict[str, int] = field(default_factory=lambda: defaultdict(int))


async def drive(
    sim: CitySimulator,
    send: Send,
    *,
    speed: float,
    duration_s: float | None = None,
    tick_s: float = 0.5,
    warm_up_s: float = 0.0,
    stats: DriveStats | None = None,
) -> DriveStats:
    """Advance the simulation with the wall clock (times ``speed``) and send each tick's events per feed.
    ``warm_up_s`` of simulated time are sent at once first (a city that was already running)."""
    stats = stats or DriveStats()
    sim_start = sim.now
    wall_start = time.monotonic()
    # In real time, the city runs on the present: whatever time setting up took (migrations, the records,
    # the server starting) is sent at once, or every event would arrive that many seconds old.
    behind_s = 0.0
    if speed <= 1:
        behind_s = max(0.0, (datetime.now(UTC) - sim_start).total_seconds() - warm_up_s)
    while True:
        elapsed = warm_up_s + behind_s + (time.monotonic() - wall_start) * speed
        if duration_s is not None and elapsed >= duration_s:
            until = sim_start + timedelta(seconds=duration_s)
        else:
            until = sim_start + timedelta(seconds=elapsed)
        by_feed: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in sim.events(until):
            by_feed[item.feed].append(item.event)
        for feed, items in by_feed.items():
            for i in range(0, len(items), 2000):
                chunk = items[i : i + 2000]
                await send(feed, chunk)
                stats.sent[feed] += len(chunk)
        if duration_s is not None and until >= sim_start + timedelta(seconds=duration_s):
            return stats
        await asyncio.sleep(tick_s)


def load_city_records(
    store: RecordsStore, sim: CitySimulator, agency_id: str, *, seed: int, today: date, households: int
) -> dict[str, int]:
    """The fictional city's records (persons, who lives where, history, links...) into the records store,
    and their households to the simulator as addresses that call 911 again, so briefs have something to say."""
    generated = generate_records(
        sim.network, agency_id=agency_id, seed=seed, households=households, today=today
    )
    counts = {kind: store.upsert(kind, agency_id, items) for kind, items in generated.items()}
    homes = {r.address_id for r in generated["residences"] if isinstance(r, Residence)}
    places: list[CallPlace] = []
    for a in generated["addresses"]:
        if isinstance(a, Address) and a.address_id in homes and a.lat is not None and a.lon is not None:
            civic: dict[str, Any] = {"country": "US", "a1": "OH", "a3": "Columbus", "text": a.text}
            places.append((a.lat, a.lon, civic, (sim.network.nearest_node(a.lat, a.lon), None)))
    sim.dispatcher.repeat_places = places
    return counts


def load_city_hotlist(hotlists: Hotlists, sim: CitySimulator, agency_id: str, at: datetime) -> int:
    """The simulated city's hotlist (stolen cars, BOLOs, an Amber alert) as the agency's list, so the
    plate readers' hits become alerts. Entered a day before the city starts, so warm-up reads match."""
    records = [
        HotlistRecord(
            entry_id=f"sim-{h.plate}-{h.state}",
            plate=h.plate,
            state=h.state,
            reason=f"{h.reason} ({h.vehicle_colour} {h.vehicle_make})",
            source=h.source,
            entered=at - timedelta(days=1),
        )
        for h in sim.registry().hotlist
    ]
    written, _ = hotlists.replace_list(agency_id, "simulated city", records, added_by="demo", at=at)
    return written


def live_start(speed: float, duration_s: float | None) -> datetime:
    """Where simulated time starts so that events are neither in the future nor stale when they arrive:
    at speed 1, now; faster, far enough back that the run ends at about the present."""
    now = datetime.now(UTC).replace(microsecond=0)
    if speed <= 1:
        return now
    lead = (duration_s if duration_s is not None else 6 * 3600.0) * (1 - 1 / speed)
    return now - timedelta(seconds=lead)

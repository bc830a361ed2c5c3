"""The live engine on its own: a backlog that spans minutes (after an outage) loses no shot, a pulse it
cannot use does not stop it, and rounds arriving later update the same incident."""

import asyncio
import math
from datetime import UTC, datetime
from typing import Any

from rtcc.bus.memory import InProcessBus
from rtcc.domain.events import Event
from rtcc.domain.geo import Location
from rtcc.engines.gunshot.engine import GunshotEngine
from rtcc.engines.gunshot.geometry import speed_of_sound
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState
from tests.conftest import World
from tests.engines.gunshot.synth import ORIGIN, T0_NS, grid_array

SPOT = (640.0, 470.0, 1.5)


def pulse_events(agency: str, fired_s: list[float], start_seq: int = 1) -> list[Event]:
    c = speed_of_sound(15.0)
    out = []
    for r, fired in enumerate(fired_s):
        for i, xyz in enumerate(grid_array()):
            lat, lon, h = ORIGIN.to_geodetic(xyz)
            t_ns = T0_NS + round((fired + math.dist(xyz, SPOT) / c) * 1e9)
            when = datetime.fromtimestamp(t_ns / 1e9, UTC)
            out.append(
                Event(
                    seq=start_seq + len(out),
                    id=f"r{fired}-{r}-{i}",
                    type="gunshot.pulse",
                    source_id="sensors",
                    agency_id=agency,
                    occurred_at=when,
                    received_at=when,
                    location=Location(lat=lat, lon=lon),
                    payload={"sensor_id": f"S{i:02d}", "arrival_ns": t_ns, "elevation_m": h},
                )
            )
    return out


def run_engine(db: Database, batches: list[list[Event]]) -> list[dict[str, Any]]:
    emitted: list[dict[str, Any]] = []

    async def emit(agency_id: str, items: list[dict[str, Any]]) -> None:
        emitted.extend(items)

    async def go() -> None:
        engine = GunshotEngine(InProcessBus(), emit, SqlLiveState(db))
        for batch in batches:
            for agency in engine.take(batch):
                await engine.process(agency)

    asyncio.run(go())
    return emitted


def alerts(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i["payload"] for i in items if i["type"] == "alert.raised"]


def test_a_backlog_spanning_minutes_loses_no_shot(db: Database, world: World) -> None:
    backlog = pulse_events(world.agency_id, [0.0, 600.0, 1200.0])  # three shootings, ten minutes apart
    raised = alerts(run_engine(db, [backlog]))
    assert len({a["alert_id"] for a in raised}) == 3


def test_a_pulse_it_cannot_use_is_skipped(db: Database, world: World) -> None:
    good = pulse_events(world.agency_id, [0.0])
    broken = good[0].model_copy(update={"id": "broken", "location": None})
    raised = alerts(run_engine(db, [[broken, *good]]))
    assert len(raised) == 1


def test_later_rounds_update_the_same_incident(db: Database, world: World) -> None:
    first = pulse_events(world.agency_id, [0.0])
    later = pulse_events(world.agency_id, [0.4, 0.9], start_seq=100)
    items = run_engine(db, [first, later])
    raised = alerts(items)
    assert [a["detail"]["rounds"] for a in raised] == [1, 3]
    assert raised[0]["alert_id"] == raised[1]["alert_id"]
    assert raised[1]["title"].startswith("Multiple gunshots (3 rounds)")
    calls = [i for i in items if i["type"] == "call.received"]
    assert len(calls) == 1 and calls[0]["payload"]["call_type"] == "SHOOT"

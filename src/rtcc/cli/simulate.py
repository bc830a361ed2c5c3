"""`rtcc simulate`: the deterministic city, into the database (the server publishes it) or into a file."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from rtcc.cli.city import DriveStats, drive, ensure_agency, ensure_sources, live_start, register_city
from rtcc.cli.common import console, err_console, load_settings, open_database
from rtcc.ingest.pipeline import IngestService
from rtcc.ingest.registry import AdapterRegistry
from rtcc.sim import CitySimulator
from rtcc.storage.accounts import Accounts
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.live_state import SqlLiveState


def simulate(
    seed: Annotated[int, typer.Option(help="Same seed, same city and the same events.")] = 7,
    duration: Annotated[
        float | None, typer.Option(help="Simulated seconds to run (default: until stopped).")
    ] = None,
    speed: Annotated[float, typer.Option(help="Simulated seconds per real second.")] = 1.0,
    scale: Annotated[float, typer.Option(help="Size of the fleet, sensors and call rate.")] = 1.0,
    out: Annotated[
        Path | None,
        typer.Option(help="Write JSON Lines envelopes to this file, as fast as possible, instead."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="Simulated start time, ISO-8601 with offset (with --out; default 2026-11-21T18:00Z)."
        ),
    ] = None,
) -> None:
    """Run the simulated city of Columbus, Ohio: calls, units, cameras, plate reads, gunshot pulses, drones."""
    if out is not None:
        if duration is None:
            err_console.print("[red]--out needs --duration[/red]")
            raise typer.Exit(2)
        begin = datetime.fromisoformat(start) if start else datetime(2026, 11, 21, 18, tzinfo=UTC)
        sim = CitySimulator(seed=seed, start=begin, scale=scale)
        n = 0
        with (
            out.open("wb") as f,
            Progress(
                TextColumn("simulating"), BarColumn(), TimeElapsedColumn(), console=err_console
            ) as progress,
        ):
            task = progress.add_task("sim", total=duration)
            step = 60.0
            t = 0.0
            while t < duration:
                t = min(duration, t + step)
                for item in sim.events(begin + timedelta(seconds=t)):
                    f.write(orjson.dumps(item.event) + b"\n")
                    n += 1
                progress.update(task, completed=t)
        console.print(f"wrote {n:,} events to {out}")
        return

    settings = load_settings()
    db = open_database(settings)
    accounts = Accounts(db)
    agency_id = ensure_agency(accounts)
    sources = ensure_sources(accounts, agency_id, rotate=False)
    sim = CitySimulator(seed=seed, start=live_start(speed, duration), scale=scale)
    counts = register_city(SqlLiveState(db), sim, agency_id)
    service = IngestService(SqlEventStore(db), AdapterRegistry.discover())
    contexts = {feed: service.context(src) for feed, (src, _) in sources.items()}
    console.print(
        f"simulating seed {seed} at {speed}x: {counts['cameras']} cameras, {counts['sensors']} sensors, "
        f"{counts['drones']} drones registered; Ctrl-C stops"
    )
    stats = DriveStats()

    async def send(feed: str, items: list[dict[str, Any]]) -> None:
        outcome = await asyncio.to_thread(service.submit_sync, contexts[feed], items, "simulator")
        if outcome.rejected:
            err_console.print(
                f"[yellow]{feed}: {len(outcome.rejected)} refused, e.g. {outcome.rejected[0]}[/yellow]"
            )

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(drive(sim, send, speed=speed, duration_s=duration, stats=stats))
    console.print("sent " + ", ".join(f"{feed} {n:,}" for feed, n in sorted(stats.sent.items())))

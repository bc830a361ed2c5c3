"""`rtcc status`, `rtcc deadletter list`, `rtcc source create`, `rtcc replay`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rtcc.cli.common import console, err_console, load_settings, open_database, print_json
from rtcc.ingest.pipeline import IngestService, UnreadableItem
from rtcc.ingest.registry import AdapterRegistry
from rtcc.ingest.replay import paced_batches, read_items
from rtcc.storage.accounts import Accounts
from rtcc.storage.event_store import SqlEventStore

deadletter_app = typer.Typer(help="Items refused at ingest, kept for operators.", no_args_is_help=True)
source_app = typer.Typer(help="Feed sources and their API keys.", no_args_is_help=True)


def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Per feed: how many items arrived, were accepted, rejected, or were duplicates."""
    settings = load_settings()
    db = open_database(settings)
    store, accounts = SqlEventStore(db), Accounts(db)
    names = {s.id: s for s in accounts.list_sources()}
    rows = []
    for c in store.feed_counts():
        src = names.get(c.source_id)
        rows.append(
            {
                "source": src.name if src else c.source_id,
                "adapter": src.adapter if src else "?",
                "arrived": c.arrived,
                "accepted": c.accepted,
                "rejected": c.rejected,
                "duplicates": c.duplicates,
                "last_received_at": c.last_received_at.isoformat() if c.last_received_at else None,
            }
        )
    by_type = store.count_by_type()
    if as_json:
        print_json({"feeds": rows, "events_by_type": by_type, "dead_letters": store.dead_letter_count()})
        return
    table = Table(title="Feeds")
    for col in ("source", "adapter", "arrived", "accepted", "rejected", "duplicates", "last data"):
        numeric = col in ("arrived", "accepted", "rejected", "duplicates")
        table.add_column(col, justify="right" if numeric else "left", no_wrap=True)
    for r in rows:
        table.add_row(
            str(r["source"]),
            str(r["adapter"]),
            f"{r['arrived']:,}",
            f"{r['accepted']:,}",
            f"{r['rejected']:,}",
            f"{r['duplicates']:,}",
            _ago(r["last_received_at"]),
        )
    console.print(table)
    types = Table(title="Stored events by type")
    types.add_column("type")
    types.add_column("events", justify="right")
    for t, n in sorted(by_type.items()):
        types.add_row(t, f"{n:,}")
    console.print(types)


def _ago(iso: object) -> str:
    if not iso:
        return "never"
    seconds = (datetime.now(UTC) - datetime.fromisoformat(str(iso))).total_seconds()
    return f"{seconds:.0f} s ago" if seconds < 120 else f"{seconds / 60:.0f} min ago"


@deadletter_app.command("list")
def deadletter_list(
    source: Annotated[str | None, typer.Option(help="Only this source (name).")] = None,
    limit: Annotated[int, typer.Option(help="Most recent N.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The most recent refused items, with the field and reason of each refusal."""
    settings = load_settings()
    db = open_database(settings)
    store, accounts = SqlEventStore(db), Accounts(db)
    source_id = None
    if source:
        src = accounts.source_by_name(source)
        if src is None:
            err_console.print(f"[red]no source named {source!r}[/red]")
            raise typer.Exit(1)
        source_id = src.id
    names = {s.id: s.name for s in accounts.list_sources()}
    letters = store.dead_letters(source_id=source_id, limit=limit)
    if as_json:
        print_json([{**d.__dict__, "source": names.get(d.source_id or "")} for d in letters])
        return
    if not letters:
        console.print("no dead letters")
        return
    # One block per refusal rather than a table: reasons and raw items are long and must stay readable.
    for d in letters:
        item = "" if d.item_index is None else f"  item {d.item_index}"
        console.print(
            f"[bold]#{d.id}[/bold]  {d.received_at.isoformat(timespec='seconds')}  "
            f"{names.get(d.source_id or '', '(no source)')}  {d.transport}{item}",
            soft_wrap=True,
        )
        for e in d.errors:
            console.print(f"    {e['field']}: {e['reason']}", soft_wrap=True, markup=False)
        console.print(f"    raw: {d.raw[:300]}", soft_wrap=True, markup=False, style="dim")


@source_app.command("create")
def source_create(
    name: Annotated[str, typer.Argument(help="Unique source name (also its MQTT topic suffix).")],
    adapter: Annotated[str, typer.Option(help="Feed adapter: native, avl, alpr, acoustic, ...")] = "native",
    agency: Annotated[str | None, typer.Option(help="Agency id (default: the only agency).")] = None,
) -> None:
    """Create a feed source and print its API key (shown once)."""
    settings = load_settings()
    accounts = Accounts(open_database(settings))
    registry = AdapterRegistry.discover()
    if adapter not in registry:
        err_console.print(f"[red]no adapter {adapter!r}; installed: {', '.join(registry.names())}[/red]")
        raise typer.Exit(1)
    agencies = accounts.list_agencies()
    agency_id = agency or (agencies[0].id if len(agencies) == 1 else None)
    if agency_id is None:
        err_console.print("[red]name the agency with --agency[/red]")
        raise typer.Exit(1)
    source, key = accounts.create_source(agency_id, name, adapter)
    console.print(f"source {source.name} ({source.id}), adapter {adapter}\nAPI key: {key}")


def as_json_lines(items: list[Any]) -> bytes:
    """Items as JSON Lines; an unreadable line goes as it was, so the server refuses and keeps it."""
    return b"\n".join(i.text.encode() if isinstance(i, UnreadableItem) else orjson.dumps(i) for i in items)


def replay(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .csv or .jsonl file.")],
    source: Annotated[str, typer.Option(help="Name of the source the items belong to.")],
    speed: Annotated[
        float, typer.Option(help="Times faster than real time; 0 for as fast as possible.")
    ] = 1.0,
    url: Annotated[
        str | None, typer.Option(help="Send to a server's HTTP ingest instead of the database.")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="RTCC_API_KEY", help="The source's API key (with --url).")
    ] = None,
    batch: Annotated[int, typer.Option(help="Most items per batch.")] = 1000,
) -> None:
    """Replay a recorded feed at a chosen speed, through the same validation as live data."""
    settings = load_settings()
    if url and not api_key:
        err_console.print("[red]--url needs --api-key (or RTCC_API_KEY)[/red]")
        raise typer.Exit(2)
    db = open_database(settings)
    src = Accounts(db).source_by_name(source)
    if src is None and not url:
        err_console.print(f"[red]no source named {source!r}: create it with `rtcc source create`[/red]")
        raise typer.Exit(1)
    native = src is None or src.adapter == "native"
    service = IngestService(SqlEventStore(db), AdapterRegistry.discover())
    total = {"accepted": 0, "duplicates": 0, "rejected": 0}

    endpoint = (url or "").rstrip("/") + "/api/v1/ingest"

    async def run() -> None:
        client = httpx.AsyncClient(timeout=60) if url else None
        with Progress(
            TextColumn("replaying"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as progress:
            task = progress.add_task("items", total=None)
            async for items in paced_batches(read_items(file, native=native), speed=speed, max_batch=batch):
                if client is not None:
                    resp = await client.post(
                        endpoint,
                        content=as_json_lines(items),
                        headers={"X-API-Key": api_key or "", "Content-Type": "application/x-ndjson"},
                    )
                    if resp.status_code != 200:
                        err_console.print(
                            f"[red]server refused the batch: {resp.status_code} {resp.text}[/red]"
                        )
                        raise typer.Exit(1)
                    body = resp.json()
                    accepted, dups, rejected = body["accepted"], body["duplicates"], len(body["rejected"])
                else:
                    assert src is not None
                    outcome = await asyncio.to_thread(
                        service.submit_sync, service.context(src), items, "replay"
                    )
                    accepted, dups, rejected = outcome.accepted, outcome.duplicates, len(outcome.rejected)
                total["accepted"] += accepted
                total["duplicates"] += dups
                total["rejected"] += rejected
                progress.advance(task, len(items))
        if client is not None:
            await client.aclose()

    asyncio.run(run())
    console.print(
        f"accepted {total['accepted']:,}, duplicates {total['duplicates']:,}, rejected {total['rejected']:,}"
        + (" (see `rtcc deadletter list`)" if total["rejected"] else "")
    )

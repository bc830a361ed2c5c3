"""Ingest benchmark: HTTP batch ingest into SQLite and PostgreSQL, measured end to end.

For each backend it starts the real server as its own process (uvicorn with the app factory and one worker,
as `rtcc serve` runs it, pinned to one CPU when the machine has more than one), signs an operator in on the
live WebSocket, and then measures, in this order:

* the storage ceiling in this process, without HTTP: decode + validate the same batches, then
  ``SqlEventStore.append`` them into a database of their own;
* warm-up (not reported);
* baseline: the same kind of events sent one per HTTP request by a naive client;
* HTTP batches: ``--events`` events in batches of ``--batch`` from ``--senders`` concurrent clients.

Events per second count accepted events over the wall time from the first send to the last 200 answer.
Latency is the time the WebSocket subscriber receives an event minus the time its batch was sent; sender
and subscriber share this process and its clock. Target: at least 5,000 events per second on one core over
HTTP batches into SQLite.

    .venv/bin/python bench/ingest.py [--events N] [--batch N] [--senders N] [--backends sqlite,postgres]

Prints a table and one machine-readable line starting with ``RESULT ``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import shutil
import string
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from _common import (
    DEFAULT_PG_URL,
    Backend,
    PostgresBackend,
    Seed,
    Server,
    SqliteBackend,
    exit_on_sigterm,
    percentile,
    ratio,
    running_server,
    seed,
    server_cpu,
)
from rtcc.ingest.pipeline import IngestService, Prepared
from rtcc.ingest.registry import AdapterRegistry
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.tables import events, outbox

TARGET_EVENTS_PER_S = 5000
ALPR_SHARE = 0.3  # the rest are AVL pings (unit.location), the bulk of a city's feed traffic
UNITS = 300
READERS = 80
CENTRE = (39.9612, -82.9988)
DIRECTIONS = ("NB", "SB", "EB", "WB")
PLATE_CHARS = string.ascii_uppercase + string.digits

console = Console(highlight=False, width=None if sys.stdout.isatty() else 150)


# ---- the workload ----------------------------------------------------------------------------------------
def make_batches(tag: str, count: int, batch: int, *, seed_value: int) -> list[list[dict[str, Any]]]:
    """``count`` native envelopes in batches of ``batch``: AVL pings and plate reads around one city.

    Ids are ``<tag>-<batch>-<n>`` so the subscriber can tell which phase an event belongs to. Times are
    recent and increase, as a live feed's do.
    """
    rng = random.Random(seed_value)
    step = timedelta(milliseconds=1)
    t = datetime.now(UTC) - step * count - timedelta(seconds=30)
    out: list[list[dict[str, Any]]] = []
    for b in range((count + batch - 1) // batch):
        items: list[dict[str, Any]] = []
        for n in range(min(batch, count - b * batch)):
            t += step
            location = {
                "lat": round(CENTRE[0] + rng.uniform(-0.15, 0.15), 6),
                "lon": round(CENTRE[1] + rng.uniform(-0.2, 0.2), 6),
                "accuracy_m": round(rng.uniform(3, 25), 1),
            }
            if rng.random() < ALPR_SHARE:
                item = {
                    "type": "alpr.read",
                    "payload": {
                        "reader_id": f"ALPR-{rng.randrange(READERS):03d}",
                        "plate": "".join(rng.choices(PLATE_CHARS, k=7)),
                        "state": "OH",
                        "confidence": round(rng.uniform(60, 99.9), 1),
                        "direction": rng.choice(DIRECTIONS),
                    },
                }
            else:
                item = {
                    "type": "unit.location",
                    "payload": {
                        "unit_id": f"U{rng.randrange(UNITS):03d}",
                        "heading_deg": round(rng.uniform(0, 359.9), 1),
                        "speed_mps": round(rng.uniform(0, 30), 1),
                    },
                }
            items.append({"id": f"{tag}-{b}-{n}", "occurred_at": t.isoformat(), "location": location, **item})
        out.append(items)
    return out


# ---- the storage ceiling, in this process --------------------------------------------------------------------
def measure_direct(url: str, batches: list[list[dict[str, Any]]], sqlite_synchronous: str) -> dict[str, Any]:
    """Decode + validate every batch (no storage), then append the prepared batches straight to the store."""
    db = Database(url, sqlite_synchronous=sqlite_synchronous)
    try:
        db.migrate()
        seeded = seed(db, with_operator=False)
        store = SqlEventStore(db)
        ingest = IngestService(store, AdapterRegistry.discover())
        source = ingest.context(seeded.source)
        bodies = [orjson.dumps(b) for b in batches]
        count = sum(len(b) for b in batches)

        started = time.perf_counter()
        prepared: list[Prepared] = [ingest.prepare(source, orjson.loads(body), "bench") for body in bodies]
        validate_s = time.perf_counter() - started
        refused = sum(len(p.rejected) for p in prepared)
        if refused:
            raise RuntimeError(f"{refused} bench events refused by validation: {prepared[0].rejected[:3]}")

        accepted = 0
        started = time.perf_counter()
        for p in prepared:
            accepted += len(store.append(seeded.source.id, p.new, p.dead).accepted)
        append_s = time.perf_counter() - started
    finally:
        db.dispose()
    return {
        "events": count,
        "batches": len(batches),
        "accepted": accepted,
        "validate_s": validate_s,
        "validate_per_s": count / validate_s,
        "append_s": append_s,
        "append_per_s": accepted / append_s,
        "pipeline_per_s": accepted / (validate_s + append_s),
    }


# ---- over HTTP ---------------------------------------------------------------------------------------------------
class Phase:
    """One measured run: its request bodies, when each was sent and answered, and when each event arrived."""

    def __init__(self, name: str, tag: str, batches: list[list[dict[str, Any]]]):
        self.name = name
        self.tag = tag
        self.bodies = [orjson.dumps(b) for b in batches]
        self.batch_of = {item["id"]: i for i, b in enumerate(batches) for item in b}
        self.expected = len(self.batch_of)
        self.sent_at = [0.0] * len(self.bodies)
        self.acked_at = [0.0] * len(self.bodies)
        self.received: dict[str, float] = {}
        self.repeats = 0
        self.accepted = self.duplicates = self.rejected = 0
        self.errors: list[str] = []
        self.all_received = asyncio.Event()

    def receive(self, event_id: str, at: float) -> None:
        if event_id in self.received:
            self.repeats += 1
            return
        self.received[event_id] = at
        if len(self.received) >= self.expected:
            self.all_received.set()

    def missing_ids(self) -> list[str]:
        return [i for i in self.batch_of if i not in self.received]

    def summary(self, cpu_s: float | None) -> dict[str, Any]:
        first_send = min(self.sent_at)
        wall_s = max(self.acked_at) - first_send
        latencies = [(at - self.sent_at[self.batch_of[i]]) * 1000 for i, at in self.received.items()]
        acks = [(a - s) * 1000 for s, a in zip(self.sent_at, self.acked_at, strict=True)]
        delivered_s = (max(self.received.values()) - first_send) if self.received else None
        return {
            "events": self.expected,
            "requests": len(self.bodies),
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "http_errors": len(self.errors),
            "wall_s": wall_s,
            "events_per_s": self.accepted / wall_s if wall_s > 0 else None,
            "request_ms_p50": percentile(acks, 50),
            "request_ms_p99": percentile(acks, 99),
            "received": len(self.received),
            "missing": self.expected - len(self.received),
            "received_twice": self.repeats,
            "latency_ms_p50": percentile(latencies, 50),
            "latency_ms_p99": percentile(latencies, 99),
            "latency_ms_max": max(latencies) if latencies else None,
            "delivered_s": delivered_s,
            "delivered_per_s": len(self.received) / delivered_s if delivered_s else None,
            "server_cpu_s": cpu_s,
            "server_cpu_share": cpu_s / delivered_s if cpu_s is not None and delivered_s else None,
            "server_cpu_us_per_event": cpu_s / self.expected * 1e6 if cpu_s is not None else None,
        }


class Subscriber:
    """The operator's live WebSocket: notes the moment each event of a known phase arrives."""

    def __init__(self, url: str):
        self.url = url
        self.phases: dict[str, Phase] = {}
        self.other_frames = 0
        self.foreign_events = 0
        self.closed_reason: str | None = None
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._ws = await connect(self.url, max_size=None, max_queue=None, compression=None)
        hello = orjson.loads(await asyncio.wait_for(self._ws.recv(), timeout=10))
        if hello.get("kind") != "hello":
            raise RuntimeError(f"expected a hello frame, got {hello}")
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                now = time.perf_counter()
                msg = orjson.loads(raw)
                if msg.get("kind") != "event":
                    self.other_frames += 1
                    continue
                event_id: str = msg["event"]["id"]
                phase = self.phases.get(event_id.partition("-")[0])
                if phase is None:
                    self.foreign_events += 1
                else:
                    phase.receive(event_id, now)
        except ConnectionClosed as exc:
            self.closed_reason = str(exc)

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            await self._task


async def send_phase(client: httpx.AsyncClient, phase: Phase, api_key: str, senders: int) -> None:
    headers = {"x-api-key": api_key, "content-type": "application/json"}
    todo = iter(range(len(phase.bodies)))

    async def sender() -> None:
        for i in todo:  # shared by all senders: each takes the next request body
            phase.sent_at[i] = time.perf_counter()
            resp = await client.post("/api/v1/ingest", content=phase.bodies[i], headers=headers)
            phase.acked_at[i] = time.perf_counter()
            if resp.status_code != 200:
                phase.errors.append(f"{resp.status_code}: {resp.text[:200]}")
                continue
            outcome = orjson.loads(resp.content)
            phase.accepted += outcome["accepted"]
            phase.duplicates += outcome["duplicates"]
            phase.rejected += len(outcome["rejected"])

    await asyncio.gather(*(sender() for _ in range(senders)))


async def wait_delivered(phase: Phase, idle_timeout_s: float) -> None:
    """Until every event of the phase arrived, or nothing arrived for ``idle_timeout_s``."""
    seen, last_progress = -1, time.monotonic()
    while not phase.all_received.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(phase.all_received.wait(), timeout=0.5)
        if len(phase.received) != seen:
            seen, last_progress = len(phase.received), time.monotonic()
        elif time.monotonic() - last_progress > idle_timeout_s:
            return


async def settle(server: Server, *, quiet_share: float = 0.05, max_wait_s: float = 15.0) -> None:
    """Wait until the server is idle (background projection of the previous phase done)."""
    deadline = time.monotonic() + max_wait_s
    before = server.cpu_seconds()
    while before is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        now = server.cpu_seconds()
        if now is None or now - before < 0.25 * quiet_share:
            return
        before = now


async def run_phase(
    server: Server,
    client: httpx.AsyncClient,
    sub: Subscriber,
    phase: Phase,
    seeded: Seed,
    *,
    senders: int,
    idle_timeout_s: float,
) -> dict[str, Any]:
    sub.phases[phase.tag] = phase
    await settle(server)
    cpu_before = server.cpu_seconds()
    await send_phase(client, phase, seeded.api_key, senders)
    await wait_delivered(phase, idle_timeout_s)
    cpu_after = server.cpu_seconds()
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    result = phase.summary(cpu)
    if phase.errors:
        result["first_errors"] = phase.errors[:3]
    return result


async def measure_http(
    server: Server, seeded: Seed, args: argparse.Namespace, batched: list[list[dict[str, Any]]]
) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=args.senders, max_keepalive_connections=args.senders)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120, limits=limits) as client:
        resp = await client.post(
            "/api/v1/auth/login", json={"username": seeded.username, "password": seeded.password}
        )
        resp.raise_for_status()
        token = resp.json()["token"]
        ws_url = server.base_url.replace("http://", "ws://") + f"/ws?token={token}"
        sub = Subscriber(ws_url)
        await sub.start()
        try:
            common = {"senders": args.senders, "idle_timeout_s": args.drain_timeout}
            warm = Phase("warm-up", "w", make_batches("w", 4 * args.batch, args.batch, seed_value=1))
            await run_phase(server, client, sub, warm, seeded, **common)
            warm_single = Phase(
                "warm-up", "v", [[i] for b in make_batches("v", 50, 50, seed_value=2) for i in b]
            )
            await run_phase(server, client, sub, warm_single, seeded, **common)

            console.print(f"  HTTP, one event per request: {args.single:,} events, {args.senders} senders")
            single_items = make_batches("s", args.single, args.single, seed_value=3)
            single = Phase("single", "s", [[item] for b in single_items for item in b])
            single_result = await run_phase(server, client, sub, single, seeded, **common)

            console.print(
                f"  HTTP batches: {args.events:,} events in batches of {args.batch}, {args.senders} senders"
            )
            batch = Phase("batch", "b", batched)
            batch_result = await run_phase(server, client, sub, batch, seeded, **common)
        finally:
            await sub.stop()
    return {
        "single": single_result,
        "batch": batch_result,
        "missing_ids": {"single": single.missing_ids(), "batch": batch.missing_ids()},
        "ws_other_frames": sub.other_frames,
        "ws_foreign_events": sub.foreign_events,
        "ws_closed": sub.closed_reason,
    }


# ---- one backend ---------------------------------------------------------------------------------------------
def run_backend(backend: Backend, args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    console.print(f"[bold]{backend.name}[/bold]: {backend.describe()}")
    batches = make_batches("b", args.events, args.batch, seed_value=args.seed)
    largest = max(len(orjson.dumps(b)) for b in batches)

    console.print(f"  in process, no HTTP: validate, then store.append {args.events:,} events")
    direct = measure_direct(backend.new_database("direct"), batches, args.sqlite_synchronous)

    url = backend.new_database("server")
    db = Database(url, sqlite_synchronous=args.sqlite_synchronous)
    try:
        db.migrate()
        seeded = seed(db)
    finally:
        db.dispose()
    extra_env = {
        "RTCC_SQLITE_SYNCHRONOUS": args.sqlite_synchronous,
        "RTCC_MAX_BATCH_ITEMS": str(max(5000, args.batch)),
        "RTCC_MAX_BODY_BYTES": str(max(8 * 1024 * 1024, largest + 1024)),
    }
    cpu = None if args.no_pin else server_cpu()
    with running_server(url, cpu=cpu, log_dir=log_dir, extra_env=extra_env) as server:
        console.print(
            f"  server pid {server.proc.pid} on port {server.port}"
            + (f", pinned to CPU {cpu}" if cpu is not None else ", not pinned")
        )
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            http = runner.run(measure_http(server, seeded, args, batches))
        if server.proc.poll() is not None:
            raise RuntimeError(f"server died during the run:\n{server.log_tail()}")
    for key, ids in http.pop("missing_ids").items():
        if ids:
            http[key]["missing_detail"] = explain_missing(url, seeded.source.id, ids)
    batch, single = http["batch"], http["single"]
    return {
        "database": backend.describe(),
        "server_cpu": cpu,
        "direct": direct,
        **http,
        "ratios": {
            "batch_over_single": ratio(batch["events_per_s"], single["events_per_s"]),
            "http_batch_over_direct_append": ratio(batch["events_per_s"], direct["append_per_s"]),
            "http_batch_over_in_process_pipeline": ratio(batch["events_per_s"], direct["pipeline_per_s"]),
        },
    }


def explain_missing(url: str, source_id: str, ids: list[str]) -> dict[str, int]:
    """Whether events the subscriber never got were stored, and whether the outbox still holds them (not
    yet published) or not (published on the bus, then not delivered to the WebSocket)."""
    sample = ids[:1000]
    db = Database(url)
    try:
        with db.read() as conn:
            seqs = list(
                conn.execute(
                    select(events.c.seq).where(events.c.source_id == source_id, events.c.id.in_(sample))
                ).scalars()
            )
            pending = 0
            if seqs:
                q = select(func.count()).select_from(outbox).where(outbox.c.seq.in_(seqs))
                pending = int(conn.execute(q).scalar_one())
    finally:
        db.dispose()
    return {"looked_up": len(sample), "stored": len(seqs), "still_in_outbox": pending}


def _loop_factory() -> Any:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def open_backend(name: str, args: argparse.Namespace) -> Backend | str:
    """The backend, or why it is skipped."""
    if name == "sqlite":
        return SqliteBackend(args.tmpdir)
    try:
        return PostgresBackend(args.pg_url)
    except Exception as exc:
        return f"PostgreSQL unreachable at {args.pg_url}: {one_line(exc)}"


def one_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or repr(exc)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- reporting -------------------------------------------------------------------------------------------------
def _n(value: float | None, fmt: str = ",.0f") -> str:
    return "-" if value is None else format(value, fmt)


def print_report(results: dict[str, Any], args: argparse.Namespace) -> None:
    table = Table(
        title=f"Ingest: {args.events:,} events, batches of {args.batch}, {args.senders} senders. "
        "events/s: accepted / (last answer - first send); latency: WebSocket receipt - batch send",
    )
    columns = (
        "backend",
        "measurement",
        "events",
        "events/s",
        "latency p50 ms",
        "latency p99 ms",
        "received on WS",
        "WS events/s",
        "server CPU µs/event",
    )
    for col in columns:
        left = col in ("backend", "measurement")
        table.add_column(col, justify="left" if left else "right", no_wrap=left)
    blank = ["-"] * (len(columns) - 2)
    ratios = Table(title="Ratios (same run)")
    for col in (
        "backend",
        "HTTP batch / HTTP single",
        "HTTP batch / in-process store.append",
        "HTTP batch / in-process validate+append",
    ):
        ratios.add_column(col, justify="left" if col == "backend" else "right")
    for name, r in results.items():
        if "skipped" in r or "error" in r:
            why = "skipped (see above)" if "skipped" in r else "failed (see above)"
            table.add_row(name, why, *blank)
            continue
        d = r["direct"]
        in_process = (
            ("in process: decode + validate", d["validate_per_s"]),
            ("in process: store.append", d["append_per_s"]),
            ("in process: validate + append", d["pipeline_per_s"]),
        )
        for label, eps in in_process:
            table.add_row(name, label, _n(d["events"]), _n(eps), *blank[2:])
        for key, label in (("single", "HTTP, 1 event/request"), ("batch", f"HTTP, {args.batch}/request")):
            p = r[key]
            table.add_row(
                name,
                label,
                _n(p["events"]),
                f"[bold]{_n(p['events_per_s'])}[/bold]" if key == "batch" else _n(p["events_per_s"]),
                _n(p["latency_ms_p50"], ",.1f"),
                _n(p["latency_ms_p99"], ",.1f"),
                f"{p['received']:,}/{p['events']:,}",
                _n(p["delivered_per_s"]),
                _n(p["server_cpu_us_per_event"]),
            )
        table.add_section()
        q = r["ratios"]
        ratios.add_row(
            name,
            _n(q["batch_over_single"], ".1f") + "x",
            _n(q["http_batch_over_direct_append"], ".2f"),
            _n(q["http_batch_over_in_process_pipeline"], ".2f"),
        )
    console.print(table)
    console.print(ratios)
    eps = results.get("sqlite", {}).get("batch", {}).get("events_per_s")
    if eps is not None:
        verdict = "[green]met[/green]" if eps >= args.target else "[red]NOT met[/red]"
        console.print(
            f"target: at least {args.target:,} events/s over HTTP batches into SQLite, server on one core: "
            f"{eps:,.0f} events/s, {verdict}"
        )


def problems(results: dict[str, Any]) -> list[str]:
    out = []
    for name, r in results.items():
        if "error" in r:
            out.append(f"{name}: {r['error']}")
            continue
        for key in ("single", "batch"):
            p = r.get(key)
            if p is None:
                continue
            if p["http_errors"] or p["rejected"] or p["accepted"] != p["events"]:
                out.append(
                    f"{name} {key}: {p['accepted']}/{p['events']} accepted, {p['rejected']} refused, "
                    f"{p['http_errors']} failed requests"
                )
            if p["missing"]:
                detail = p.get("missing_detail", {})
                out.append(
                    f"{name} {key}: {p['missing']} events never reached the WebSocket subscriber"
                    + (
                        f" (of {detail['looked_up']} looked up: {detail['stored']} stored, "
                        f"{detail['still_in_outbox']} still in the outbox)"
                        if detail
                        else ""
                    )
                )
    return out


# ---- entry point -------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--events", type=int, default=100_000, help="events sent in HTTP batches (default 100000)")
    p.add_argument("--batch", type=int, default=500, help="events per HTTP request (default 500)")
    p.add_argument("--senders", type=int, default=4, help="concurrent HTTP clients (default 4)")
    p.add_argument(
        "--single", type=int, default=2000, help="events sent one per request for the baseline (default 2000)"
    )
    p.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    p.add_argument(
        "--pg-url",
        default=os.environ.get("RTCC_BENCH_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL server where scratch databases are created and dropped (env RTCC_BENCH_PG_URL)",
    )
    p.add_argument(
        "--sqlite-synchronous",
        default="FULL",
        choices=("FULL", "NORMAL", "EXTRA"),
        help="SQLite synchronous pragma, as RTCC_SQLITE_SYNCHRONOUS (default FULL, the server's default)",
    )
    p.add_argument("--tmpdir", default=None, help="where SQLite files go (default: the system temp dir)")
    p.add_argument("--no-pin", action="store_true", help="do not pin the server to one CPU")
    p.add_argument(
        "--drain-timeout",
        type=float,
        default=5.0,
        help="stop waiting for WebSocket delivery after this many seconds without an event (default 5)",
    )
    p.add_argument("--seed", type=int, default=7, help="random seed of the workload")
    p.add_argument("--target", type=int, default=TARGET_EVENTS_PER_S, help="events/s target for SQLite")
    p.add_argument("--check", action="store_true", help="exit 1 when the SQLite target is not met")
    args = p.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgres"}
    if unknown:
        p.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    for name in ("events", "batch", "senders", "single"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    started = time.monotonic()
    results: dict[str, Any] = {}
    log_dir = Path(tempfile.mkdtemp(prefix="rtcc-bench-logs-", dir=args.tmpdir))
    trouble: list[str] = []
    try:
        for name in args.backends:
            backend = open_backend(name, args)
            if isinstance(backend, str):
                console.print(f"[yellow]{name}: skipped, {backend}[/yellow]")
                results[name] = {"skipped": backend}
                continue
            try:
                results[name] = run_backend(backend, args, log_dir)
            except Exception as exc:
                console.print(f"[red]{name}: failed: {exc}[/red]")
                results[name] = {"error": one_line(exc)}
            finally:
                backend.close()
        print_report(results, args)
        trouble = problems(results)
        for line in trouble:
            console.print(f"[red]problem:[/red] {line}")
        if trouble:
            console.print(f"server logs kept in {log_dir}")
    finally:
        if not trouble:
            shutil.rmtree(log_dir, ignore_errors=True)
    sqlite_eps = results.get("sqlite", {}).get("batch", {}).get("events_per_s")
    summary = {
        "bench": "ingest",
        "config": {
            "events": args.events,
            "batch": args.batch,
            "senders": args.senders,
            "single": args.single,
            "sqlite_synchronous": args.sqlite_synchronous,
            "pinned": not args.no_pin,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "target_events_per_s": args.target,
        "target_met": None if sqlite_eps is None else sqlite_eps >= args.target,
        "backends": results,
        "problems": trouble,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    sys.stdout.write("RESULT " + orjson.dumps(summary).decode() + "\n")
    sys.stdout.flush()
    if trouble:
        return 1
    if args.check and summary["target_met"] is False:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

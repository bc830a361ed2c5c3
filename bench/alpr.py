"""License-plate benchmark: ingest plus hotlist matching into SQLite, and partial-plate search over 10M reads.

Part 1, ingest and matching (the system's own path, one process). A scratch SQLite database is migrated, an
agency and an ``alpr`` source are created, ``--hotlist`` entries are loaded through ``Hotlists.upsert``, and a
``HotlistEngine`` (``InProcessBus``, ``Hotlists``, ``Sharing``) loads them with one ``refresh``. Then
``--reads`` plate reads (alpr adapter rows without a state, the matcher's worst case) are submitted in
batches of ``--batch`` through ``IngestService.submit``, ``--concurrency`` batches in flight (1: back to back;
more: as when several readers post at once, the next batch handed in as soon as one is answered; batches
waiting for the write are committed together); the ``OutboxRelay`` publishes what is
committed on the bus, woken on each commit as in the app, and a loop shaped like ``HotlistEngine.run``
(``get_many(2000)``, ``handle``, a ``refresh`` every 2 s) matches them. 1% of reads are listed plates read
right, 1% listed plates misread (one OCR confusion, wrong, missing or extra character). Reads per second
count all reads over the wall time from the first submission until the engine has handled the last read.
Read-to-alert latency is the emit time of an alert minus the start of its read's batch submission. The
engine matches with ``--tolerance``, by default the product's (``guarded``). "One core" is checked by the
reported process CPU over wall time, or enforced with ``taskset -c 0``; the machine's load average is printed
with the results, as the figures depend on it.

The baseline projects the same path with matching done by a linear ``rapidfuzz`` scan of every hotlist
plate (Levenshtein distance at most 1), timed on ``--baseline`` reads: ingest cost per read (measured
here) plus scan cost per read. The match-only table times ``HotlistIndex.match`` for each tolerance.

Part 2, partial-plate search. A SQLite database with ``--search-reads`` rows in ``plate_reads`` (30 days,
``--readers`` readers, a skewed vehicle population) is built once and cached under ``var/bench/``; the rows
are written with raw SQL in one transaction with ``PRAGMA foreign_keys=OFF`` and without ``events`` rows (the
search never joins them), the plate-read indexes dropped during the load and created afterwards. Then
``PlateReads.search`` is timed per pattern kind and time window, the query plans are shown, and kinds over
500 ms are tried again with query/schema changes measured on the same data (GLOB instead of case-folding
LIKE, a reversed-plate side table for suffix patterns).

    .venv/bin/python bench/alpr.py [--reads 100000] [--hotlist 1000000] [--search-reads 10000000]

Targets: at least 10,000 reads/s on one core with p99 read-to-alert at most 100 ms; partial-plate search
over 10M reads at most 500 ms. Prints tables and one ``RESULT`` line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sqlite3
import string
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from rich.console import Console
from rich.table import Table

from _common import percentile, ratio
from rtcc.bus.memory import InProcessBus
from rtcc.config import Settings
from rtcc.domain.alpr import HotlistRecord
from rtcc.domain.events import Event
from rtcc.engines.alpr.engine import HotlistEngine
from rtcc.engines.alpr.matcher import CONFUSION_CLASSES, Tolerance, canonical_plate
from rtcc.ingest.pipeline import IngestService
from rtcc.ingest.registry import AdapterRegistry
from rtcc.ingest.relay import OutboxRelay
from rtcc.storage import plate_reads as plate_reads_module
from rtcc.storage.accounts import Accounts
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.hotlists import Hotlists
from rtcc.storage.plate_reads import PlateReads
from rtcc.storage.sharing import Sharing

# What the server matches with unless configured otherwise.
PRODUCT_TOLERANCE = Tolerance(Settings.model_fields["alpr_match_tolerance"].default)
TARGET_READS_PER_S = 10_000
TARGET_P99_MS = 100.0
TARGET_SEARCH_MS = 500.0
SEARCH_DB_VERSION = 4  # bump when the generated search data changes
ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "var" / "bench"
CENTRE = (39.9612, -82.9988)
HOME = "OH"
LETTERS, DIGITS = string.ascii_uppercase, string.digits
ALPHABET = LETTERS + DIGITS
FORMATS = ("LLLDDDD", "DLLLDDD", "LLLDDD", "DDDLLL")
STATES = (
    ("CA", 0.12), ("TX", 0.09), ("FL", 0.07), ("NY", 0.05), ("PA", 0.04), ("OH", 0.04), ("IL", 0.04),
    ("GA", 0.035), ("NC", 0.035), ("MI", 0.03), ("IN", 0.03), ("KY", 0.03), ("WV", 0.02), ("MD", 0.02),
    ("VA", 0.02), ("NJ", 0.02), ("WA", 0.02), ("AZ", 0.02), ("TN", 0.02), ("MO", 0.02), ("OTHER", 0.28),
)  # fmt: skip
MISREADS = (("ocr", 0.60), ("wrong", 0.20), ("missing", 0.12), ("extra", 0.08))
CLASS_OF = {c: cls for cls in CONFUSION_CLASSES for c in cls}

console = Console(highlight=False, width=None if sys.stdout.isatty() else 150)


# ---- plates -----------------------------------------------------------------------------------------------
class PlateMaker:
    """Plates as states issue them: a main serial format (75%), a second one (15%), vanity plates (10%)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.states = [s for s, _ in STATES]
        self.weights = [w for _, w in STATES]
        self.formats = {s: (FORMATS[i % 4], FORMATS[(i + 1) % 4]) for i, s in enumerate(self.states)}
        self.formats[HOME] = ("LLLDDDD", "LLLDDD")

    def state(self) -> str:
        return self.rng.choices(self.states, self.weights)[0]

    def plate(self, state: str) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.10:
            return "".join(rng.choices(LETTERS, k=rng.choice((4, 5, 5, 6, 6, 6, 7, 7, 7))))
        main, second = self.formats[state]
        fmt = second if r < 0.25 else main
        return "".join(rng.choice(LETTERS) if p == "L" else rng.choice(DIGITS) for p in fmt)


def misread(rng: random.Random, plate: str) -> str:
    """The plate with one simulated reading error."""
    kind = rng.choices([k for k, _ in MISREADS], [w for _, w in MISREADS])[0]
    if kind == "ocr":
        spots = [i for i, c in enumerate(plate) if c in CLASS_OF]
        if spots:
            i = rng.choice(spots)
            other = rng.choice([c for c in CLASS_OF[plate[i]] if c != plate[i]])
            return plate[:i] + other + plate[i + 1 :]
        kind = "wrong"
    if kind == "wrong":
        i = rng.randrange(len(plate))
        canon = canonical_plate(plate[i])
        return plate[:i] + rng.choice([c for c in ALPHABET if canonical_plate(c) != canon]) + plate[i + 1 :]
    if kind == "missing" and len(plate) > 2:
        i = rng.randrange(len(plate))
        return plate[:i] + plate[i + 1 :]
    i = rng.randrange(len(plate) + 1)
    return plate[:i] + rng.choice(ALPHABET) + plate[i:]


def make_hotlist(rng: random.Random, maker: PlateMaker, n: int) -> list[HotlistRecord]:
    now = datetime.now(UTC)
    seen: set[str] = set()
    out: list[HotlistRecord] = []
    reasons = ("stolen vehicle", "stolen plate", "wanted person", "missing person", "amber alert")
    while len(out) < n:
        state = maker.state()
        plate = maker.plate(state)
        if plate in seen:
            continue
        seen.add(plate)
        k = len(out)
        out.append(
            HotlistRecord(
                entry_id=f"NCIC-{k:08d}",
                plate=plate,
                state=state if state != "OTHER" else "WY",
                reason=reasons[k % len(reasons)],
                source="ncic",
                entered=now - timedelta(days=1 + rng.random() * 900),
                expires=now + timedelta(days=1 + rng.random() * 365) if k % 3 else None,
            )
        )
    return out


def make_reads(
    rng: random.Random, maker: PlateMaker, hotlist: list[HotlistRecord], n: int
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Alpr adapter rows, and what each is: ``listed``, ``misread`` or ``other`` (by read id)."""
    on_list = {h.plate for h in hotlist}
    home = [h for h in hotlist if h.state == HOME] or hotlist
    t = datetime.now(UTC) - timedelta(minutes=1) - timedelta(milliseconds=n)
    rows: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    for i in range(n):
        t += timedelta(milliseconds=1)
        r = rng.random()
        if r < 0.02:
            h = rng.choice(home if rng.random() < 0.9 else hotlist)
            plate, kind = (h.plate, "listed") if r < 0.01 else (misread(rng, h.plate), "misread")
        else:
            plate = maker.plate(HOME if rng.random() < 0.9 else maker.state())
            while plate in on_list:
                plate = maker.plate(HOME)
            kind = "other"
            if rng.random() < 0.05:
                plate = misread(rng, plate)
        rid = f"r{i}"
        truth[rid] = kind
        rows.append(
            {
                "id": rid,
                "plate": plate,
                "time": t.isoformat(),
                "latitude": round(CENTRE[0] + rng.uniform(-0.15, 0.15), 6),
                "longitude": round(CENTRE[1] + rng.uniform(-0.2, 0.2), 6),
                "reader_id": f"ALPR-{rng.randrange(200):03d}",
            }
        )
    return rows, truth


# ---- part 1: ingest and matching --------------------------------------------------------------------------
class Recorder:
    """The engine's emit: notes when each alert arrives, and which read it was for."""

    def __init__(self) -> None:
        self.alerts: list[tuple[str, float]] = []

    async def emit(self, agency_id: str, items: list[dict[str, Any]]) -> None:
        now = time.perf_counter()
        for a in items:
            self.alerts.append((a["payload"]["detail"]["read_event_id"], now))


async def drive(
    engine: HotlistEngine,
    relay: OutboxRelay,
    ingest: IngestService,
    source_ctx: Any,
    batches: list[list[dict[str, Any]]],
    concurrency: int = 1,
) -> dict[str, Any]:
    total = sum(len(b) for b in batches)
    handled = 0
    done = asyncio.Event()
    handle_s = 0.0

    async def engine_loop() -> None:  # HotlistEngine.run without its first load, which was done already
        nonlocal handled, handle_s
        last = time.monotonic()
        while True:
            try:
                events: list[Event] = await asyncio.wait_for(
                    engine.sub.get_many(2000), timeout=engine.refresh_s
                )
            except TimeoutError:
                events = []
            if time.monotonic() - last >= engine.refresh_s:
                await asyncio.to_thread(engine.refresh)
                last = time.monotonic()
            if events:
                t0 = time.perf_counter()
                await engine.handle(events)
                handle_s += time.perf_counter() - t0
                handled += len(events)
                if handled >= total:
                    done.set()

    sent_at: dict[str, float] = {}
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(engine_loop())]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    accepted = 0
    submit_s = 0.0

    async def submit(batch: list[dict[str, Any]]) -> None:
        nonlocal accepted, submit_s
        start = time.perf_counter()
        for item in batch:
            sent_at[item["id"]] = start
        outcome = await ingest.submit(source_ctx, batch, "bench")
        submit_s += time.perf_counter() - start
        accepted += outcome.accepted
        if outcome.rejected:
            raise RuntimeError(f"reads refused: {outcome.rejected[:2]}")

    try:
        # ``concurrency`` batches in flight, as when that many readers post at once: the next batch is
        # handed in as soon as one of them is answered.
        in_flight: set[asyncio.Task[None]] = set()
        for batch in batches:
            if len(in_flight) >= concurrency:
                finished, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    task.result()
            in_flight.add(asyncio.create_task(submit(batch)))
        await asyncio.gather(*in_flight)
        ingested_wall = time.perf_counter() - wall0
        await asyncio.wait_for(done.wait(), timeout=300)
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
    finally:
        relay.stop()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "accepted": accepted,
        "handled": handled,
        "wall_s": wall,
        "ingested_wall_s": ingested_wall,
        "submit_s": submit_s,
        "handle_s": handle_s,
        "cpu_s": cpu,
        "sent_at": sent_at,
    }


def _timed_method(fn: Callable[..., Any], into: dict[str, float], name: str) -> Callable[..., Any]:
    """``fn`` adding its run time to ``into[name]`` (called from worker threads too; one writer at a time)."""

    def wrapper(*a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            into[name] = into.get(name, 0.0) + time.perf_counter() - t

    return wrapper


def baseline_scan(plates: list[str], sample: list[str]) -> tuple[float, int]:
    """Seconds per read of a linear rapidfuzz scan over every plate (OCR-canonical, distance at most 1)."""
    canon = [canonical_plate(p) for p in plates]
    hits = 0
    started = time.perf_counter()
    for plate in sample:
        found = process.extract(
            canonical_plate(plate), canon, scorer=Levenshtein.distance, score_cutoff=1, limit=None
        )
        hits += bool(found)
    return (time.perf_counter() - started) / len(sample), hits


def run_ingest(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    maker = PlateMaker(rng)
    t0 = time.perf_counter()
    hotlist = make_hotlist(rng, maker, args.hotlist)
    rows, truth = make_reads(rng, maker, hotlist, args.reads)
    console.print(
        f"  generated {len(hotlist):,} hotlist entries and {len(rows):,} reads in "
        f"{time.perf_counter() - t0:.1f} s"
    )

    db = Database(f"sqlite:///{workdir / 'ingest.db'}", sqlite_synchronous=args.sqlite_synchronous)
    try:
        db.migrate()
        accounts = Accounts(db)
        agency = accounts.create_agency("Bench PD", agency_id="bench")
        source, _key = accounts.create_source(agency.id, "alpr-bench", "alpr")
        hotlists = Hotlists(db)
        t0 = time.perf_counter()
        hotlists.upsert(agency.id, hotlist, added_by="bench", list_name="ncic", at=datetime.now(UTC))
        load_s = time.perf_counter() - t0
        console.print(f"  Hotlists.upsert of {len(hotlist):,} entries: {load_s:.1f} s")

        store = SqlEventStore(db)
        bus = InProcessBus()
        relay = OutboxRelay(store, bus, poll_interval_s=0.25)
        ingest = IngestService(store, AdapterRegistry.discover(), on_commit=relay.offer)
        recorder = Recorder()
        stages: dict[str, float] = {}
        for obj, name in (
            (store, "append"),
            (store, "pending_seqs"),
            (store, "by_seq"),
            (store, "clear_upto"),
            (ingest, "prepare"),
        ):
            setattr(obj, name, _timed_method(getattr(obj, name), stages, name))
        engine = HotlistEngine(bus, recorder.emit, hotlists, Sharing(db), tolerance=args.tolerance)

        async def go() -> tuple[float, dict[str, Any]]:
            t = time.perf_counter()
            await asyncio.to_thread(engine.refresh)
            refresh_s = time.perf_counter() - t
            batches = [rows[i : i + args.batch] for i in range(0, len(rows), args.batch)]
            return refresh_s, await drive(
                engine, relay, ingest, ingest.context(source), batches, args.concurrency
            )

        refresh_s, run = asyncio.run(go())
        console.print(f"  engine.refresh (first load, {len(engine.index):,} entries): {refresh_s:.1f} s")

        latencies = [(at - run["sent_at"][rid]) * 1000 for rid, at in recorder.alerts]
        alerted = {rid for rid, _ in recorder.alerts}
        kinds = {"listed": 0, "misread": 0, "other": 0}
        found = dict.fromkeys(kinds, 0)
        for rid, kind in truth.items():
            kinds[kind] += 1
            found[kind] += rid in alerted

        # match only: the same reads against the engine's index, per tolerance
        at = datetime.now(UTC)
        match_only: dict[str, Any] = {}
        for tol in (Tolerance.ONE_EDIT, Tolerance.GUARDED):
            t = time.perf_counter()
            hits = sum(bool(engine.index.match(r["plate"], at=at, tolerance=tol)) for r in rows)
            el = time.perf_counter() - t
            match_only[str(tol)] = {
                "reads_per_s": len(rows) / el,
                "us_per_read": el / len(rows) * 1e6,
                "reads_with_hits": hits,
            }

        # baseline: the linear scan on a sample, projected onto the same path
        sample = [r["plate"] for r in rows[: args.baseline]]
        scan_s, scan_hits = baseline_scan([h.plate for h in hotlist], sample)
        path_s_per_read = max(run["wall_s"] - run["handle_s"], 1e-9) / len(rows)
        baseline_rps = 1 / (path_s_per_read + scan_s)
    finally:
        db.dispose()
    rps = len(rows) / run["wall_s"]
    return {
        "reads": len(rows),
        "hotlist": len(hotlist),
        "batch": args.batch,
        "concurrency": args.concurrency,
        "tolerance": str(args.tolerance),
        "hotlist_upsert_s": load_s,
        "engine_refresh_s": refresh_s,
        "accepted": run["accepted"],
        "handled": run["handled"],
        "wall_s": run["wall_s"],
        "reads_per_s": rps,
        "ingest_only_reads_per_s": len(rows) / run["ingested_wall_s"],
        "submit_s": run["submit_s"],
        "engine_handle_s": run["handle_s"],
        "stage_s": {
            "ingest.prepare": stages.get("prepare", 0.0),
            "store.append": stages.get("append", 0.0),
            "relay pending": stages.get("pending_seqs", 0.0) + stages.get("by_seq", 0.0),
            "relay clear_upto": stages.get("clear_upto", 0.0),
            "engine.handle": run["handle_s"],
        },
        "cpu_s": run["cpu_s"],
        "cores_used": run["cpu_s"] / run["wall_s"],
        "alerts": len(recorder.alerts),
        "reads_alerted": len(alerted),
        "recall_listed": found["listed"] / max(kinds["listed"], 1),
        "recall_misread": found["misread"] / max(kinds["misread"], 1),
        "false_alert_reads_per_10k": found["other"] / max(kinds["other"], 1) * 10_000,
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p99": percentile(latencies, 99),
        "latency_ms_max": max(latencies) if latencies else None,
        "match_only": match_only,
        "baseline_sample": len(sample),
        "baseline_scan_ms_per_read": scan_s * 1000,
        "baseline_scan_reads_with_hits": scan_hits,
        "baseline_reads_per_s": baseline_rps,
        "speedup_over_baseline": ratio(rps, baseline_rps),
    }


# ---- part 2: partial-plate search ---------------------------------------------------------------------------
SEARCH_END = datetime(2025, 3, 1, tzinfo=UTC)
SEARCH_DAYS = 30
PLATE_INDEXES = (
    ("ix_plate_reads_plate", "plate, occurred_at"),
    ("ix_plate_reads_plate_rev", "plate_rev, occurred_at"),
    ("ix_plate_reads_time", "occurred_at"),
    ("ix_plate_reads_reader", "reader_id, occurred_at"),
)


def _ts(seconds: float) -> str:
    """SQLite storage of UTCDateTime: naive UTC, microseconds."""
    return (SEARCH_END.replace(tzinfo=None) + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")


def vehicle_pool(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct-ish plates: 75% ``ABC1234``, 15% ``ABC123``, 10% ``1ABC234``."""
    letters = np.frombuffer(LETTERS.encode(), dtype="S1")
    digits = np.frombuffer(DIGITS.encode(), dtype="S1")
    out: list[str] = []
    for fmt, share in (("LLLDDDD", 0.75), ("LLLDDD", 0.15), ("DLLLDDD", 0.10)):
        k = int(n * share)
        cols = [(letters if p == "L" else digits)[rng.integers(0, 10 if p == "D" else 26, k)] for p in fmt]
        joined = cols[0]
        for c in cols[1:]:
            joined = np.char.add(joined, c)
        out.extend(joined.astype(str).tolist())
    rng.shuffle(out)
    return out


def build_search_db(path: Path, n: int, readers: int, seed: int) -> tuple[float, list[str]]:
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    db = Database(f"sqlite:///{tmp}")
    db.migrate()
    Accounts(db).create_agency("Bench PD", agency_id="bench")
    db.dispose()
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    pool = vehicle_pool(rng, max(n // 5, 1000))
    con = sqlite3.connect(tmp, isolation_level=None)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    for name, _ in PLATE_INDEXES:
        con.execute(f"DROP INDEX IF EXISTS {name}")
    con.execute("BEGIN")
    chunk = 200_000
    span = SEARCH_DAYS * 86400.0
    for lo in range(0, n, chunk):
        k = min(chunk, n - lo)
        secs = np.sort(rng.random(k)) * (span / n * k) + (lo / n * span) - span
        vehicles = (rng.random(k) ** 2 * len(pool)).astype(np.int64)  # skewed: some cars pass often
        reader = rng.integers(0, readers, k)
        lat = CENTRE[0] + rng.uniform(-0.15, 0.15, k)
        lon = CENTRE[1] + rng.uniform(-0.2, 0.2, k)
        states = np.where(rng.random(k) < 0.9, HOME, "IN")
        con.executemany(
            "INSERT INTO plate_reads (seq, agency_id, event_id, plate, plate_rev, state, reader_id, occurred_at,"
            " lat, lon) VALUES (?, 'bench', ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    lo + i + 1,
                    f"alpr-{lo + i + 1}",
                    pool[v],
                    pool[v][::-1],
                    st,
                    f"ALPR-{r:03d}",
                    _ts(s),
                    la,
                    lo_,
                )
                for i, (v, st, r, s, la, lo_) in enumerate(
                    zip(
                        vehicles.tolist(),
                        states.tolist(),
                        reader.tolist(),
                        secs.tolist(),
                        lat.round(6).tolist(),
                        lon.round(6).tolist(),
                        strict=True,
                    )
                )
            ),
        )
    con.execute("COMMIT")
    insert_s = time.perf_counter() - started
    for name, cols in PLATE_INDEXES:
        con.execute(f"CREATE INDEX {name} ON plate_reads ({cols})")
    con.execute("INSERT INTO plate_vocab (plate) SELECT DISTINCT plate FROM plate_reads")
    starts = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, 15))
    con.execute(
        "INSERT INTO plate_trigrams (trigram, plate) SELECT DISTINCT substr(v.plate, k.n, 3), v.plate "
        "FROM plate_vocab v JOIN (" + starts + ") k ON length(v.plate) >= k.n + 2"
    )
    con.execute("ANALYZE")
    con.close()
    tmp.rename(path)
    build_s = time.perf_counter() - started
    console.print(
        f"  built {n:,} plate_reads rows in {build_s:.1f} s (insert {insert_s:.1f} s, indexes + "
        f"ANALYZE {build_s - insert_s:.1f} s): {path}"
    )
    return build_s, pool


def sample_plates(path: Path, k: int, seed: int) -> list[str]:
    con = sqlite3.connect(path)
    n = con.execute("SELECT max(seq) FROM plate_reads").fetchone()[0]
    rng = random.Random(seed)
    out = []
    for _ in range(k):
        row = con.execute(
            "SELECT plate FROM plate_reads WHERE seq = ?", (rng.randrange(1, n + 1),)
        ).fetchone()
        out.append(row[0])
    con.close()
    return out


PATTERN_KINDS: dict[str, Callable[[str], str]] = {
    "full plate": lambda p: p,
    "prefix ABC*": lambda p: p[:3] + "*",
    "mixed AB?12*": lambda p: p[:2] + "?" + p[3:5] + "*",
    "suffix *7X9": lambda p: "*" + p[-3:],
    "infix *C12*": lambda p: "*" + p[2:5] + "*",
}
WINDOWS: dict[str, timedelta | None] = {
    "none": None,
    "30 days": timedelta(days=30),
    "1 day": timedelta(days=1),
}


def timed(fn: Callable[[], Any], repeats: int = 1) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000, out


def run_search(args: argparse.Namespace) -> dict[str, Any]:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"alpr-search-v{SEARCH_DB_VERSION}-{args.search_reads}-r{args.readers}-s{args.seed}.db"
    build_s = None
    if not path.exists():
        build_s, _ = build_search_db(path, args.search_reads, args.readers, args.seed)
    else:
        console.print(f"  using cached {path} ({path.stat().st_size / 1e9:.2f} GB)")
    plates = sample_plates(path, args.search_samples, args.seed + 1)
    db = Database(f"sqlite:///{path}")
    reads = PlateReads(db)
    results: dict[str, Any] = {}
    raw = sqlite3.connect(path)
    try:
        reads.search(["bench"], pattern=plates[0], limit=10)  # warm connection and cache
        for kind, make in PATTERN_KINDS.items():
            for wname, window in WINDOWS.items():
                times, counts = [], []
                for p in plates:
                    since = SEARCH_END - window if window else None
                    until = SEARCH_END if window else None
                    ms, found = timed(
                        partial(
                            reads.search, ["bench"], pattern=make(p), since=since, until=until, limit=1000
                        )
                    )
                    times.append(ms)
                    counts.append(len(found))
                results[f"{kind} | {wname}"] = {
                    "kind": kind,
                    "window": wname,
                    "example": make(plates[0]),
                    "p50_ms": percentile(times, 50),
                    "p95_ms": percentile(times, 95),
                    "max_ms": max(times),
                    "rows_p50": percentile(counts, 50),
                }
        # Baseline for the middle-of-plate search: the same calls without the plate vocabulary, walking the
        # reads newest first as the search did before it.
        saved = plate_reads_module.VOCAB_MAX_PLATES
        plate_reads_module.VOCAB_MAX_PLATES = -1
        try:
            for wname, window in WINDOWS.items():
                times = []
                for p in plates:
                    since = SEARCH_END - window if window else None
                    until = SEARCH_END if window else None
                    ms, _ = timed(
                        partial(
                            reads.search,
                            ["bench"],
                            pattern=PATTERN_KINDS["infix *C12*"](p),
                            since=since,
                            until=until,
                            limit=1000,
                        )
                    )
                    times.append(ms)
                results[f"baseline: infix without the vocabulary | {wname}"] = {
                    "kind": "baseline: infix without the vocabulary",
                    "window": wname,
                    "example": PATTERN_KINDS["infix *C12*"](plates[0]),
                    "p50_ms": percentile(times, 50),
                    "p95_ms": percentile(times, 95),
                    "max_ms": max(times),
                    "rows_p50": None,
                }
        finally:
            plate_reads_module.VOCAB_MAX_PLATES = saved
        plans = {}
        for kind, make in PATTERN_KINDS.items():
            like = make(plates[0]).replace("*", "%").replace("?", "_")
            op = "=" if kind == "full plate" else "LIKE"
            sql = (
                f"SELECT * FROM plate_reads WHERE agency_id IN ('bench') AND plate {op} ? "
                "AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at DESC LIMIT 1000"
            )
            plan = raw.execute("EXPLAIN QUERY PLAN " + sql, (like, _ts(-86400), _ts(0))).fetchall()
            plans[kind] = "; ".join(r[-1] for r in plan)
        fixes = try_fixes(raw, plates, args) if not args.no_fixes else {}
    finally:
        raw.close()
        db.dispose()
    return {
        "rows": args.search_reads,
        "build_s": build_s,
        "db": str(path),
        "samples": len(plates),
        "queries": results,
        "plans_1day": plans,
        "fixes": fixes,
    }


def _fetch_all(con: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    return con.execute(sql, params).fetchall()


def _reversed_suffix(plate: str) -> str:
    """The suffix search ``*7X9`` as a prefix search on the reversed plate: ``9X7*``."""
    return plate[-3:][::-1] + "*"


def try_fixes(con: sqlite3.Connection, plates: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """The same searches with query/schema changes, on the same data, in raw SQL."""
    out: dict[str, Any] = {}
    cols = "seq, agency_id, event_id, plate, state, reader_id, occurred_at, lat, lon, image_ref"

    def measure(name: str, sql: str, pattern: Callable[[str], str]) -> None:
        for wname, window in WINDOWS.items():
            lo = _ts(-window.total_seconds()) if window else "0000"
            hi = _ts(0) if window else "9999"
            times = []
            for p in plates:
                ms, _ = timed(partial(_fetch_all, con, sql, (pattern(p), lo, hi)))
                times.append(ms)
            out[f"{name} | {wname}"] = {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}

    tail = "AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at DESC LIMIT 1000"
    # 1. GLOB is case-sensitive, so SQLite can use the plate index for a literal prefix (LIKE folds case and
    #    the index is BINARY, so LIKE 'ABC%' cannot use it unless case_sensitive_like is on).
    for kind in ("prefix ABC*", "mixed AB?12*"):
        measure(
            f"GLOB {kind}",
            f"SELECT {cols} FROM plate_reads WHERE agency_id IN ('bench') AND plate GLOB ? {tail}",
            PATTERN_KINDS[kind],
        )
    # 1b. the same, with the plate index forced: with a time window the planner prefers the time index
    for kind in ("prefix ABC*", "mixed AB?12*"):
        measure(
            f"GLOB + INDEXED BY plate index, {kind}",
            f"SELECT {cols} FROM plate_reads INDEXED BY ix_plate_reads_plate WHERE agency_id IN ('bench') "
            f"AND plate GLOB ? {tail}",
            PATTERN_KINDS[kind],
        )
    # 2. a reversed plate with its own index for suffix patterns (side table here; a column in the schema)
    t = time.perf_counter()
    con.create_function("rev", 1, lambda s: s[::-1], deterministic=True)
    con.execute("DROP TABLE IF EXISTS temp.plate_rev")
    con.execute("CREATE TEMP TABLE plate_rev (rplate TEXT NOT NULL, occurred_at TEXT NOT NULL, seq INTEGER)")
    con.execute("INSERT INTO temp.plate_rev SELECT rev(plate), occurred_at, seq FROM plate_reads")
    con.execute("CREATE INDEX temp.ix_plate_rev ON plate_rev (rplate, occurred_at)")
    out["reversed side table build_s"] = time.perf_counter() - t
    measure(
        "reversed-plate index, suffix *7X9",
        f"SELECT {', '.join('r.' + c for c in cols.split(', '))} FROM temp.plate_rev v "
        "JOIN plate_reads r ON r.seq = v.seq WHERE r.agency_id IN ('bench') AND v.rplate GLOB ? "
        "AND v.occurred_at >= ? AND v.occurred_at < ? ORDER BY v.occurred_at DESC LIMIT 1000",
        _reversed_suffix,
    )
    con.execute("DROP TABLE temp.plate_rev")
    return out


# ---- report -------------------------------------------------------------------------------------------------
def _n(v: float | None, fmt: str = ",.0f") -> str:
    return "-" if v is None else format(v, fmt)


def report(args: argparse.Namespace, ing: dict[str, Any] | None, srch: dict[str, Any] | None) -> None:
    if ing:
        t = Table(
            title=f"ALPR ingest + matching into SQLite: {ing['reads']:,} reads, {ing['hotlist']:,}-entry "
            f"hotlist, batches of {ing['batch']} ({ing['concurrency']} in flight), tolerance {ing['tolerance']}"
        )
        t.add_column("measure")
        t.add_column("value", justify="right")
        rows = [
            ("reads/s end to end (submit -> matched)", _n(ing["reads_per_s"])),
            ("reads/s ingest only (submit -> committed)", _n(ing["ingest_only_reads_per_s"])),
            ("cores used (process CPU / wall)", _n(ing["cores_used"], ".2f")),
            ("read-to-alert p50 ms", _n(ing["latency_ms_p50"], ".1f")),
            ("read-to-alert p99 ms", _n(ing["latency_ms_p99"], ".1f")),
            ("read-to-alert max ms", _n(ing["latency_ms_max"], ".1f")),
            ("alerts raised / reads alerted", f"{ing['alerts']:,} / {ing['reads_alerted']:,}"),
            ("recall listed / misread", f"{ing['recall_listed']:.3f} / {ing['recall_misread']:.3f}"),
            ("false-alert reads per 10k", _n(ing["false_alert_reads_per_10k"], ".1f")),
            *((f"time in {k} (s)", _n(v, ".2f")) for k, v in ing["stage_s"].items()),
            (
                f"baseline rapidfuzz scan ms/read ({ing['baseline_sample']} reads)",
                _n(ing["baseline_scan_ms_per_read"], ".1f"),
            ),
            ("baseline reads/s (same path, projected)", _n(ing["baseline_reads_per_s"], ",.1f")),
            ("speed-up over baseline", _n(ing["speedup_over_baseline"], ",.0f") + "x"),
        ]
        for tol, m in ing["match_only"].items():
            rows.append(
                (f"match only, {tol}: reads/s (us/read)", f"{m['reads_per_s']:,.0f} ({m['us_per_read']:.1f})")
            )
        for r in rows:
            t.add_row(*r)
        console.print(t)
        ok = ing["reads_per_s"] >= TARGET_READS_PER_S and (ing["latency_ms_p99"] or 0) <= TARGET_P99_MS
        console.print(
            f"target {TARGET_READS_PER_S:,} reads/s and p99 <= {TARGET_P99_MS:.0f} ms: "
            + ("[green]met[/green]" if ok else "[red]NOT met[/red]")
        )
    if srch:
        t = Table(
            title=f"PlateReads.search over {srch['rows']:,} reads ({srch['samples']} plates per row, "
            "limit 1000)"
        )
        for c in ("pattern kind", "window", "example", "p50 ms", "p95 ms", "rows p50"):
            t.add_column(c, justify="left" if c in ("pattern kind", "window", "example") else "right")
        for q in srch["queries"].values():
            mark = "" if (q["p95_ms"] or 0) <= TARGET_SEARCH_MS else " [red]>500[/red]"
            t.add_row(
                q["kind"],
                q["window"],
                q["example"],
                _n(q["p50_ms"], ",.1f"),
                _n(q["p95_ms"], ",.1f") + mark,
                _n(q["rows_p50"]),
            )
        console.print(t)
        for kind, plan in srch["plans_1day"].items():
            console.print(f"  plan ({kind}, 1-day window): {plan}")
        if srch["fixes"]:
            f = Table(title="the same searches changed (raw SQL, same data)")
            for c in ("change | window", "p50 ms", "p95 ms"):
                f.add_column(c, justify="left" if c.startswith("change") else "right")
            for name, v in srch["fixes"].items():
                if isinstance(v, dict):
                    f.add_row(name, _n(v["p50_ms"], ",.1f"), _n(v["p95_ms"], ",.1f"))
                else:
                    f.add_row(name, _n(v, ",.1f") + " s", "")
            console.print(f)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--reads", type=int, default=100_000, help="plate reads ingested (default 100000)")
    p.add_argument("--hotlist", type=int, default=1_000_000, help="hotlist entries (default 1000000)")
    p.add_argument("--batch", type=int, default=500, help="reads per submitted batch (default 500)")
    p.add_argument("--baseline", type=int, default=100, help="reads in the rapidfuzz baseline (default 100)")
    p.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="batches in flight at once, as from that many readers (default 1)",
    )
    p.add_argument(
        "--tolerance",
        type=Tolerance,
        default=PRODUCT_TOLERANCE,
        help=f"engine tolerance (default {PRODUCT_TOLERANCE}, the product's)",
    )
    p.add_argument("--search-reads", type=int, default=10_000_000, help="rows searched (default 10000000)")
    p.add_argument("--search-samples", type=int, default=3, help="plates per pattern kind (default 3)")
    p.add_argument("--readers", type=int, default=300, help="readers in the search data (default 300)")
    p.add_argument("--sqlite-synchronous", default="FULL", choices=("FULL", "NORMAL", "EXTRA"))
    p.add_argument("--skip-ingest", action="store_true")
    p.add_argument("--skip-search", action="store_true")
    p.add_argument("--no-fixes", action="store_true", help="do not try the query/schema changes")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    load_start = os.getloadavg()[0]
    ing = srch = None
    with tempfile.TemporaryDirectory(prefix="rtcc-bench-alpr-") as tmp:
        if not args.skip_ingest:
            console.print("[bold]part 1: ingest + matching[/bold]")
            ing = run_ingest(args, Path(tmp))
    if not args.skip_search:
        console.print("[bold]part 2: partial-plate search[/bold]")
        srch = run_search(args)
    report(args, ing, srch)
    console.print(
        f"machine: {os.cpu_count()} CPUs, load average (1 min) {load_start:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end; CPU affinity {sorted(os.sched_getaffinity(0))}"
    )
    summary = {
        "bench": "alpr",
        "load_average_1m": {"start": load_start, "end": os.getloadavg()[0]},
        "config": {k: (str(v) if isinstance(v, Tolerance) else v) for k, v in vars(args).items()},
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "ingest": ing,
        "search": srch,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    sys.stdout.write("RESULT " + orjson.dumps(summary).decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

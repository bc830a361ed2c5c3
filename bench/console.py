"""Console benchmark: the operator console in headless Chromium under a city-sized load.

Starts the real server (one uvicorn worker) on a scratch SQLite database with 2,000 units and 5,000
cameras, signs an operator into the console in Debian's Chromium, and then, with ``--rate`` unit
positions per second arriving over HTTP batch ingest (each stamped with the time it was sent):

* event-to-screen latency: from the moment the event was sent to the first animation frame that drew it
  (sender and browser share this machine's clock), p50 and p99;
* frame time while panning: the map is dragged across the city with the mouse while events keep
  arriving; every animation frame's interval is recorded, p50, p99 and the share over 50 ms.

The baseline, in the same run and the same page, is the plain way to put these points on a Leaflet map:
one ``L.circleMarker`` per unit and camera on Leaflet's own canvas renderer, moved with ``setLatLng``
for each event. The console's own point layers are taken off the map while the baseline runs.

    .venv/bin/python bench/console.py [--units 2000] [--cameras 5000] [--rate 1000] [--seconds 10]

Target: event-to-screen p99 under 500 ms, and smooth panning. Prints a table and one machine-readable line
starting with ``RESULT ``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.table import Table

from _common import (
    SqliteBackend,
    exit_on_sigterm,
    percentile,
    ratio,
    running_server,
    seed,
    server_cpu,
)
from rtcc.sim.network import load_network
from rtcc.storage.db import Database
from rtcc.storage.tables import cameras

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
]
VIEWPORT = {"width": 1600, "height": 1000}
TARGET_P99_MS = 500.0
ZOOM = 13  # the city at a glance: units drawn one by one, cameras clustered (as an operator sees it)


def city_points(count: int, rng: random.Random) -> list[tuple[float, float]]:
    net = load_network()
    idx = [rng.randrange(len(net.node_lat)) for _ in range(count)]
    return [(float(net.node_lat[i]), float(net.node_lon[i])) for i in idx]


def seed_cameras(db: Database, agency_id: str, count: int, rng: random.Random) -> None:
    kinds = ["city_cctv", "traffic", "school", "business", "resident"]
    rows = [
        {
            "id": f"BC-{i:05d}",
            "agency_id": agency_id,
            "name": f"Bench camera {i}",
            "kind": kinds[i % len(kinds)],
            "lat": lat,
            "lon": lon,
            "ptz": i % 7 == 0,
            "status": "down" if i % 40 == 0 else "up",
        }
        for i, (lat, lon) in enumerate(city_points(count, rng))
    ]
    with db.engine.begin() as conn:
        conn.execute(cameras.insert(), rows)


class Units:
    """Units driving about: each event moves one unit a few metres."""

    def __init__(self, count: int, rng: random.Random):
        self.rng = rng
        self.pos = [[lat, lon, rng.uniform(0, 360)] for lat, lon in city_points(count, rng)]
        self.next = 0

    def event(self, now: datetime) -> dict[str, Any]:
        i = self.next
        self.next = (self.next + 1) % len(self.pos)
        p = self.pos[i]
        p[2] = (p[2] + self.rng.uniform(-20, 20)) % 360
        step = 8.0 / 111_195.0
        p[0] += step * math.cos(math.radians(p[2]))
        p[1] += step * math.sin(math.radians(p[2])) / math.cos(math.radians(p[0]))
        return {
            "type": "unit.location",
            "occurred_at": now.isoformat(timespec="milliseconds"),
            "location": {"lat": round(p[0], 6), "lon": round(p[1], 6)},
            "payload": {"unit_id": f"BU-{i:04d}", "heading_deg": round(p[2], 1), "speed_mps": 11.0},
        }


async def send(base: str, key: str, units: Units, rate: int, seconds: float, batch: int = 50) -> int:
    """``rate`` events per second in batches sent on a fixed clock; returns how many were accepted."""
    accepted = 0
    interval = batch / rate
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=30) as client:
        start = time.monotonic()
        sent = 0
        pending: set[asyncio.Task[httpx.Response]] = set()
        while time.monotonic() - start < seconds:
            now = datetime.now(UTC)
            body = orjson.dumps([units.event(now) for _ in range(batch)])
            pending.add(
                asyncio.create_task(
                    client.post("/api/v1/ingest", content=body, headers={"Content-Type": "application/json"})
                )
            )
            sent += 1
            await asyncio.sleep(max(0.0, start + sent * interval - time.monotonic()))
        for r in await asyncio.gather(*pending):
            if r.status_code == 200:
                accepted += int(r.json().get("accepted", 0))
    return accepted


PAN_RECORDER = """() => { const r = window.__bench = {frames: [], on: true};
  let last = performance.now();
  const tick = (t) => { r.frames.push(t - last); last = t; if (r.on) requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""

BASELINE = """() => { const rt = window.__rtcc, L = rt.L, map = rt.map, pic = rt.picture;
  for (const k of ['units', 'cameras']) map.removeLayer(pic.layers[k]);
  const renderer = L.canvas({padding: 0.5});
  const markers = new Map();
  for (const u of pic.units.values()) if (u.lat !== null)
    markers.set(u.unit_id, L.circleMarker([u.lat, u.lon], {renderer, radius: 5, color: '#3fb950', weight: 1}).addTo(map));
  for (const c of pic.cameras.values())
    L.circleMarker([c.lat, c.lon], {renderer, radius: 3, color: '#58a6ff', weight: 1}).addTo(map);
  const b = window.__baseline = {samples: [], pending: []};
  pic.stream.on('unit.location', (e) => { const m = markers.get(e.payload.unit_id);
    if (m && e.location) { m.setLatLng([e.location.lat, e.location.lon]); b.pending.push(Date.parse(e.occurred_at)); } });
  const frame = () => { const now = Date.now(); for (const t of b.pending) b.samples.push(now - t); b.pending = [];
    requestAnimationFrame(frame); };
  requestAnimationFrame(frame); return markers.size; }"""


def drag_across(page: Any, seconds: float) -> None:
    """Pan the map with the mouse, back and forth, for about ``seconds``."""
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    end = time.monotonic() + seconds
    direction = 1
    while time.monotonic() < end:
        page.mouse.move(cx, cy)
        page.mouse.down()
        page.mouse.move(cx + direction * 400, cy + direction * 200, steps=30)
        page.mouse.up()
        direction = -direction


def frames_summary(frames: list[float]) -> dict[str, Any]:
    f = frames[2:]  # the first frames measure the recorder's own start
    return {
        "frames": len(f),
        "frame_p50_ms": percentile(f, 50),
        "frame_p99_ms": percentile(f, 99),
        "over_50ms_share": (sum(1 for x in f if x > 50) / len(f)) if f else None,
    }


def in_thread(coro_fn: Any) -> Any:
    """Run a coroutine on its own loop in a thread (Playwright's sync API owns this thread's loop)."""
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(asyncio.run(coro_fn())))
    t.start()
    return t, out


def measure_phase(
    page: Any, base: str, key: str, units: Units, args: argparse.Namespace, samples_js: str
) -> dict[str, Any]:
    page.evaluate(
        f"() => {{ {samples_js}.length = 0; window.__rtcc.arrival.samples.length = 0; window.__rtcc.drawTimes.samples.length = 0; }}"
    )
    t, out = in_thread(lambda: send(base, key, units, args.rate, args.seconds))
    t.join()
    accepted = out[0]
    time.sleep(1.0)  # let the last events reach the screen
    latencies = page.evaluate(f"() => {samples_js}.slice()")
    arrivals = page.evaluate("() => window.__rtcc.arrival.samples.slice()")
    draws = page.evaluate("() => window.__rtcc.drawTimes.samples.slice()")
    # Both phases pan over streets drawn afresh, so neither profits from tiles the other left behind.
    page.evaluate("() => { window.__rtcc.basemap().redraw(); }")
    time.sleep(1.0)
    page.evaluate(PAN_RECORDER)
    sender, _ = in_thread(lambda: send(base, key, units, args.rate, args.pan_seconds + 1))
    drag_across(page, args.pan_seconds)
    frames = page.evaluate("() => { window.__bench.on = false; return window.__bench.frames; }")
    sender.join()
    page.evaluate(
        "(z) => { window.__rtcc.map.setView(window.__rtcc.map.getCenter(), z, {animate: false}); }", ZOOM
    )
    return {
        "accepted": accepted,
        "shown": len(latencies),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p99_ms": percentile(latencies, 99),
        "arrival_p50_ms": percentile(arrivals, 50),
        "arrival_p99_ms": percentile(arrivals, 99),
        "draw_p50_ms": percentile(draws, 50),
        "draw_p99_ms": percentile(draws, 99),
        **frames_summary(frames),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    rng = random.Random(args.seed)
    backend = SqliteBackend()
    try:
        url = backend.new_database("console")
        db = Database(url)
        db.migrate()
        s = seed(db)
        seed_cameras(db, s.agency_id, args.cameras, rng)
        db.dispose()
        units = Units(args.units, rng)
        log_dir = Path("var/bench")
        log_dir.mkdir(parents=True, exist_ok=True)
        with running_server(url, cpu=server_cpu(), log_dir=log_dir) as server:
            # Every unit reports once, so the console's first load finds them all.
            async def first_fix() -> None:
                async with httpx.AsyncClient(
                    base_url=server.base_url, headers={"X-API-Key": s.api_key}, timeout=60
                ) as c:
                    now = datetime.now(UTC)
                    events = [units.event(now) for _ in range(args.units)]
                    for i in range(0, len(events), 500):
                        r = await c.post(
                            "/api/v1/ingest",
                            content=orjson.dumps(events[i : i + 500]),
                            headers={"Content-Type": "application/json"},
                        )
                        r.raise_for_status()

            asyncio.run(first_fix())
            time.sleep(2)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                page = browser.new_page(viewport=VIEWPORT)
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(server.base_url + "/")
                page.fill("input[name=username]", s.username or "")
                page.fill("input[name=password]", s.password)
                t0 = time.monotonic()
                page.click("button[type=submit]")
                page.wait_for_selector("body[data-ready=true]", timeout=60_000)
                page.wait_for_function(
                    f"() => window.__rtcc.picture.units.size >= {args.units}", timeout=60_000
                )
                page.wait_for_selector(".street-tiles canvas", timeout=60_000)
                to_city = time.monotonic() - t0
                page.evaluate(
                    "(z) => { window.__rtcc.map.setView(window.__rtcc.map.getCenter(), z, {animate: false}); }",
                    ZOOM,
                )
                on_map = page.evaluate(
                    "() => ({units: window.__rtcc.picture.layers.units.features.size, cameras: window.__rtcc.picture.layers.cameras.features.size})"
                )
                ours = measure_phase(
                    page, server.base_url, s.api_key, units, args, "window.__rtcc.latency.samples"
                )
                page.evaluate(BASELINE)
                baseline = measure_phase(
                    page, server.base_url, s.api_key, units, args, "window.__baseline.samples"
                )
                browser.close()
    finally:
        backend.close()
    return {
        "sign_in_to_city_s": to_city,
        "on_map": on_map,
        "ours": ours,
        "baseline": baseline,
        "page_errors": errors,
    }


def fmt(v: float | None, f: str = ",.0f") -> str:
    return "-" if v is None else format(v, f)


def report(res: dict[str, Any], args: argparse.Namespace) -> None:
    console = Console()
    t = Table(
        title=f"Console: {res['on_map']['units']:,} units, {res['on_map']['cameras']:,} cameras, {args.rate:,} events/s, zoom {ZOOM}"
    )
    t.add_column("")
    t.add_column("console (canvas layers)", justify="right")
    t.add_column("baseline (L.circleMarker)", justify="right")
    t.add_column("baseline / console", justify="right")
    o, b = res["ours"], res["baseline"]
    for key, label, f in (
        ("accepted", "events accepted", ",.0f"),
        ("shown", "updates drawn", ",.0f"),
        ("latency_p50_ms", "event to screen p50 (ms)", ",.0f"),
        ("latency_p99_ms", "event to screen p99 (ms)", ",.0f"),
        ("arrival_p50_ms", "event to browser p50 (ms)", ",.0f"),
        ("arrival_p99_ms", "event to browser p99 (ms)", ",.0f"),
        ("draw_p50_ms", "console layer redraw p50 (ms)", ".1f"),
        ("draw_p99_ms", "console layer redraw p99 (ms)", ".1f"),
        ("frame_p50_ms", "frame while panning p50 (ms)", ".1f"),
        ("frame_p99_ms", "frame while panning p99 (ms)", ".1f"),
        ("over_50ms_share", "frames over 50 ms", ".1%"),
    ):
        r = ratio(b[key], o[key]) if key not in ("accepted", "shown") else None
        t.add_row(label, fmt(o[key], f), fmt(b[key], f), "" if r is None else f"{r:.2f}x")
    console.print(t)
    console.print(
        f"sign-in to the live city on screen: {res['sign_in_to_city_s']:.2f} s; page errors: {len(res['page_errors'])}"
    )
    p99 = o["latency_p99_ms"]
    verdict = "met" if p99 is not None and p99 < TARGET_P99_MS else "NOT met"
    console.print(f"target event-to-screen p99 < {TARGET_P99_MS:.0f} ms: {verdict}")
    print("RESULT " + orjson.dumps({**res, "rate": args.rate, "zoom": ZOOM}).decode())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=2000)
    ap.add_argument("--cameras", type=int, default=5000)
    ap.add_argument("--rate", type=int, default=1000, help="unit positions per second")
    ap.add_argument("--seconds", type=float, default=10.0, help="how long to measure latency")
    ap.add_argument("--pan-seconds", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=1)
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    exit_on_sigterm()
    args = parse_args(argv)
    if not Path(CHROMIUM).is_file():
        print(f"Chromium is not at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 2
    report(run(args), args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Routing benchmark: ranking units by driving time to an incident on the Columbus street network.

Places ``--units`` units at random points of the city's streets (drawn by street length, with a few metres
of GPS scatter) and times ``RoadGraph.rank_units`` (the 10 fastest units) for ``--incidents`` calls at
random street addresses. The process is pinned to one CPU where the platform allows it.

The baseline, on the first ``--baseline-incidents`` of the same incidents and the same units, is the plain
way to get the same ranking with what the simulator already has: snap each unit and the incident to their
nearest junctions and run one A* route per unit (``StreetNetwork.route``), then sort. It is also compared
for agreement: how often it picks the same first unit, and how far its ETAs are from the ranking's.

    .venv/bin/python bench/routing.py [--units 500] [--incidents 300] [--baseline-incidents 10] [--seed 1]

Target: rank_units p95 at or under 20 ms with 500 units. Prints a table and one machine-readable line
starting with ``RESULT ``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time

import numpy as np
import orjson
from rich.console import Console
from rich.table import Table

from _common import percentile, ratio
from rtcc.engines.routing import RoadGraph, UnitEta, UnitPosition
from rtcc.sim.network import M_PER_DEG, StreetNetwork, load_network

TARGET_P95_MS = 20.0
LIMIT = 10
GPS_SCATTER_M = 5.0

console = Console(highlight=False, width=None if sys.stdout.isatty() else 150)


def build_graph(net: StreetNetwork) -> RoadGraph:
    return RoadGraph.from_arrays(
        net.node_lat,
        net.node_lon,
        net.edge_from,
        net.edge_to,
        net.edge_oneway,
        net.edge_length_m,
        net.edge_maxspeed_kmh / 3.6,
        net.shape_start,
        net.shape_lat,
        net.shape_lon,
    )


def street_points(
    net: StreetNetwork, rng: random.Random, n: int, scatter_m: float
) -> list[tuple[float, float]]:
    """Points on the streets, drawn by street length, each moved by GPS-like scatter."""
    cum = np.cumsum(net.edge_length_m)
    points = []
    for _ in range(n):
        edge = min(int(np.searchsorted(cum, rng.uniform(0.0, float(cum[-1])))), net.edge_count - 1)
        lat, lon, _, _ = net.point_on_edge(edge, rng.random())
        dx, dy = rng.gauss(0.0, scatter_m), rng.gauss(0.0, scatter_m)
        points.append((lat + dy / M_PER_DEG, lon + dx / net.m_per_deg_lon))
    return points


def naive_rank(
    net: StreetNetwork, lat: float, lon: float, units: list[UnitPosition], limit: int
) -> list[tuple[float, str]]:
    """One A* route per unit between nearest junctions; (seconds, unit_id) of the ``limit`` fastest."""
    target = net.nearest_node(lat, lon)
    seconds = net.edge_length_m / (net.edge_maxspeed_kmh / 3.6)
    etas = []
    for unit in units:
        steps = net.route(net.nearest_node(unit.lat, unit.lon), target)
        if steps is not None:
            etas.append((float(sum(seconds[edge] for edge, _ in steps)), unit.unit_id))
    return sorted(etas)[:limit]


def ms_summary(seconds: list[float]) -> dict[str, float | None]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms) if ms else None,
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    started = time.perf_counter()
    net = load_network()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    graph = build_graph(net)
    build_s = time.perf_counter() - started

    rng = random.Random(args.seed)
    units = [
        UnitPosition(f"U{i:03d}", lat, lon)
        for i, (lat, lon) in enumerate(street_points(net, rng, args.units, GPS_SCATTER_M))
    ]
    incidents = [(a.lat, a.lon) for a in (net.random_address(rng) for _ in range(args.incidents))]

    for lat, lon in incidents[:10]:  # warm-up, not reported
        graph.rank_units(lat, lon, units, limit=LIMIT)

    rank_s: list[float] = []
    urgent_s: list[float] = []
    rankings: list[list[UnitEta]] = []
    for lat, lon in incidents:
        t0 = time.perf_counter()
        ranked = graph.rank_units(lat, lon, units, limit=LIMIT)
        rank_s.append(time.perf_counter() - t0)
        rankings.append(ranked)
        t0 = time.perf_counter()
        graph.rank_units(lat, lon, units, limit=LIMIT, urgent=True)
        urgent_s.append(time.perf_counter() - t0)

    route_s: list[float] = []
    for (lat, lon), ranked in zip(incidents[: args.routes], rankings, strict=False):
        first = next(u for u in units if u.unit_id == ranked[0].unit_id)
        t0 = time.perf_counter()
        graph.route(first.lat, first.lon, lat, lon)
        route_s.append(time.perf_counter() - t0)

    naive_s: list[float] = []
    same_first = 0
    eta_gaps: list[float] = []
    for (lat, lon), ranked in zip(incidents[: args.baseline_incidents], rankings, strict=False):
        t0 = time.perf_counter()
        naive = naive_rank(net, lat, lon, units, LIMIT)
        naive_s.append(time.perf_counter() - t0)
        same_first += naive[0][1] == ranked[0].unit_id
        by_id = {r.unit_id: r.eta_s for r in ranked}
        eta_gaps.extend(abs(s - by_id[u]) for s, u in naive if u in by_id)

    first_eta = [r[0].eta_s for r in rankings if r]
    tenth_eta = [r[-1].eta_s for r in rankings if len(r) == LIMIT]
    rank = ms_summary(rank_s)
    naive_p50 = percentile([s * 1000 for s in naive_s], 50)
    return {
        "units": args.units,
        "incidents": args.incidents,
        "baseline_incidents": len(naive_s),
        "graph": {"junctions": graph.node_count, "edges": graph.edge_count},
        "load_ms": load_s * 1000,
        "build_ms": build_s * 1000,
        "rank_units": rank,
        "rank_units_urgent": ms_summary(urgent_s),
        "route": ms_summary(route_s),
        "baseline": ms_summary(naive_s),
        "speedup_p50": ratio(naive_p50, rank["p50_ms"]),
        "baseline_same_first_unit": same_first / len(naive_s) if naive_s else None,
        "baseline_eta_gap_s_median": statistics.median(eta_gaps) if eta_gaps else None,
        "first_unit_eta_s_median": statistics.median(first_eta) if first_eta else None,
        "tenth_unit_eta_s_median": statistics.median(tenth_eta) if tenth_eta else None,
    }


def fmt(value: object, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--incidents", type=int, default=300)
    parser.add_argument("--baseline-incidents", type=int, default=10)
    parser.add_argument("--routes", type=int, default=50, help="route() calls timed, for the map")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is not met")
    args = parser.parse_args()

    pinned = None
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        pinned = sorted(os.sched_getaffinity(0))[-1]
        os.sched_setaffinity(0, {pinned})

    result = run(args)
    console.print(
        f"Columbus: {result['graph']['junctions']:,} junctions, {result['graph']['edges']:,} edges; "  # type: ignore[index]
        f"network loaded in {result['load_ms']:.0f} ms, RoadGraph built in {result['build_ms']:.0f} ms; "
        f"{args.units} units, {args.incidents} incidents"
        + (f", pinned to CPU {pinned}" if pinned is not None else "")
    )
    table = Table(title=f"Ranking {args.units} units, {LIMIT} fastest")
    for col in ("", "calls", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(col, justify="right" if col else "left")
    rows = (
        ("rank_units", "rank_units", args.incidents),
        ("rank_units, urgent", "rank_units_urgent", args.incidents),
        ("route() for the map (first unit)", "route", min(args.routes, args.incidents)),
        ("baseline: A* per unit (StreetNetwork.route)", "baseline", result["baseline_incidents"]),
    )
    for name, key, calls in rows:
        s = result[key]
        assert isinstance(s, dict)
        table.add_row(
            name, str(calls), fmt(s["p50_ms"]), fmt(s["p95_ms"]), fmt(s["p99_ms"]), fmt(s["max_ms"])
        )
    console.print(table)
    console.print(
        f"speed-up over the baseline (p50): {fmt(result['speedup_p50'], ',.0f')}x; baseline picked the same "
        f"first unit for {fmt(result['baseline_same_first_unit'], '.0%')} of incidents, median ETA gap "
        f"{fmt(result['baseline_eta_gap_s_median'], '.1f')} s (it snaps to junctions, ignores where on a street "
        "a unit is, and its A* is not exact)"
    )
    console.print(
        f"median ETA of the first unit {fmt(result['first_unit_eta_s_median'], '.0f')} s, "
        f"of the tenth {fmt(result['tenth_unit_eta_s_median'], '.0f')} s"
    )
    p95 = result["rank_units"]["p95_ms"]  # type: ignore[index]
    met = p95 is not None and p95 <= TARGET_P95_MS
    console.print(
        f"target (rank_units p95 <= {TARGET_P95_MS:.0f} ms with 500 units): {'met' if met else 'NOT met'}"
    )
    summary = {
        "bench": "routing",
        "config": {
            "units": args.units,
            "incidents": args.incidents,
            "seed": args.seed,
            "pinned_cpu": pinned,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "target_p95_ms": TARGET_P95_MS,
        "target_met": met,
        **result,
    }
    print("RESULT " + orjson.dumps(summary).decode())
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())

"""Threat brief benchmark: brief latency on SQLite with a city-sized records system behind it.

Target (the issue): with 1,000,000 persons, 3,000,000 person links and 5,000,000 prior calls, a threat
brief takes at most 50 ms at the 95th percentile.

The database is built once through ``Database(...).migrate()`` and then bulk inserts (raw ``executemany``
on the DBAPI connection, secondary indexes dropped during the load and rebuilt from their migrated
definitions afterwards, journal and syncing off only while building). It is kept under ``var/bench/``,
named by a version and the sizes, so reruns skip the build. What it holds:

* persons in households of 1-5 at ~persons/2.5 real-looking addresses of the shipped Columbus network
  (the text a simulated 911 call from that house carries);
* criminal history for ~10% of persons, active or closed warrants for ~1%, protective orders for ~0.5%,
  premise cautions on ~3% of addresses;
* person links: family within households, co-arrestees, and associates across the city (people with
  history are more connected), ~3% of associates intelligence links under 28 CFR Part 23, a quarter of
  those past their review date;
* calls over the four years before the bench's "now" (``--call-days``): ~55% at addresses (busy addresses and hot spots get
  far more, as calls for service do), ~20% at intersections, the rest points with no address text; each
  with its grid ``cell``, as the live projector and CAD imports write them.

Measured: for ``--samples`` locations (80% at addresses with residents, drawn as calls are drawn, so busy
addresses come up more often; 20% random points on the street network), the wall time of
``build_brief(store.brief_inputs(...))``, and its CPU time (this thread, SQLite included), which other work
on a shared machine moves less. Baseline, in the same run: the first ``--baseline-samples`` of the same
briefs with prior calls found by a plain latitude/longitude bounding-box query on the calls table, without
the grid-cell index (a scan: keep that number small).

    .venv/bin/python bench/brief.py [--persons N] [--links N] [--calls N] [--samples N]
                                    [--baseline-samples N] [--profile] [--rebuild]

Prints a table and one machine-readable line starting with ``RESULT ``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection, and_, select

from _common import percentile, ratio
from rtcc.domain.geo import grid_cell, haversine_m
from rtcc.domain.records import PART23_REVIEW_YEARS, normalise_address
from rtcc.domain.threat import (
    PRIOR_CALL_RADIUS_M,
    PRIOR_CALL_WINDOW_DAYS,
    BriefInputs,
    PriorCall,
    ThreatBrief,
    build_brief,
)
from rtcc.domain.vocab import IncidentType
from rtcc.sim import default_network
from rtcc.sim.cad import CALL_MIX
from rtcc.sim.network import M_PER_DEG, StreetNetwork
from rtcc.sim.records import (
    CAUTIONS,
    FAMILY_ENDS,
    FAMILY_STEMS,
    GIVEN_NAMES,
    INTEL_BASES,
    OFFENCES,
    ORDER_TERMS,
    WARRANT_OFFENCES,
)
from rtcc.storage.db import Database
from rtcc.storage.records import RecordsStore
from rtcc.storage.tables import calls

BUILD_VERSION = 1  # bump when what the build writes changes: an older cached file is then not reused
TARGET_P95_MS = 50.0
AGENCY = "bench"
NOW = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)  # the bench's "now": fixed, so a cached build stays valid
TODAY = NOW.date()
# Calls reach back four years by default: 5,000,000 calls is then ~1.25 million a year, about what a city
# the size of Columbus answers, and the brief's one-year window holds a quarter of them. --call-days 395
# puts all of them into the window (five times that density).
CALL_SPAN_DAYS = 4 * 365 + 1
PERSONS_PER_ADDRESS = 2.5
HISTORY_SHARE = 0.10
WARRANT_SHARE = 0.01
CAUTION_SHARE = 0.03
ORDER_SHARE = 0.005
INTEL_SHARE = 0.03  # of associate links
PAST_REVIEW_SHARE = 0.25  # of intelligence links
CHUNK = 250_000
VAR = Path(__file__).resolve().parent.parent / "var" / "bench"
# Tables the build fills, in the order it fills them.
FILLED = (
    "addresses",
    "persons",
    "residences",
    "criminal_history",
    "warrants",
    "protective_orders",
    "premise_cautions",
    "person_links",
    "calls",
)

console = Console(highlight=False, width=None if sys.stdout.isatty() else 150)


# ---- the city ---------------------------------------------------------------------------------------------
@dataclass
class Sizes:
    persons: int
    links: int
    calls: int
    call_days: int = CALL_SPAN_DAYS

    @property
    def addresses(self) -> int:
        return round(self.persons / PERSONS_PER_ADDRESS)

    def path(self, seed: int) -> Path:
        name = (
            f"brief-v{BUILD_VERSION}-p{self.persons}-l{self.links}-c{self.calls}-d{self.call_days}-s{seed}.db"
        )
        return VAR / name


@dataclass
class Places:
    """What the measurement needs to know of the built city: where its addresses and streets are."""

    text: list[str]
    lat: np.ndarray
    lon: np.ndarray
    call_weight: np.ndarray  # how often calls come from each address, relative
    occupied: np.ndarray  # bool: someone lives there


def day_strings(days_before_today: np.ndarray) -> list[str]:
    """'YYYY-MM-DD' (how the Date columns are stored on SQLite) for whole days before TODAY."""
    d = np.datetime64(TODAY.isoformat(), "D") - days_before_today.astype("timedelta64[D]")
    out: list[str] = np.datetime_as_string(d, unit="D").tolist()
    return out


def stamp_strings(seconds_before_now: np.ndarray) -> list[str]:
    """'YYYY-MM-DD HH:MM:SS.ffffff', the form the UTC timestamp columns are stored in on SQLite."""
    now = np.datetime64(NOW.replace(tzinfo=None).isoformat(), "us")
    t = now - (seconds_before_now * 1e6).astype("timedelta64[us]")
    return [s.replace("T", " ") for s in np.datetime_as_string(t, unit="us").tolist()]


def cells(lat: np.ndarray, lon: np.ndarray) -> list[int]:
    """``rtcc.domain.geo.grid_cell`` for arrays (the same float arithmetic, so the same cells)."""
    row = np.floor((lat + 90.0) / 0.002).astype(np.int64)
    col = np.floor((lon + 180.0) / 0.002).astype(np.int64)
    out: list[int] = (row * 200_000 + col).tolist()
    step = max(1, len(out) // 1000)
    assert out[::step] == [
        grid_cell(la, lo) for la, lo in zip(lat[::step].tolist(), lon[::step].tolist(), strict=True)
    ]
    return out


def hotspot_factor(lat: np.ndarray, lon: np.ndarray, spots: np.ndarray, net: StreetNetwork) -> np.ndarray:
    """1 plus Gaussian bumps (800 m) around the hot spots, each with its own strength."""
    out = np.ones(len(lat))
    for slat, slon, strength in spots:
        dx = (lon - slon) * net.m_per_deg_lon
        dy = (lat - slat) * M_PER_DEG
        out += strength * np.exp(-(dx * dx + dy * dy) / (2 * 800.0**2))
    return out


def houses(net: StreetNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every house number of every addressed street stretch, once per street name and number: the street
    name index, the number, and the point along the stretch (by length, as ``address_on_edge`` places it)."""
    edges = net.addressed_edges
    lo = net.edge_hno_from[edges]
    hi = net.edge_hno_to[edges]
    first, last = np.minimum(lo, hi), np.maximum(lo, hi)
    counts = last - first + 1
    edge = np.repeat(edges, counts)
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    hno = np.repeat(first, counts) + offset
    e_lo, e_hi = net.edge_hno_from[edge], net.edge_hno_to[edge]
    span = (e_hi - e_lo).astype(float)
    fraction = np.where(span != 0, (hno - e_lo) / np.where(span != 0, span, 1.0), 0.5)
    fraction = np.clip(fraction, 0.02, 0.98)
    name = net.edge_name[edge]
    # One house per street name and number (two stretches of one street may share a range).
    _, keep = np.unique(name * 1_000_000 + hno, return_index=True)
    keep = keep[hno[keep] > 0]
    lat, lon = points_on_edges(net, edge[keep], fraction[keep])
    return name[keep], hno[keep], lat, lon


def points_on_edges(
    net: StreetNetwork, edge: np.ndarray, fraction: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``StreetNetwork.point_on_edge`` for arrays: the point a fraction of the way along each edge's shape."""
    slat, slon, start = net.shape_lat, net.shape_lon, net.shape_start
    seg = np.hypot(np.diff(slon) * net.m_per_deg_lon, np.diff(slat) * M_PER_DEG)
    seg[start[1:-1] - 1] = 0.0  # no segment joins one edge's last point to the next edge's first
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    a, b = start[edge], start[edge + 1] - 1
    target = cum[a] + fraction * (cum[b] - cum[a])
    i = np.clip(np.searchsorted(cum, target, side="right") - 1, a, b - 1)
    t = np.where(seg[i] > 0, (target - cum[i]) / np.where(seg[i] > 0, seg[i], 1.0), 0.0)
    return slat[i] + (slat[i + 1] - slat[i]) * t, slon[i] + (slon[i + 1] - slon[i]) * t


def pick_weighted(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """``size`` indices drawn in proportion to ``weights``."""
    cdf = np.cumsum(weights)
    out: np.ndarray = np.minimum(
        np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right"), len(weights) - 1
    )
    return out


def rows(*columns: Sequence[Any]) -> list[tuple[Any, ...]]:
    return list(zip(*columns, strict=True))


class Loader:
    """Bulk inserts into the migrated file over the plain sqlite3 connection."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-1000000")  # 1 GB
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.indexes: list[tuple[str, str]] = []
        for table in FILLED:
            for name, sql in self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL",
                (table,),
            ).fetchall():
                self.indexes.append((name, sql))
                self.conn.execute(f'DROP INDEX "{name}"')
        self.counts: dict[str, int] = {}

    def insert(self, table: str, columns: Sequence[str], data: Iterable[tuple[Any, ...]]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        with self.conn:
            cur = self.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', data)
        self.counts[table] = self.counts.get(table, 0) + cur.rowcount

    def finish(self) -> None:
        for _name, sql in self.indexes:  # the migration's own definitions
            self.conn.execute(sql)
        self.conn.commit()
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.close()


def build(path: Path, sizes: Sizes, seed: int, net: StreetNetwork) -> dict[str, int]:
    """Make the database file at ``path``: migrate, then load every table the brief reads."""
    rng = np.random.default_rng(seed)
    db = Database(f"sqlite:///{path}")
    db.migrate()
    db.dispose()
    load = Loader(path)
    a = AGENCY
    n_addr, n_per = sizes.addresses, sizes.persons

    # Addresses: distinct houses of the network, drawn at random.
    name_ix, hno, lat, lon = houses(net)
    if n_addr > len(hno):
        raise SystemExit(f"the network has {len(hno)} house numbers, fewer than {n_addr} addresses")
    pick = np.sort(rng.choice(len(hno), n_addr, replace=False))
    name_ix, hno, lat, lon = name_ix[pick], hno[pick], np.round(lat[pick], 6), np.round(lon[pick], 6)
    street = [n.text for n in net.names]
    text = [f"{h} {street[s]}, Columbus, OH" for h, s in zip(hno.tolist(), name_ix.tolist(), strict=True)]
    addr_id = [f"A{i:07d}" for i in range(n_addr)]
    load.insert(
        "addresses",
        ("agency_id", "address_id", "text", "norm", "lat", "lon", "cell"),
        rows(
            [a] * n_addr,
            addr_id,
            text,
            [normalise_address(t) for t in text],
            lat.tolist(),
            lon.tolist(),
            cells(lat, lon),
        ),
    )

    # Persons in households of 1-5 (shares as in sim.records), filling addresses in a random order.
    person_id = [f"P{i:07d}" for i in range(n_per)]
    size = rng.choice([1, 2, 3, 4, 5], n_addr, p=[0.26, 0.33, 0.17, 0.14, 0.10])  # mean 2.49
    home = np.repeat(rng.permutation(n_addr), size)[:n_per]
    if len(home) < n_per:
        home = np.concatenate([home, rng.integers(0, n_addr, n_per - len(home))])
    given = rng.integers(0, len(GIVEN_NAMES), n_per)
    stem = rng.integers(0, len(FAMILY_STEMS), n_per)
    end = rng.integers(0, len(FAMILY_ENDS), n_per)
    age_days = rng.integers(0, 90 * 365, n_per)
    protected = np.where(rng.random(n_per) < 0.4, '{"race": "U"}', "{}")
    load.insert(
        "persons",
        ("agency_id", "person_id", "family_name", "given_name", "birth_date", "protected", "source"),
        rows(
            [a] * n_per,
            person_id,
            [FAMILY_STEMS[s] + FAMILY_ENDS[e] for s, e in zip(stem.tolist(), end.tolist(), strict=True)],
            [GIVEN_NAMES[g] for g in given.tolist()],
            day_strings(age_days),
            protected.tolist(),
            ["RMS"] * n_per,
        ),
    )

    # Residences: where each lives now, and for ~5% a former address (moved out).
    since = np.minimum(rng.integers(30, 15 * 365, n_per), age_days)
    load.insert(
        "residences",
        ("agency_id", "person_id", "address_id", "since", "until", "source"),
        rows(
            [a] * n_per,
            person_id,
            [addr_id[h] for h in home.tolist()],
            day_strings(since),
            [None] * n_per,
            ["RMS"] * n_per,
        ),
    )
    movers = np.flatnonzero(rng.random(n_per) < 0.05)
    load.insert(
        "residences",
        ("agency_id", "person_id", "address_id", "since", "until", "source"),
        rows(
            [a] * len(movers),
            [person_id[i] for i in movers.tolist()],
            [addr_id[h] for h in rng.integers(0, n_addr, len(movers)).tolist()],
            day_strings(since[movers] + 400),
            day_strings(since[movers] + 1),
            ["RMS"] * len(movers),
        ),
    )

    # Criminal history: ~10% of persons, 1-4 entries each.
    offenders = np.sort(rng.choice(n_per, round(n_per * HISTORY_SHARE), replace=False))
    per = rng.choice([1, 2, 3, 4], len(offenders), p=[0.55, 0.25, 0.13, 0.07])
    who = np.repeat(offenders, per)
    n_hist = len(who)
    weights = np.array([w for _, _, w in OFFENCES])
    code = pick_weighted(rng, weights, n_hist)
    hist_days = rng.integers(10, 15 * 365, n_hist)
    load.insert(
        "criminal_history",
        ("agency_id", "entry_id", "person_id", "kind", "nibrs_code", "description", "on", "source"),
        rows(
            [a] * n_hist,
            [f"H{i:07d}" for i in range(n_hist)],
            [person_id[p] for p in who.tolist()],
            np.where(rng.random(n_hist) < 0.35, "conviction", "arrest").tolist(),
            [OFFENCES[c][0] for c in code.tolist()],
            [OFFENCES[c][1] for c in code.tolist()],
            day_strings(hist_days),
            ["RMS arrests"] * n_hist,
        ),
    )

    # Warrants: ~1% of persons, mostly people with history; most active.
    n_war = round(n_per * WARRANT_SHARE)
    from_offenders = rng.random(n_war) < 0.7
    subject = np.where(
        from_offenders, offenders[rng.integers(0, len(offenders), n_war)], rng.integers(0, n_per, n_war)
    )
    wcode = pick_weighted(rng, np.array([w for _, _, w in WARRANT_OFFENCES]), n_war)
    load.insert(
        "warrants",
        ("agency_id", "warrant_id", "person_id", "offense", "nibrs_code", "issued", "status", "source"),
        rows(
            [a] * n_war,
            [f"W{i:07d}" for i in range(n_war)],
            [person_id[p] for p in subject.tolist()],
            [WARRANT_OFFENCES[c][1] for c in wcode.tolist()],
            [WARRANT_OFFENCES[c][0] for c in wcode.tolist()],
            day_strings(rng.integers(5, 3 * 365, n_war)),
            rng.choice(["active", "served", "recalled"], n_war, p=[0.8, 0.14, 0.06]).tolist(),
            ["municipal court"] * n_war,
        ),
    )

    # Protective orders: ~0.5% of persons; the protected person's address on most.
    n_ord = round(n_per * ORDER_SHARE)
    protected_p = rng.integers(0, n_per, n_ord)
    issued = rng.integers(5, 4 * 365, n_ord)
    load.insert(
        "protective_orders",
        (
            "agency_id",
            "order_id",
            "restrained_person_id",
            "protected_person_id",
            "address_id",
            "issued",
            "expires",
            "terms",
            "source",
        ),
        rows(
            [a] * n_ord,
            [f"O{i:07d}" for i in range(n_ord)],
            [person_id[p] for p in rng.integers(0, n_per, n_ord).tolist()],
            [person_id[p] for p in protected_p.tolist()],
            [
                addr_id[home[p]] if r < 0.8 else None
                for p, r in zip(protected_p.tolist(), rng.random(n_ord).tolist(), strict=True)
            ],
            day_strings(issued),
            day_strings(issued - rng.integers(1, 5, n_ord) * 365),
            [ORDER_TERMS[i] for i in rng.integers(0, len(ORDER_TERMS), n_ord).tolist()],
            ["court: civil protection order"] * n_ord,
        ),
    )

    # Premise cautions: ~3% of addresses.
    n_cau = round(n_addr * CAUTION_SHARE)
    kind = pick_weighted(rng, np.array([c[1] for c in CAUTIONS]), n_cau)
    entered = rng.integers(1, 8 * 365, n_cau)
    lasting = rng.random(n_cau) < 0.7  # no expiry; the others expire 1-5 years after entry (some have)
    expires = day_strings(entered - rng.integers(365, 5 * 365, n_cau))
    load.insert(
        "premise_cautions",
        ("agency_id", "caution_id", "address_id", "kind", "severity", "text", "entered", "expires", "source"),
        rows(
            [a] * n_cau,
            [f"C{i:07d}" for i in range(n_cau)],
            [addr_id[i] for i in rng.integers(0, n_addr, n_cau).tolist()],
            [CAUTIONS[k][0].value for k in kind.tolist()],
            rng.integers(1, 6, n_cau).tolist(),
            [CAUTIONS[k][3][0] for k in kind.tolist()],
            day_strings(entered),
            [None if keep else e for keep, e in zip(lasting.tolist(), expires, strict=True)],
            ["CAD premise file"] * n_cau,
        ),
    )

    load_links(load, rng, sizes, person_id, home, offenders, who, hist_days)
    load_calls(load, rng, sizes, net, text, lat, lon, size)
    load.finish()
    return load.counts


def load_links(
    load: Loader,
    rng: np.random.Generator,
    sizes: Sizes,
    person_id: list[str],
    home: np.ndarray,
    offenders: np.ndarray,
    who: np.ndarray,
    hist_days: np.ndarray,
) -> None:
    """Family within households, co-arrestees, then associates (a share of them intelligence) up to the total."""
    n_per = sizes.persons
    order = np.argsort(home, kind="stable")
    by_home = home[order]
    starts = np.flatnonzero(np.r_[True, by_home[1:] != by_home[:-1]])
    lengths = np.diff(np.r_[starts, len(order)])
    pairs_a: list[np.ndarray] = []
    pairs_b: list[np.ndarray] = []
    for k in range(2, int(lengths.max()) + 1):  # all pairs within households of each size
        s = starts[lengths == k]
        for i in range(k):
            for j in range(i + 1, k):
                pairs_a.append(order[s + i])
                pairs_b.append(order[s + j])
    fam_a = np.concatenate(pairs_a) if pairs_a else np.zeros(0, np.int64)
    fam_b = np.concatenate(pairs_b) if pairs_b else np.zeros(0, np.int64)
    fam_a, fam_b = fam_a[: sizes.links], fam_b[: sizes.links]
    # Co-arrestees: 15% of arrests had another person in them.
    co = np.flatnonzero(rng.random(len(who)) < 0.15)[: max(0, sizes.links - len(fam_a))]
    co_b = offenders[rng.integers(0, len(offenders), len(co))]
    # Associates: the rest, endpoints drawn with people who have history three times as likely.
    n_assoc = max(0, sizes.links - len(fam_a) - len(co))
    weight = np.ones(n_per)
    weight[offenders] = 3.0
    as_a = pick_weighted(rng, weight, n_assoc)
    as_b = pick_weighted(rng, weight, n_assoc)
    as_b = np.where(as_b == as_a, (as_b + 1) % n_per, as_b)
    intel = rng.random(n_assoc) < INTEL_SHARE
    past = intel & (rng.random(n_assoc) < PAST_REVIEW_SHARE)
    # Intelligence entered within five years is still current; past review ones were entered 5-7 years ago.
    assoc_days = np.where(
        past,
        rng.integers(PART23_REVIEW_YEARS * 365 + 5, 7 * 365, n_assoc),
        rng.integers(1, 10 * 365, n_assoc),
    )
    assoc_days = np.where(intel & ~past, rng.integers(1, PART23_REVIEW_YEARS * 365 - 5, n_assoc), assoc_days)

    a_ix = np.concatenate([fam_a, who[co], as_a])
    b_ix = np.concatenate([fam_b, co_b, as_b])
    n = len(a_ix)
    kinds = ["family"] * len(fam_a) + ["co_arrestee"] * len(co) + ["associate"] * n_assoc
    sources = ["records: household"] * len(fam_a) + ["records: arrest"] * len(co)
    sources += np.where(intel, "intelligence unit", "field interview").tolist()
    days = np.concatenate([rng.integers(30, 15 * 365, len(fam_a)), hist_days[co], assoc_days])
    entered = day_strings(days)
    review = day_strings(days - PART23_REVIEW_YEARS * 365)
    is_intel = np.concatenate([np.zeros(len(fam_a) + len(co), bool), intel]).tolist()
    case = rng.integers(1000, 99999, n).tolist()
    basis_ix = rng.integers(0, len(INTEL_BASES), n).tolist()
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        load.insert(
            "person_links",
            (
                "agency_id",
                "link_id",
                "person_a",
                "person_b",
                "kind",
                "source",
                "entered",
                "intelligence",
                "basis",
                "review_date",
                "criminal_investigation",
                "about_views",
            ),
            (
                (
                    AGENCY,
                    f"L{i:08d}",
                    person_id[int(a_ix[i])],
                    person_id[int(b_ix[i])],
                    kinds[i],
                    sources[i],
                    entered[i],
                    1 if is_intel[i] else 0,
                    INTEL_BASES[basis_ix[i]].format(case=f"C-{case[i]}") if is_intel[i] else None,
                    review[i] if is_intel[i] else None,
                    f"C-{case[i]}" if is_intel[i] else None,
                    0,
                )
                for i in range(lo, hi)
            ),
        )


def call_places(
    rng: np.random.Generator,
    net: StreetNetwork,
    lat: np.ndarray,
    lon: np.ndarray,
    size: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hot spots, and how often calls come from each address and each intersection (relative weights)."""
    nodes = rng.integers(0, net.node_count, 12)
    spots = np.column_stack([net.node_lat[nodes], net.node_lon[nodes], rng.uniform(3, 10, 12)])
    # Busy addresses are few: lognormal weights, times the hot spots, times the people living there.
    addr_w = rng.lognormal(0.0, 1.2, len(lat)) * hotspot_factor(lat, lon, spots, net) * (0.5 + size)
    ix_lat = np.array([ix.lat for ix in net.intersections])
    ix_lon = np.array([ix.lon for ix in net.intersections])
    ix_w = rng.lognormal(0.0, 1.0, len(ix_lat)) * hotspot_factor(ix_lat, ix_lon, spots, net)
    return spots, addr_w, ix_w


def load_calls(
    load: Loader,
    rng: np.random.Generator,
    sizes: Sizes,
    net: StreetNetwork,
    text: list[str],
    lat: np.ndarray,
    lon: np.ndarray,
    size: np.ndarray,
) -> None:
    spots, addr_w, ix_w = call_places(rng, net, lat, lon, size)
    node_w = hotspot_factor(net.node_lat, net.node_lon, spots, net)
    ix_text = [f"{ix.name}, Columbus, OH" for ix in net.intersections]
    types = [k.type.value for k in CALL_MIX]
    priorities = [k.priority.value for k in CALL_MIX]
    mix = np.array([k.share for k in CALL_MIX])
    n = sizes.calls
    # Times spread over the span, in order, so call ids grow with time as a CAD's do.
    ago = np.sort(rng.uniform(60.0, sizes.call_days * 86400.0, n))[::-1]
    metres = 1.0 / M_PER_DEG
    for lo in range(0, n, CHUNK):
        k = min(n, lo + CHUNK) - lo
        where = rng.choice(3, k, p=[0.55, 0.20, 0.25])  # address, intersection, point only
        c_lat = np.empty(k)
        c_lon = np.empty(k)
        c_text: list[str | None] = [None] * k
        at = np.flatnonzero(where == 0)
        house = pick_weighted(rng, addr_w, len(at))
        c_lat[at] = lat[house] + rng.normal(0, 8, len(at)) * metres
        c_lon[at] = lon[house] + rng.normal(0, 8, len(at)) * metres / math.cos(math.radians(40.0))
        form = rng.random(len(at))
        for j, h, f in zip(at.tolist(), house.tolist(), form.tolist(), strict=True):
            t = text[h]
            c_text[j] = t if f < 0.85 else t.split(",")[0] if f < 0.95 else t.lower()
        cross = np.flatnonzero(where == 1)
        ix = pick_weighted(rng, ix_w, len(cross))
        c_lat[cross] = np.array([net.intersections[i].lat for i in ix.tolist()]) if len(cross) else 0.0
        c_lon[cross] = np.array([net.intersections[i].lon for i in ix.tolist()]) if len(cross) else 0.0
        for j, i in zip(cross.tolist(), ix.tolist(), strict=True):
            c_text[j] = ix_text[i]
        point = np.flatnonzero(where == 2)
        node = pick_weighted(rng, node_w, len(point))
        c_lat[point] = net.node_lat[node] + rng.normal(0, 80, len(point)) * metres
        c_lon[point] = net.node_lon[node] + rng.normal(0, 80, len(point)) * metres / math.cos(
            math.radians(40.0)
        )
        c_lat, c_lon = np.round(c_lat, 6), np.round(c_lon, 6)
        kind = pick_weighted(rng, mix, k)
        received = stamp_strings(ago[lo : lo + k])
        updated = stamp_strings(ago[lo : lo + k] - 3600.0)
        load.insert(
            "calls",
            (
                "agency_id",
                "call_id",
                "call_type",
                "priority",
                "status",
                "description",
                "received_at",
                "updated_at",
                "lat",
                "lon",
                "address",
                "units",
                "cell",
                "origin",
            ),
            rows(
                [AGENCY] * k,
                [f"C{i:08d}" for i in range(lo, lo + k)],
                [types[t] for t in kind.tolist()],
                [priorities[t] for t in kind.tolist()],
                ["cleared"] * k,
                [""] * k,
                received,
                updated,
                c_lat.tolist(),
                c_lon.tolist(),
                c_text,
                ["[]"] * k,
                cells(c_lat, c_lon),
                ["import"] * k,
            ),
        )


def ensure_database(sizes: Sizes, seed: int, net: StreetNetwork, rebuild: bool) -> tuple[Path, float | None]:
    """The cached file for these sizes, built first when missing. Returns it and the build time (None when
    it was already there)."""
    path = sizes.path(seed)
    if path.exists() and not rebuild:
        return path, None
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for p in (path, partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        p.unlink(missing_ok=True)
    started = time.perf_counter()
    counts = build(partial, sizes, seed, net)
    partial.rename(path)
    seconds = time.perf_counter() - started
    console.print(
        f"built {path.name} in {seconds:.1f} s ({path.stat().st_size / 1e9:.2f} GB): "
        + ", ".join(f"{t} {n:,}" for t, n in counts.items())
    )
    return path, seconds


# ---- the measurement ---------------------------------------------------------------------------------------
class BoxStore(RecordsStore):
    """The baseline: prior calls by a plain latitude/longitude bounding box on the calls table (no cell)."""

    def prior_calls(
        self,
        conn: Connection,
        agency_id: str,
        lat: float,
        lon: float,
        address_norm: str | None,
        since: datetime,
        exclude_call: str | None,
    ) -> list[PriorCall]:
        # Degrees a little wider than the radius (haversine's earth is 111,195 m to the degree).
        dlat = PRIOR_CALL_RADIUS_M * 1.01 / M_PER_DEG
        dlon = dlat / math.cos(math.radians(lat))
        found = conn.execute(
            select(
                calls.c.call_id,
                calls.c.call_type,
                calls.c.received_at,
                calls.c.lat,
                calls.c.lon,
                calls.c.address,
            ).where(
                and_(
                    calls.c.agency_id == agency_id,
                    calls.c.lat.between(lat - dlat, lat + dlat),
                    calls.c.lon.between(lon - dlon, lon + dlon),
                    calls.c.received_at >= since,
                )
            )
        ).all()
        out = []
        for r in found:
            if r.call_id == exclude_call:
                continue
            d = haversine_m(lat, lon, r.lat, r.lon)
            at = bool(address_norm) and r.address is not None and normalise_address(r.address) == address_norm
            if d > PRIOR_CALL_RADIUS_M and not at:
                continue
            try:
                call_type = IncidentType(r.call_type)
            except ValueError:
                call_type = IncidentType.OTHER
            out.append(PriorCall(r.call_id, call_type, r.received_at, d, at))
        return out


class Phases:
    """Seconds spent in each step of ``brief_inputs``, by wrapping the store's lookups."""

    # _in reads persons, history and warrants by person id; what is left is cautions, residents, orders.
    STEPS = ("find_address", "prior_calls", "_links", "_in")

    def __init__(self, store: RecordsStore) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(self.STEPS, 0.0)
        for step in self.STEPS:
            setattr(store, step, self._timed(step, getattr(store, step)))

    def _timed(self, step: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[step] += time.perf_counter() - started

        return run


@dataclass
class Sample:
    lat: float
    lon: float
    address: str | None


def samples(path: Path, n: int, seed: int, net: StreetNetwork) -> list[Sample]:
    """Call locations: 80% at addresses with residents (busy ones more often), 20% random points."""
    rng = np.random.default_rng(seed + 1)
    conn = sqlite3.connect(path)
    try:
        # Weight addresses by their calls in the data, so busy addresses come up as often as calls do.
        busy = dict(
            conn.execute(
                "SELECT address, count(*) FROM calls WHERE address LIKE '%, Columbus, OH' AND address NOT LIKE '%&%'"
                " GROUP BY address"
            ).fetchall()
        )
        homes = conn.execute(
            "SELECT a.text, a.lat, a.lon FROM addresses a WHERE EXISTS "
            "(SELECT 1 FROM residences r WHERE r.agency_id = a.agency_id AND r.address_id = a.address_id)"
        ).fetchall()
    finally:
        conn.close()
    weight = np.array([1.0 + busy.get(t, 0) for t, _, _ in homes])
    at_home = rng.random(n) < 0.8
    out: list[Sample] = []
    for i, home in zip(range(n), pick_weighted(rng, weight, n).tolist(), strict=False):
        if at_home[i]:
            t, la, lo = homes[home]
            out.append(Sample(la + rng.normal(0, 5) / M_PER_DEG, lo + rng.normal(0, 5) / 85_000.0, t))
        else:
            node = int(rng.integers(0, net.node_count))
            out.append(
                Sample(
                    float(net.node_lat[node]) + rng.normal(0, 60) / M_PER_DEG,
                    float(net.node_lon[node]) + rng.normal(0, 60) / 85_000.0,
                    None,
                )
            )
    return out


@dataclass
class Run:
    ms: list[float]  # wall time, end to end
    cpu_ms: list[float]  # CPU time of this thread (SQLite runs in it too): less moved by other processes
    inputs_ms: list[float]
    briefs: list[ThreatBrief]
    prior_calls: list[int]


def measure(store: RecordsStore, points: Sequence[Sample]) -> Run:
    ms, cpu_ms, inputs_ms, briefs, prior = [], [], [], [], []
    for s in points:
        cpu = time.thread_time()
        started = time.perf_counter()
        inputs: BriefInputs = store.brief_inputs(AGENCY, lat=s.lat, lon=s.lon, address=s.address, now=NOW)
        got = time.perf_counter()
        brief = build_brief(inputs)
        ended = time.perf_counter()
        cpu_ms.append((time.thread_time() - cpu) * 1000)
        ms.append((ended - started) * 1000)
        inputs_ms.append((got - started) * 1000)
        briefs.append(brief)
        prior.append(len(inputs.prior_calls))
    return Run(ms, cpu_ms, inputs_ms, briefs, prior)


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        out = {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in FILLED}
        since = stamp_strings(np.array([PRIOR_CALL_WINDOW_DAYS * 86400.0]))[0]
        out["calls_in_window"] = int(
            conn.execute("SELECT count(*) FROM calls WHERE received_at >= ?", (since,)).fetchone()[0]
        )
        return out
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--links", type=int, default=3_000_000)
    parser.add_argument("--calls", type=int, default=5_000_000)
    parser.add_argument("--call-days", type=int, default=CALL_SPAN_DAYS, help="how far back calls reach")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--baseline-samples", type=int, default=30, help="the baseline scans; keep it small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="build the database even when cached")
    parser.add_argument("--profile", action="store_true", help="print where the time of the briefs goes")
    args = parser.parse_args()
    sizes = Sizes(args.persons, args.links, args.calls, args.call_days)
    net = default_network()
    path, build_s = ensure_database(sizes, args.seed, net, args.rebuild)
    if build_s is None:
        console.print(f"using the cached {path} (built before; --rebuild to build again)")
    counts = table_counts(path)

    db = Database(f"sqlite:///{path}")
    try:
        store = RecordsStore(db)
        points = samples(path, args.samples, args.seed, net)
        measure(store, points[: min(50, len(points))])  # warm-up: page cache, statement cache
        load_before = os.getloadavg()[0]
        phases = Phases(store)
        run = measure(store, points)
        base_points = points[: args.baseline_samples]
        load_after = os.getloadavg()[0]
        base = measure(BoxStore(db), base_points)
        same = all(
            [f.source_id for f in a.factors] == [f.source_id for f in b.factors]
            for a, b in zip(run.briefs, base.briefs, strict=False)
        )
        profile_text = ""
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            measure(RecordsStore(db), points[: min(100, len(points))])
            profiler.disable()
            buf = io.StringIO()
            pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(25)
            profile_text = buf.getvalue()
    finally:
        db.dispose()

    def stats(values: Sequence[float]) -> dict[str, float | None]:
        return {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "p99": percentile(values, 99),
            "max": max(values) if values else None,
        }

    index_ms = stats(run.ms)
    cpu_ms = stats(run.cpu_ms)
    inputs_ms = stats(run.inputs_ms)
    base_ms = stats(base.ms)
    same_points_ms = stats(run.ms[: len(base.ms)])
    n = len(run.briefs)
    result: dict[str, Any] = {
        "bench": "brief",
        "sizes": counts,
        "build_s": build_s,
        "samples": n,
        "brief_ms": index_ms,
        "brief_cpu_ms": cpu_ms,
        "cpus": os.cpu_count(),
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "inputs_ms": inputs_ms,
        "mean_factors": sum(len(b.factors) for b in run.briefs) / n,
        "mean_residents": sum(len(b.residents) for b in run.briefs) / n,
        "mean_associates": sum(len(b.associates) for b in run.briefs) / n,
        "mean_prior_calls": sum(run.prior_calls) / n,
        "max_prior_calls": max(run.prior_calls),
        "levels": {
            lv: sum(b.level.value == lv for b in run.briefs) for lv in ("low", "moderate", "high", "severe")
        },
        "phase_ms_per_brief": {k: v * 1000 / n for k, v in phases.seconds.items()},
        "baseline_samples": len(base.ms),
        "baseline_ms": base_ms,
        "indexed_ms_same_points": same_points_ms,
        "baseline_same_factors": same,
        "speedup_p50": ratio(base_ms["p50"], same_points_ms["p50"]),
        "target_p95_ms": TARGET_P95_MS,
    }
    result["met"] = bool(index_ms["p95"] is not None and index_ms["p95"] <= TARGET_P95_MS)

    console.print(
        "[bold]Threat brief on SQLite[/bold]"
        + f": {counts['persons']:,} persons, {counts['person_links']:,} links, {counts['calls']:,} calls "
        f"({counts['calls_in_window']:,} in the last {PRIOR_CALL_WINDOW_DAYS} days), "
        f"{counts['addresses']:,} addresses; {n} briefs"
    )
    if max(load_before, load_after) > 0.5 * (os.cpu_count() or 1):
        console.print(
            f"[yellow]other work on this machine: load average {load_before:.1f} / {load_after:.1f} on "
            f"{os.cpu_count()} CPUs; wall times are inflated, CPU times less so[/yellow]"
        )
    table = Table()
    for col in ("", "briefs", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(col, justify="right" if col else "left")

    def row(name: str, count: int, s: dict[str, float | None]) -> None:
        table.add_row(
            name,
            str(count),
            *(f"{s[k]:.1f}" if s[k] is not None else "-" for k in ("p50", "p95", "p99", "max")),
        )

    row("brief end to end (grid cells)", n, index_ms)
    row("  CPU time of the same", n, cpu_ms)
    row("  of which gathering inputs", n, inputs_ms)
    row("same, first points only", len(base.ms), same_points_ms)
    row("baseline: lat/lon box, no cell index", len(base.ms), base_ms)
    console.print(table)
    console.print(
        f"per brief: {result['mean_factors']:.1f} factors, {result['mean_residents']:.2f} residents, "
        f"{result['mean_associates']:.1f} associates, {result['mean_prior_calls']:.0f} prior calls "
        f"(max {result['max_prior_calls']}); levels {result['levels']}"
    )
    console.print(
        "time per brief by step: "
        + ", ".join(f"{k} {v:.1f} ms" for k, v in result["phase_ms_per_brief"].items())
        + f", building the brief {(sum(run.ms) - sum(run.inputs_ms)) / n:.1f} ms"
    )
    speed = result["speedup_p50"]
    console.print(
        f"baseline / grid cells, p50 on the same {len(base.ms)} points: {speed:.0f}x"
        if speed
        else "baseline: no numbers",
        f"(same factors: {'yes' if same else 'NO'})",
    )
    console.print(f"target (p95 <= {TARGET_P95_MS:.0f} ms): {'met' if result['met'] else 'NOT met'}")
    if profile_text:
        console.print(profile_text, markup=False)
    print("RESULT " + orjson.dumps(result).decode())


if __name__ == "__main__":
    main()

"""The street network of the simulated city, loaded from the file that ``tools/build_city.py`` writes.

Junctions are graph nodes; an edge is the stretch of one street between two junctions, with its shape
points. Routing runs A* over travel time on the junction graph, which is small enough (about 20,000
junctions) for a plain heapq implementation to answer a cross-town route in milliseconds.

House numbers come from per-edge ranges that the converter derived from a grid like Columbus's: they are
synthetic, not real addresses (see ``data/ATTRIBUTION.md``).
"""

from __future__ import annotations

import heapq
import io
import json
import math
import random
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from rtcc.domain.geo import bearing_deg

DATA_FILE = "columbus_streets.npz"
M_PER_DEG = 111_195.0  # metres per degree of latitude (mean earth radius)
HEURISTIC_MPS = 20.0  # the A* heuristic's assumed straight-line speed (see StreetNetwork.route)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# A step of a route: the edge, and True when it is driven from its ``from`` junction to its ``to``.
Step = tuple[int, bool]


@dataclass(frozen=True, slots=True)
class StreetName:
    """A street name in USPS style: prefix direction, name, suffix, post direction."""

    prd: str
    rd: str
    sts: str
    pod: str

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.prd, self.rd, self.sts, self.pod) if p)


@dataclass(frozen=True, slots=True)
class Intersection:
    node: int
    lat: float
    lon: float
    street_a: StreetName
    street_b: StreetName

    @property
    def name(self) -> str:
        return f"{self.street_a.text} & {self.street_b.text}"


@dataclass(frozen=True, slots=True)
class StreetAddress:
    """A house on a street: where it is, and the edge and fraction along it that it fronts."""

    hno: int
    street: StreetName
    lat: float
    lon: float
    edge: int
    fraction: float

    @property
    def text(self) -> str:
        return f"{self.hno} {self.street.text}"


@dataclass(slots=True)
class Polyline:
    """Points to drive through, with the speed limit (m/s) of each segment and the junctions passed."""

    lats: list[float]
    lons: list[float]
    limits: list[float]
    junctions: dict[int, int]  # point index -> junction node

    def extend(self, other: Polyline) -> None:
        """Append ``other``, whose first point repeats this polyline's last point."""
        offset = len(self.lats) - 1
        self.lats.extend(other.lats[1:])
        self.lons.extend(other.lons[1:])
        self.limits.extend(other.limits)
        for index, node in other.junctions.items():
            self.junctions[index + offset] = node


class StreetNetwork:
    """Junctions, edges, names, intersections and addresses of one city, with routing on top."""

    def __init__(self, arrays: dict[str, Any]) -> None:
        self.meta: dict[str, Any] = json.loads(str(arrays["meta"]))
        self.node_lat: FloatArray = np.cumsum(arrays["node_lat_e6"].astype(np.int64)) / 1e6
        self.node_lon: FloatArray = np.cumsum(arrays["node_lon_e6"].astype(np.int64)) / 1e6
        self.edge_from: IntArray = arrays["edge_from"].astype(np.int64)
        self.edge_to: IntArray = arrays["edge_to"].astype(np.int64)
        self.edge_oneway: IntArray = arrays["edge_oneway"].astype(np.int64)
        self.edge_class: IntArray = arrays["edge_class"].astype(np.int64)
        self.edge_name: IntArray = arrays["edge_name"].astype(np.int64)
        self.edge_maxspeed_kmh: IntArray = arrays["edge_maxspeed_kmh"].astype(np.int64)
        self.edge_length_m: FloatArray = arrays["edge_length_m"].astype(np.float64)
        self.edge_hno_from: IntArray = arrays["edge_hno_from"].astype(np.int64)
        self.edge_hno_to: IntArray = arrays["edge_hno_to"].astype(np.int64)
        self.classes: list[str] = [str(c) for c in arrays["classes"]]
        self.names: list[StreetName] = [
            StreetName(str(a), str(b), str(c), str(d))
            for a, b, c, d in zip(
                arrays["name_prd"], arrays["name_rd"], arrays["name_sts"], arrays["name_pod"], strict=True
            )
        ]
        self._load_shapes(arrays)
        self._build_adjacency()
        self._lat_list: list[float] = self.node_lat.tolist()
        self._lon_list: list[float] = self.node_lon.tolist()
        self.intersections: list[Intersection] = [
            Intersection(
                int(n),
                float(self.node_lat[n]),
                float(self.node_lon[n]),
                self.names[int(a)],
                self.names[int(b)],
            )
            for n, a, b in zip(arrays["ix_node"], arrays["ix_name_a"], arrays["ix_name_b"], strict=True)
        ]
        self.tagged_addresses: list[tuple[float, float, str, StreetName]] = [
            (int(la) / 1e6, int(lo) / 1e6, str(h), self.names[int(n)])
            for la, lo, h, n in zip(
                arrays["addr_lat_e6"],
                arrays["addr_lon_e6"],
                arrays["addr_hno"],
                arrays["addr_name"],
                strict=True,
            )
        ]
        # Addressable edges, with cumulative length so that a uniform draw picks a house uniformly by frontage.
        addressed = np.flatnonzero((self.edge_hno_from > 0) & (self.edge_name >= 0))
        self.addressed_edges: IntArray = addressed
        self._addressed_cum: FloatArray = np.cumsum(self.edge_length_m[addressed])
        self.lat0 = float(self.node_lat.mean())
        self.lon0 = float(self.node_lon.mean())
        self.m_per_deg_lon = M_PER_DEG * math.cos(math.radians(self.lat0))

    # Loading ------------------------------------------------------------------------------------------

    def _load_shapes(self, arrays: dict[str, Any]) -> None:
        """Full polylines per edge (ends included), as flat arrays with an offset per edge."""
        counts = arrays["edge_shape_count"].astype(np.int64)
        n_edges = len(counts)
        starts = np.zeros(n_edges + 1, dtype=np.int64)
        np.cumsum(counts + 2, out=starts[1:])
        node_lat_e6 = np.rint(self.node_lat * 1e6).astype(np.int64)
        node_lon_e6 = np.rint(self.node_lon * 1e6).astype(np.int64)
        # Shape points are deltas chained from each edge's first junction; rebuild them with one cumsum
        # per edge run by seeding each run with the absolute position of the junction.
        seed_lat = np.zeros(int(starts[-1]), dtype=np.int64)
        seed_lon = np.zeros(int(starts[-1]), dtype=np.int64)
        first = starts[:-1]
        last = starts[1:] - 1
        inner = np.ones(int(starts[-1]), dtype=bool)
        inner[first] = False
        inner[last] = False
        seed_lat[first] = node_lat_e6[self.edge_from]
        seed_lon[first] = node_lon_e6[self.edge_from]
        seed_lat[inner] = arrays["shape_dlat_e6"].astype(np.int64)
        seed_lon[inner] = arrays["shape_dlon_e6"].astype(np.int64)
        run_lat = np.cumsum(seed_lat)
        run_lon = np.cumsum(seed_lon)
        base_lat = np.repeat(run_lat[first] - seed_lat[first], counts + 2)
        base_lon = np.repeat(run_lon[first] - seed_lon[first], counts + 2)
        lat_e6 = run_lat - base_lat
        lon_e6 = run_lon - base_lon
        lat_e6[last] = node_lat_e6[self.edge_to]
        lon_e6[last] = node_lon_e6[self.edge_to]
        self.shape_start: IntArray = starts
        self.shape_lat: FloatArray = lat_e6 / 1e6
        self.shape_lon: FloatArray = lon_e6 / 1e6

    def _build_adjacency(self) -> None:
        """Outgoing arcs per junction as plain lists: (edge, next junction, seconds at the limit)."""
        self.out_arcs: list[list[tuple[int, int, float, bool]]] = [[] for _ in range(len(self.node_lat))]
        seconds = self.edge_length_m / (self.edge_maxspeed_kmh / 3.6)
        for e, (u, v, oneway, s) in enumerate(
            zip(
                self.edge_from.tolist(),
                self.edge_to.tolist(),
                self.edge_oneway.tolist(),
                seconds.tolist(),
                strict=True,
            )
        ):
            self.out_arcs[u].append((e, v, s, True))
            if not oneway:
                self.out_arcs[v].append((e, u, s, False))

    @property
    def node_count(self) -> int:
        return len(self.node_lat)

    @property
    def edge_count(self) -> int:
        return len(self.edge_from)

    # Geometry -----------------------------------------------------------------------------------------

    def to_xy(self, lat: float, lon: float) -> tuple[float, float]:
        """Local metres east and north of the network's centre (equirectangular; fine over one city)."""
        return (lon - self.lon0) * self.m_per_deg_lon, (lat - self.lat0) * M_PER_DEG

    def from_xy(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / M_PER_DEG, self.lon0 + x / self.m_per_deg_lon

    def edge_points(self, edge: int, forward: bool = True) -> tuple[list[float], list[float]]:
        a, b = int(self.shape_start[edge]), int(self.shape_start[edge + 1])
        lats = self.shape_lat[a:b].tolist()
        lons = self.shape_lon[a:b].tolist()
        if not forward:
            lats.reverse()
            lons.reverse()
        return lats, lons

    def edge_limit_mps(self, edge: int) -> float:
        return float(self.edge_maxspeed_kmh[edge]) / 3.6

    def street_name(self, edge: int) -> StreetName | None:
        index = int(self.edge_name[edge])
        return self.names[index] if index >= 0 else None

    def point_on_edge(self, edge: int, fraction: float) -> tuple[float, float, float, int]:
        """The point ``fraction`` of the way along an edge: lat, lon, bearing, and the shape segment index."""
        lats, lons = self.edge_points(edge)
        seg = [self._seg_m(lats[i], lons[i], lats[i + 1], lons[i + 1]) for i in range(len(lats) - 1)]
        target = max(0.0, min(1.0, fraction)) * sum(seg)
        for i, length in enumerate(seg):
            if target <= length or i == len(seg) - 1:
                f = 0.0 if length <= 0 else min(1.0, target / length)
                lat = lats[i] + (lats[i + 1] - lats[i]) * f
                lon = lons[i] + (lons[i + 1] - lons[i]) * f
                return lat, lon, bearing_deg(lats[i], lons[i], lats[i + 1], lons[i + 1]), i
            target -= length
        raise AssertionError("unreachable: an edge has at least one segment")

    def _seg_m(self, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        return math.hypot((lon2 - lon1) * self.m_per_deg_lon, (lat2 - lat1) * M_PER_DEG)

    def distance_m(self, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        return self._seg_m(lat1, lon1, lat2, lon2)

    def nearest_node(self, lat: float, lon: float) -> int:
        dx = (self.node_lon - lon) * self.m_per_deg_lon
        dy = (self.node_lat - lat) * M_PER_DEG
        return int(np.argmin(dx * dx + dy * dy))

    def nodes_within(self, lat: float, lon: float, radius_m: float) -> IntArray:
        dx = (self.node_lon - lon) * self.m_per_deg_lon
        dy = (self.node_lat - lat) * M_PER_DEG
        return np.flatnonzero(dx * dx + dy * dy <= radius_m * radius_m)

    @cached_property
    def _segments(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
        """Every shape segment in local metres, for nearest-edge queries."""
        x, y = (self.shape_lon - self.lon0) * self.m_per_deg_lon, (self.shape_lat - self.lat0) * M_PER_DEG
        is_start = np.ones(len(x) - 1, dtype=bool)
        is_start[self.shape_start[1:-1] - 1] = (
            False  # a segment never joins the last point of one edge to the next
        )
        idx = np.flatnonzero(is_start)
        edge_of_point = np.repeat(np.arange(self.edge_count), np.diff(self.shape_start))
        return x[idx], y[idx], x[idx + 1], y[idx + 1], edge_of_point[idx]

    @cached_property
    def node_class(self) -> IntArray:
        """The most important road class (lowest rank) meeting at each junction."""
        best = np.full(self.node_count, len(self.classes), dtype=np.int64)
        np.minimum.at(best, self.edge_from, self.edge_class)
        np.minimum.at(best, self.edge_to, self.edge_class)
        return best

    def class_ranks(self, names: Collection[str]) -> set[int]:
        """The ranks (indices into ``classes``) of the named road classes."""
        return {i for i, c in enumerate(self.classes) if c in names}

    def nearest_edge(self, lat: float, lon: float) -> tuple[int, float]:
        """The edge closest to a point and the distance to it in metres."""
        x1, y1, x2, y2, edges = self._segments
        px, py = self.to_xy(lat, lon)
        dx, dy = x2 - x1, y2 - y1
        denom = np.maximum(dx * dx + dy * dy, 1e-9)
        t = np.clip(((px - x1) * dx + (py - y1) * dy) / denom, 0.0, 1.0)
        d2 = (x1 + t * dx - px) ** 2 + (y1 + t * dy - py) ** 2
        i = int(np.argmin(d2))
        return int(edges[i]), float(math.sqrt(d2[i]))

    # Routing ------------------------------------------------------------------------------------------

    def route(self, source: int, target: int) -> list[Step] | None:
        """A fast route at the speed limits (A*), as steps; None when unreachable; [] when already there.

        The heuristic assumes an average of ``HEURISTIC_MPS`` straight towards the target. That is faster
        than most city driving, so routes are close to the fastest, and it keeps the search narrow enough
        for a dispatch to cost about a millisecond.
        """
        if source == target:
            return []
        lats, lons = self._lat_list, self._lon_list
        lat_t, lon_t = lats[target], lons[target]
        kx, ky = self.m_per_deg_lon / HEURISTIC_MPS, M_PER_DEG / HEURISTIC_MPS
        hypot = math.hypot
        best = [math.inf] * len(lats)
        best[source] = 0.0
        came: dict[int, tuple[int, int, bool]] = {}
        heap: list[tuple[float, float, int]] = [(0.0, 0.0, source)]
        out_arcs = self.out_arcs
        push, pop = heapq.heappush, heapq.heappop
        while heap:
            _, g, node = pop(heap)
            if node == target:
                steps: list[Step] = []
                while node != source:
                    prev, edge, forward = came[node]
                    steps.append((edge, forward))
                    node = prev
                steps.reverse()
                return steps
            if g > best[node]:
                continue
            for edge, nxt, seconds, forward in out_arcs[node]:
                cost = g + seconds
                if cost < best[nxt]:
                    best[nxt] = cost
                    came[nxt] = (node, edge, forward)
                    push(heap, (cost + hypot((lons[nxt] - lon_t) * kx, (lats[nxt] - lat_t) * ky), cost, nxt))
        return None

    def step_end(self, step: Step) -> int:
        edge, forward = step
        return int(self.edge_to[edge] if forward else self.edge_from[edge])

    def polyline(self, start: int, steps: list[Step]) -> Polyline:
        """The drivable geometry of a route that starts at junction ``start``."""
        line = Polyline([float(self.node_lat[start])], [float(self.node_lon[start])], [], {0: start})
        for edge, forward in steps:
            lats, lons = self.edge_points(edge, forward)
            limit = self.edge_limit_mps(edge)
            line.lats.extend(lats[1:])
            line.lons.extend(lons[1:])
            line.limits.extend([limit] * (len(lats) - 1))
            line.junctions[len(line.lats) - 1] = self.step_end((edge, forward))
        return line

    def partial_edge(self, edge: int, fraction: float) -> Polyline:
        """From the edge's ``from`` junction to the point ``fraction`` along it."""
        lat, lon, _, seg = self.point_on_edge(edge, fraction)
        lats, lons = self.edge_points(edge)
        limit = self.edge_limit_mps(edge)
        pts_lat = [*lats[: seg + 1], lat]
        pts_lon = [*lons[: seg + 1], lon]
        return Polyline(pts_lat, pts_lon, [limit] * (len(pts_lat) - 1), {0: int(self.edge_from[edge])})

    def random_walk(
        self,
        start: int,
        rng: random.Random,
        n_steps: int,
        came_by: int = -1,
        home: tuple[float, float] | None = None,
        radius_m: float = 1500.0,
    ) -> list[Step]:
        """A patrol-like wander: no U-turns unless stuck, local streets preferred, drawn back toward home."""
        steps: list[Step] = []
        node = start
        for _ in range(n_steps):
            arcs = [a for a in self.out_arcs[node] if a[0] != came_by] or self.out_arcs[node]
            here = (
                self.distance_m(float(self.node_lat[node]), float(self.node_lon[node]), *home)
                if home
                else 0.0
            )
            weights = []
            for edge, nxt, _, _ in arcs:
                w = PATROL_WEIGHT.get(self.classes[int(self.edge_class[edge])], 0.5)
                if home is not None and here > radius_m:
                    there = self.distance_m(float(self.node_lat[nxt]), float(self.node_lon[nxt]), *home)
                    w *= 6.0 if there < here else 0.5
                weights.append(w)
            edge, nxt, _, forward = rng.choices(arcs, weights)[0]
            steps.append((edge, forward))
            came_by, node = edge, nxt
        return steps

    # Addresses ----------------------------------------------------------------------------------------

    def address_on_edge(self, edge: int, fraction: float, odd_side: bool) -> StreetAddress:
        name = self.street_name(edge)
        if name is None or self.edge_hno_from[edge] == 0:
            raise ValueError(f"edge {edge} has no addresses")
        lo, hi = int(self.edge_hno_from[edge]), int(self.edge_hno_to[edge])
        hno = round(lo + (hi - lo) * fraction)
        # Odd numbers on one side, even on the other, as US streets do.
        if hno % 2 != (1 if odd_side else 0):
            hno += 1 if hno < max(lo, hi) or hno <= 1 else -1
        lat, lon, _, _ = self.point_on_edge(edge, fraction)
        return StreetAddress(max(1, hno), name, lat, lon, edge, fraction)

    def random_address(
        self, rng: random.Random, near: tuple[float, float] | None = None, radius_m: float = 600.0
    ) -> StreetAddress:
        """A house drawn uniformly by street frontage, city-wide or within ``radius_m`` of ``near``."""
        if near is not None:
            for _ in range(20):
                ang, r = rng.uniform(0, 2 * math.pi), radius_m * math.sqrt(rng.random())
                node = self.nearest_node(
                    near[0] + r * math.cos(ang) / M_PER_DEG, near[1] + r * math.sin(ang) / self.m_per_deg_lon
                )
                edges = [
                    a[0]
                    for a in self.out_arcs[node]
                    if self.edge_hno_from[a[0]] > 0 and self.edge_name[a[0]] >= 0
                ]
                if edges:
                    return self.address_on_edge(rng.choice(edges), rng.uniform(0.1, 0.9), rng.random() < 0.5)
        pick = rng.uniform(0.0, float(self._addressed_cum[-1]))
        edge = int(
            self.addressed_edges[
                min(int(np.searchsorted(self._addressed_cum, pick)), len(self.addressed_edges) - 1)
            ]
        )
        return self.address_on_edge(edge, rng.uniform(0.1, 0.9), rng.random() < 0.5)


# How much a patrolling unit prefers each road class when it picks the next street.
PATROL_WEIGHT = {
    "primary": 1.5,
    "secondary": 1.5,
    "tertiary": 1.5,
    "residential": 1.0,
    "unclassified": 1.0,
    "living_street": 0.5,
    "service": 0.3,
    "motorway": 0.05,
    "trunk": 0.3,
}


def load_network(data: bytes | None = None) -> StreetNetwork:
    """Load the shipped Columbus network (or a network file's bytes)."""
    if data is None:
        data = resources.files("rtcc.sim").joinpath("data", DATA_FILE).read_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    return StreetNetwork(arrays)

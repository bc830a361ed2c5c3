"""Driving-time ranking of units to an incident over the city's road graph.

The graph is given as plain arrays (junctions, edges, optional edge shapes), the way the street network file
stores them, so this module needs nothing but numpy and scipy. Everything that does not depend on a query is
built once in :meth:`RoadGraph.from_arrays`: a local metric frame, a k-d tree over short pieces of every edge
for snapping, and the reverse graph of travel times in CSR form (one copy at the speed limits, one for
lights and sirens).

A position is snapped to the nearest point on the nearest edge. A unit may be on any road; the place it is
sent to (an incident, a route's destination) is snapped only to roads where a place can be: a caller beside
a motorway is on the street next to it, not on the carriageway (``edge_addressable``). From there a unit drives the rest of its
edge to one of the edge's junctions (only the forward end on a one-way edge); the incident is reached the
same way from the junction(s) of its own edge. The stretch between a position and its road is covered at a
walking-and-parking pace (``OFF_ROAD_MPS``), so a unit 300 m from any road is not taken to be on one.

Ranking runs one shortest-path search from the incident over the reversed graph, which gives every
junction's driving time *to* the incident at once; a unit's ETA is then the time to leave its edge plus the
time from that junction. The search is first bounded to a short horizon, which usually already holds the
closest units, and repeated without a bound only when it does not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from rtcc.domain.geo import haversine_m

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

M_PER_DEG: Final = 111_195.0  # metres per degree of latitude (mean earth radius)

# From a position to the road and from the road to the incident: the crew pulls out of a car park or walks
# the last stretch. Slow on purpose, so that distance from the road costs time rather than being ignored.
OFF_ROAD_MPS: Final = 5.0

# Lights and sirens: traffic yields and red lights can be crossed with care, so a unit keeps nearer its top
# speed, but the roads do not get much faster. Savings reported for emergency driving in cities are modest,
# so speeds go up by a moderate 30% (23% less time on each street), never above URGENT_MAX_SPEED_MPS, about
# what a patrol car can hold on a motorway. Since the factor is the same on most streets it changes the ETAs
# shown more than the order of the units.
URGENT_SPEED_FACTOR: Final = 1.3
URGENT_MAX_SPEED_MPS: Final = 130.0 / 3.6

# A position this close to an edge's end is at the junction: it may leave or be reached in any direction,
# even where the edge it snapped to is one-way.
JUNCTION_TOLERANCE_M: Final = 1.0

# A unit this close to the incident in a straight line is on scene: it gets there on foot (at the off-road
# pace) whatever the roads between them say.
ON_SCENE_M: Final = 30.0

# Positions farther than this from every road are not on the road graph at all (a bad fix, another city).
DEFAULT_MAX_SNAP_M: Final = 2000.0

# The first search stops at this driving time; with units spread over the city it usually holds the
# closest ones, and costs a fraction of a search over the whole graph.
FIRST_HORIZON_S: Final = 360.0

# route() first searches up to this base plus the straight-line distance at this (slow) speed.
ROUTE_HORIZON_BASE_S: Final = 120.0
ROUTE_HORIZON_MPS: Final = 4.0

# The snapping index: edges are cut into pieces of at most this length and the k-d tree holds their
# midpoints; a query looks at the nearest SNAP_CANDIDATES pieces and checks that no closer edge can hide
# behind them (see RoadGraph._snap).
_PIECE_M: Final = 25.0
_SNAP_CANDIDATES: Final = 8


@dataclass(frozen=True, slots=True)
class UnitPosition:
    unit_id: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class UnitEta:
    """A unit's driving time and distance to an incident.

    ``route_m`` is the distance driven plus the short legs between each end and its road. ``path`` is the
    route as (lat, lon) points from the unit to the incident, filled only when asked for.
    """

    unit_id: str
    eta_s: float
    route_m: float
    straight_m: float
    path: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """A route for the map: (lat, lon) points from start to end, its driving time and distance."""

    points: tuple[tuple[float, float], ...]
    eta_s: float
    route_m: float


@dataclass(frozen=True, slots=True)
class _Snap:
    """Where positions meet the road: one entry per position, as arrays."""

    edge: IntArray
    segment: IntArray  # index into the graph's segment arrays
    fraction: FloatArray  # 0 at the edge's from-junction, 1 at its to-junction
    t: FloatArray  # position along the segment, 0..1
    off_m: FloatArray  # straight distance from the position to the road
    x: FloatArray  # the position itself, in the graph's local frame (m)
    y: FloatArray

    def take(self, which: npt.NDArray[np.int64] | npt.NDArray[np.bool_] | slice) -> _Snap:
        return _Snap(
            self.edge[which],
            self.segment[which],
            self.fraction[which],
            self.t[which],
            self.off_m[which],
            self.x[which],
            self.y[which],
        )


# How a unit gets to the incident (see RoadGraph._etas).
_VIA_TO, _VIA_FROM, _ALONG, _ON_FOOT = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class _Search:
    """One search from an incident: every junction's time to it, and the way there."""

    seconds: FloatArray  # per junction; inf when unreachable or beyond the horizon
    pred: npt.NDArray[np.int32]  # next junction towards the incident; the source node at the edge ends
    horizon_s: float  # inf for a complete search
    arc_of: dict[int, tuple[int, bool]]  # the searched graph's arcs (see _Reversed)


@dataclass(frozen=True, slots=True)
class _Reversed:
    """The reversed graph of travel times in CSR form, with the search's source as the last row."""

    indptr: npt.NDArray[np.int32]
    indices: npt.NDArray[np.int32]
    seconds: FloatArray
    arc_of: dict[int, tuple[int, bool]]  # row * (junctions + 1) + column -> (edge, driven forward)


@dataclass(frozen=True, slots=True)
class _Tables:
    """Everything :meth:`RoadGraph.from_arrays` precomputes; read-only."""

    lat0: float
    lon0: float
    m_per_deg_lon: float
    edge_from: IntArray
    edge_to: IntArray
    edge_oneway: npt.NDArray[np.bool_]
    edge_length_m: FloatArray
    edge_seconds: tuple[FloatArray, FloatArray]  # at the limit, urgent
    shape_start: IntArray
    shape_lat: FloatArray
    shape_lon: FloatArray
    seg_x1: FloatArray  # segments: first point, in the local frame (m)
    seg_y1: FloatArray
    seg_dx: FloatArray  # and the step to the second point
    seg_dy: FloatArray
    seg_len: FloatArray
    seg_edge: IntArray
    seg_p0: IntArray  # index of the segment's first point in the shape arrays
    seg_along: FloatArray  # shape length from the edge's start to the segment's start
    edge_geo_len: FloatArray  # shape length of each edge
    piece_seg: IntArray  # the segment each k-d tree point (piece midpoint) belongs to
    piece_half_m: float
    tree: cKDTree
    # The same over the pieces of addressable edges only (the places units are sent to).
    place_piece_seg: IntArray
    place_tree: cKDTree
    graphs: tuple[_Reversed, _Reversed]  # at the limit, urgent


class RoadGraph:
    """A road graph that ranks units by driving time to a point and draws the route between two points.

    Build it with :meth:`from_arrays`. It is read-only after that, so one instance can serve many threads.
    """

    def __init__(self, node_count: int, edge_count: int, max_snap_m: float, tables: _Tables) -> None:
        """Use :meth:`from_arrays`."""
        self.node_count = node_count
        self.edge_count = edge_count
        self.max_snap_m = max_snap_m
        self._t = tables

    # Building -----------------------------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls,
        node_lat: npt.NDArray[np.floating[Any]],
        node_lon: npt.NDArray[np.floating[Any]],
        edge_from: npt.NDArray[np.integer[Any]],
        edge_to: npt.NDArray[np.integer[Any]],
        edge_oneway: npt.NDArray[np.integer[Any]] | npt.NDArray[np.bool_],
        edge_length_m: npt.NDArray[np.floating[Any]],
        edge_speed_mps: npt.NDArray[np.floating[Any]],
        shape_start: npt.NDArray[np.integer[Any]] | None = None,
        shape_lat: npt.NDArray[np.floating[Any]] | None = None,
        shape_lon: npt.NDArray[np.floating[Any]] | None = None,
        *,
        edge_addressable: npt.NDArray[np.bool_] | None = None,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
    ) -> RoadGraph:
        """A graph from junction coordinates and edges.

        Edges run from ``edge_from`` to ``edge_to`` and are driven both ways unless ``edge_oneway`` is set.
        ``edge_speed_mps`` is the speed limit. The optional shapes give each edge's full polyline, ends
        included, as ``shape_lat[shape_start[e]:shape_start[e + 1]]`` (and the same for longitude); without
        them an edge is the straight line between its junctions. ``edge_addressable`` marks the edges a
        destination may snap to (all by default); motorways and their ramps are the usual exceptions.
        """
        lat = np.asarray(node_lat, dtype=np.float64)
        lon = np.asarray(node_lon, dtype=np.float64)
        e_from = np.asarray(edge_from, dtype=np.int64)
        e_to = np.asarray(edge_to, dtype=np.int64)
        oneway = np.asarray(edge_oneway).astype(bool)
        length = np.asarray(edge_length_m, dtype=np.float64)
        speed = np.asarray(edge_speed_mps, dtype=np.float64)
        n, m = len(lat), len(e_from)
        if n == 0 or m == 0:
            raise ValueError("a road graph needs at least one junction and one edge")
        if len(lon) != n:
            raise ValueError("node_lat and node_lon differ in length")
        if any(len(x) != m for x in (e_to, oneway, length, speed)):
            raise ValueError("the edge arrays differ in length")
        if e_from.min() < 0 or e_to.min() < 0 or e_from.max() >= n or e_to.max() >= n:
            raise ValueError("an edge names a junction that does not exist")
        if not np.all(np.isfinite(length) & (length >= 0)):
            raise ValueError("edge lengths must be finite and not negative")
        if not np.all(np.isfinite(speed) & (speed > 0)):
            raise ValueError("edge speeds must be finite and positive")
        if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
            raise ValueError("junction coordinates must be finite")
        addressable = np.ones(m, dtype=bool) if edge_addressable is None else np.asarray(edge_addressable)
        if addressable.dtype != np.bool_ or len(addressable) != m:
            raise ValueError("edge_addressable must hold one true or false per edge")
        if not addressable.any():
            raise ValueError("at least one edge must be addressable")

        if shape_start is None or shape_lat is None or shape_lon is None:
            if not (shape_start is None and shape_lat is None and shape_lon is None):
                raise ValueError("give all three shape arrays or none")
            starts = np.arange(0, 2 * m + 1, 2, dtype=np.int64)
            s_lat = np.column_stack([lat[e_from], lat[e_to]]).ravel()
            s_lon = np.column_stack([lon[e_from], lon[e_to]]).ravel()
        else:
            starts = np.asarray(shape_start, dtype=np.int64)
            s_lat = np.asarray(shape_lat, dtype=np.float64)
            s_lon = np.asarray(shape_lon, dtype=np.float64)
            if len(starts) != m + 1 or starts[0] != 0 or starts[-1] != len(s_lat) or len(s_lon) != len(s_lat):
                raise ValueError("shape_start must have one offset per edge plus the end of the shape arrays")
            if np.any(np.diff(starts) < 2):
                raise ValueError("every edge shape needs at least its two ends")

        lat0, lon0 = float(lat.mean()), float(lon.mean())
        m_per_deg_lon = M_PER_DEG * math.cos(math.radians(lat0))
        px = (s_lon - lon0) * m_per_deg_lon
        py = (s_lat - lat0) * M_PER_DEG

        # Segments: consecutive shape points of the same edge.
        is_seg = np.ones(len(px) - 1, dtype=bool)
        is_seg[starts[1:-1] - 1] = False
        p0 = np.flatnonzero(is_seg).astype(np.int64)
        seg_edge = np.repeat(np.arange(m, dtype=np.int64), np.diff(starts) - 1)
        seg_dx, seg_dy = px[p0 + 1] - px[p0], py[p0 + 1] - py[p0]
        seg_len = np.hypot(seg_dx, seg_dy)
        cum = np.cumsum(seg_len)
        first_seg = starts[:-1] - np.arange(m)  # each edge's first segment index
        before_edge = np.concatenate([[0.0], cum])[first_seg]
        seg_along = np.concatenate([[0.0], cum[:-1]]) - before_edge[seg_edge]
        edge_geo_len = np.add.reduceat(seg_len, first_seg)

        # Pieces of at most _PIECE_M, indexed by their midpoints.
        n_pieces = np.maximum(1, np.ceil(seg_len / _PIECE_M)).astype(np.int64)
        piece_seg = np.repeat(np.arange(len(p0), dtype=np.int64), n_pieces)
        piece_k = np.arange(len(piece_seg)) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
        piece_t = (piece_k + 0.5) / n_pieces[piece_seg]
        mid = np.column_stack(
            [px[p0][piece_seg] + piece_t * seg_dx[piece_seg], py[p0][piece_seg] + piece_t * seg_dy[piece_seg]]
        )
        tree = cKDTree(mid)
        piece_half_m = float(np.max(seg_len / n_pieces)) / 2.0
        if addressable.all():
            place_piece_seg, place_tree = piece_seg, tree
        else:
            keep = addressable[seg_edge[piece_seg]]
            place_piece_seg, place_tree = piece_seg[keep], cKDTree(mid[keep])

        # Travel times at the limit and with lights and sirens.
        seconds = length / speed
        urgent_speed = np.minimum(speed * URGENT_SPEED_FACTOR, np.maximum(speed, URGENT_MAX_SPEED_MPS))
        urgent_seconds = length / urgent_speed

        normal = _reversed_graph(n, e_from, e_to, oneway, seconds)
        urgent = _reversed_graph(n, e_from, e_to, oneway, urgent_seconds)

        tables = _Tables(
            lat0=lat0,
            lon0=lon0,
            m_per_deg_lon=m_per_deg_lon,
            edge_from=e_from,
            edge_to=e_to,
            edge_oneway=oneway,
            edge_length_m=length,
            edge_seconds=(seconds, urgent_seconds),
            shape_start=starts,
            shape_lat=s_lat,
            shape_lon=s_lon,
            seg_x1=px[p0],
            seg_y1=py[p0],
            seg_dx=seg_dx,
            seg_dy=seg_dy,
            seg_len=seg_len,
            seg_edge=seg_edge,
            seg_p0=p0,
            seg_along=seg_along,
            edge_geo_len=edge_geo_len,
            piece_seg=piece_seg,
            piece_half_m=piece_half_m,
            tree=tree,
            place_piece_seg=place_piece_seg,
            place_tree=place_tree,
            graphs=(normal, urgent),
        )
        for value in (*(getattr(tables, name) for name in tables.__slots__), normal, urgent):
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, np.ndarray):
                    item.flags.writeable = False
        return cls(n, m, float(max_snap_m), tables)

    # Queries ------------------------------------------------------------------------------------------

    def rank_units(
        self,
        lat: float,
        lon: float,
        units: Sequence[UnitPosition],
        limit: int = 10,
        urgent: bool = False,
        *,
        with_paths: bool = False,
    ) -> list[UnitEta]:
        """The ``limit`` units with the shortest driving time to (lat, lon), fastest first.

        Ties are broken by unit id. Units that cannot reach the point, and units (or an incident) farther
        than ``max_snap_m`` from every road, are left out. ``urgent`` ranks for lights and sirens
        (``URGENT_SPEED_FACTOR``). With ``with_paths`` each result carries its route as (lat, lon) points.
        """
        if limit <= 0 or not units or not (math.isfinite(lat) and math.isfinite(lon)):
            return []
        inc = self._snap(np.array([lat]), np.array([lon]), place=True)
        if not inc.off_m[0] <= self.max_snap_m:
            return []
        ulat = np.fromiter((u.lat for u in units), dtype=np.float64, count=len(units))
        ulon = np.fromiter((u.lon for u in units), dtype=np.float64, count=len(units))
        ok = np.flatnonzero(np.isfinite(ulat) & np.isfinite(ulon))
        if len(ok) == 0:
            return []
        snap = self._snap(ulat[ok], ulon[ok])
        near = snap.off_m <= self.max_snap_m
        ok, snap = ok[near], snap.take(near)
        if len(ok) == 0:
            return []

        # A bounded search is exact for every junction within its horizon, so when at least ``limit`` units
        # arrive within the horizon, no unit beyond it can belong in the answer.
        horizon = FIRST_HORIZON_S if len(ok) > limit else math.inf
        while True:
            search = self._search(inc, urgent, horizon)
            eta, how = self._etas(inc, snap, search, urgent)
            if math.isinf(horizon) or np.count_nonzero(eta <= horizon) >= limit:
                break
            horizon = math.inf

        eta_list: list[float] = eta.tolist()
        ids = [units[j].unit_id for j in ok.tolist()]
        found = np.flatnonzero(np.isfinite(eta)).tolist()
        best = sorted(found, key=lambda i: (eta_list[i], ids[i]))[:limit]
        out: list[UnitEta] = []
        for i in best:
            unit = units[int(ok[i])]
            route_m, path = self._trace(snap, i, inc, search, int(how[i]), with_paths)
            out.append(
                UnitEta(
                    unit_id=unit.unit_id,
                    eta_s=eta_list[i],
                    route_m=route_m,
                    straight_m=haversine_m(unit.lat, unit.lon, lat, lon),
                    path=None if path is None else _joined((unit.lat, unit.lon), path, (lat, lon)),
                )
            )
        return out

    def route(
        self, from_lat: float, from_lon: float, to_lat: float, to_lon: float, *, urgent: bool = False
    ) -> Route | None:
        """The fastest route between two points, for the map; None when there is none or a point is off
        the road graph (farther than ``max_snap_m`` from every road).

        The points run from (from_lat, from_lon) through where it meets the road, along the roads, to
        where the destination meets the road and the destination itself.
        """
        if not all(math.isfinite(v) for v in (from_lat, from_lon, to_lat, to_lon)):
            return None
        start = self._snap(np.array([from_lat]), np.array([from_lon]))
        inc = self._snap(np.array([to_lat]), np.array([to_lon]), place=True)
        if not (start.off_m[0] <= self.max_snap_m and inc.off_m[0] <= self.max_snap_m):
            return None
        # Most trips take less than this; a search bounded to it is exact for a trip that arrives within it.
        straight_m = math.hypot(float(start.x[0] - inc.x[0]), float(start.y[0] - inc.y[0]))
        horizon = ROUTE_HORIZON_BASE_S + straight_m / ROUTE_HORIZON_MPS
        while True:
            search = self._search(inc, urgent, horizon)
            eta, how = self._etas(inc, start, search, urgent)
            if math.isinf(horizon) or eta[0] <= horizon:
                break
            horizon = math.inf
        if not math.isfinite(float(eta[0])):
            return None
        route_m, path = self._trace(start, 0, inc, search, int(how[0]), True)
        assert path is not None
        return Route(_joined((from_lat, from_lon), path, (to_lat, to_lon)), float(eta[0]), route_m)

    # Internals ----------------------------------------------------------------------------------------

    def _snap(self, lat: FloatArray, lon: FloatArray, *, place: bool = False) -> _Snap:
        """The nearest point on the nearest edge for each position (of the addressable edges, for a
        ``place`` units are sent to).

        The k-d tree gives the nearest piece midpoints. The true nearest segment has a piece whose midpoint
        lies within (its distance + half a piece) of the position, so once the farthest candidate midpoint
        is farther than (best distance found + half a piece), nothing closer was missed. The few positions
        for which that does not hold (where many streets meet) are looked at again with more candidates,
        and the rarer ones still in doubt with a radius query.
        """
        x = (lon - self._t.lon0) * self._t.m_per_deg_lon
        y = (lat - self._t.lat0) * M_PER_DEG
        tree, piece_seg = (
            (self._t.place_tree, self._t.place_piece_seg) if place else (self._t.tree, self._t.piece_seg)
        )
        seg, t_best, d_best, unsure = self._nearest_of(tree, piece_seg, x, y, _SNAP_CANDIDATES)
        if len(unsure):
            seg2, t2, d2, unsure2 = self._nearest_of(
                tree, piece_seg, x[unsure], y[unsure], 8 * _SNAP_CANDIDATES
            )
            seg[unsure], t_best[unsure], d_best[unsure] = seg2, t2, d2
            for i in unsure[unsure2].tolist():
                found = tree.query_ball_point((x[i], y[i]), r=float(d_best[i]) + self._t.piece_half_m)
                cand = np.unique(piece_seg[np.asarray(found, dtype=np.int64)])
                ct, cd = self._project(x[i : i + 1], y[i : i + 1], cand)
                j = int(np.argmin(cd))
                seg[i], t_best[i], d_best[i] = cand[j], ct[j], cd[j]
        edge = self._t.seg_edge[seg]
        geo = self._t.edge_geo_len[edge]
        along = self._t.seg_along[seg] + t_best * self._t.seg_len[seg]
        fraction = np.where(geo > 0, np.clip(along / np.where(geo > 0, geo, 1.0), 0.0, 1.0), 0.0)
        return _Snap(edge, seg, fraction, t_best, d_best, x, y)

    def _nearest_of(
        self, tree: cKDTree, piece_seg: IntArray, x: FloatArray, y: FloatArray, k: int
    ) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
        """The nearest segment among those of the ``k`` nearest pieces: segment, position along it and
        distance to it per point, and the indices of the points for which a closer one may have been
        missed."""
        k = min(k, len(piece_seg))
        mid_d, piece = tree.query(np.column_stack([x, y]), k=list(range(1, k + 1)))
        segs = piece_seg[piece]
        t, d = self._project(x[:, None], y[:, None], segs)
        best = np.argmin(d, axis=1)
        rows = np.arange(len(x))
        d_best = d[rows, best]
        if k == len(piece_seg):
            unsure = np.zeros(0, dtype=np.int64)  # every piece was a candidate
        else:
            unsure = np.flatnonzero(mid_d[:, -1] <= d_best + self._t.piece_half_m).astype(np.int64)
        return segs[rows, best], t[rows, best], d_best, unsure

    def _project(self, x: FloatArray, y: FloatArray, segs: IntArray) -> tuple[FloatArray, FloatArray]:
        """Position along, and distance to, each segment in ``segs`` (arrays broadcast together)."""
        x1, y1 = self._t.seg_x1[segs], self._t.seg_y1[segs]
        dx, dy = self._t.seg_dx[segs], self._t.seg_dy[segs]
        denom = np.maximum(dx * dx + dy * dy, 1e-12)
        t = np.clip(((x - x1) * dx + (y - y1) * dy) / denom, 0.0, 1.0)
        d = np.hypot(x1 + t * dx - x, y1 + t * dy - y)
        return t, d

    def _entry_seconds(self, inc: _Snap, urgent: bool) -> tuple[int, float, int, float]:
        """The incident's edge junctions and the time from each to the incident (inf when not allowed)."""
        e, f = int(inc.edge[0]), float(inc.fraction[0])
        sec = float(self._t.edge_seconds[int(urgent)][e])
        length = float(self._t.edge_length_m[e])
        from_s = f * sec
        to_s = (1.0 - f) * sec
        if self._t.edge_oneway[e] and (1.0 - f) * length > JUNCTION_TOLERANCE_M:
            to_s = math.inf
        return int(self._t.edge_from[e]), from_s, int(self._t.edge_to[e]), to_s

    def _search(self, inc: _Snap, urgent: bool, horizon_s: float) -> _Search:
        """One search from the incident over the reversed graph, up to ``horizon_s`` of driving."""
        n = self.node_count
        u, u_s, v, v_s = self._entry_seconds(inc, urgent)
        reversed_graph = self._t.graphs[int(urgent)]
        data = reversed_graph.seconds.copy()
        indices = reversed_graph.indices.copy()
        # The source's two arcs lead to the junctions of the incident's edge; an arc that cannot be used
        # (one-way) becomes a loop on the source.
        indices[-2], data[-2] = u, u_s
        if math.isfinite(v_s) and v != u:
            indices[-1], data[-1] = v, v_s
        elif v == u:
            data[-2] = min(u_s, v_s)
        graph = csr_matrix((data, indices, reversed_graph.indptr), shape=(n + 1, n + 1))
        seconds, pred = dijkstra(graph, directed=True, indices=n, return_predecessors=True, limit=horizon_s)
        return _Search(
            np.asarray(seconds[:n], dtype=np.float64),
            np.asarray(pred, dtype=np.int32),
            horizon_s,
            reversed_graph.arc_of,
        )

    def _etas(
        self, inc: _Snap, snap: _Snap, search: _Search, urgent: bool
    ) -> tuple[FloatArray, npt.NDArray[np.int8]]:
        """Each snapped unit's time to the incident (inf when it cannot get there) and how it gets there:
        leaving its edge by the to-junction or the from-junction, straight along the incident's own edge,
        or on foot when it is on scene."""
        e = snap.edge
        sec = self._t.edge_seconds[int(urgent)][e]
        length = self._t.edge_length_m[e]
        f = snap.fraction
        via_to = (1.0 - f) * sec + search.seconds[self._t.edge_to[e]]
        back_ok = ~self._t.edge_oneway[e] | (f * length <= JUNCTION_TOLERANCE_M)
        via_from = np.where(back_ok, f * sec + search.seconds[self._t.edge_from[e]], np.inf)
        # On the incident's own edge: straight along it, forward, or backward where the edge is two-way.
        ie, i_f = int(inc.edge[0]), float(inc.fraction[0])
        gap = i_f - f
        gap_ok = (
            (gap >= 0)
            | ~self._t.edge_oneway[ie]
            | (-gap * float(self._t.edge_length_m[ie]) <= JUNCTION_TOLERANCE_M)
        )
        along = np.where((e == ie) & gap_ok, np.abs(gap) * sec, np.inf)
        options = np.column_stack([via_to, via_from, along])
        how = np.argmin(options, axis=1).astype(np.int8)
        # Both off-road legs count: the unit's to its road, the incident's from its road.
        eta = options[np.arange(len(f)), how] + (snap.off_m + float(inc.off_m[0])) / OFF_ROAD_MPS
        straight = np.hypot(snap.x - float(inc.x[0]), snap.y - float(inc.y[0]))
        on_foot = (straight <= ON_SCENE_M) & (straight / OFF_ROAD_MPS < eta)
        how[on_foot] = _ON_FOOT
        eta[on_foot] = straight[on_foot] / OFF_ROAD_MPS
        return eta, how

    def _trace(
        self, snap: _Snap, i: int, inc: _Snap, search: _Search, how: int, with_path: bool
    ) -> tuple[float, tuple[tuple[float, float], ...] | None]:
        """The distance of unit ``i``'s route (off-road legs included) and, when asked for, its points
        from where the unit meets the road to where the incident does."""
        e, f, seg, t = int(snap.edge[i]), float(snap.fraction[i]), int(snap.segment[i]), float(snap.t[i])
        ie, i_f, iseg, it = int(inc.edge[0]), float(inc.fraction[0]), int(inc.segment[0]), float(inc.t[0])
        if how == _ON_FOOT:
            straight = math.hypot(float(snap.x[i] - inc.x[0]), float(snap.y[i] - inc.y[0]))
            return straight, (() if with_path else None)
        off_m = float(snap.off_m[i]) + float(inc.off_m[0])
        length = self._t.edge_length_m
        p_start = self._seg_point(seg, t)
        p_end = self._seg_point(iseg, it)
        if how == _ALONG:
            road_m = abs(i_f - f) * float(length[e])
            if not with_path:
                return road_m + off_m, None
            a, b = int(self._t.seg_p0[seg]), int(self._t.seg_p0[iseg])
            middle = self._points(a + 1, b + 1) if f <= i_f else self._points(b + 1, a + 1)[::-1]
            return road_m + off_m, (p_start, *middle, p_end)

        exit_to = how == _VIA_TO
        n = self.node_count
        node = int(self._t.edge_to[e] if exit_to else self._t.edge_from[e])
        road_m = ((1.0 - f) if exit_to else f) * float(length[e])
        pts: list[tuple[float, float]] = []
        if with_path:
            pts.append(p_start)
            a = int(self._t.seg_p0[seg])
            if exit_to:
                pts.extend(self._points(a + 1, int(self._t.shape_start[e + 1])))
            else:
                pts.extend(self._points(int(self._t.shape_start[e]), a + 1)[::-1])
        pred = search.pred
        while True:
            nxt = int(pred[node])
            if nxt == n or nxt < 0:
                break
            edge, forward = search.arc_of[nxt * (n + 1) + node]
            road_m += float(length[edge])
            if with_path:
                shape = self._points(int(self._t.shape_start[edge]), int(self._t.shape_start[edge + 1]))
                pts.extend((shape if forward else shape[::-1])[1:])
            node = nxt
        # ``node`` is now the junction of the incident's edge that the route enters it by.
        enter_from = node == int(self._t.edge_from[ie])
        if enter_from and node == int(self._t.edge_to[ie]):
            enter_from = i_f <= 0.5
        road_m += (i_f if enter_from else 1.0 - i_f) * float(length[ie])
        if not with_path:
            return road_m + off_m, None
        b = int(self._t.seg_p0[iseg])
        if enter_from:
            pts.extend(self._points(int(self._t.shape_start[ie]), b + 1)[1:])
        else:
            pts.extend(self._points(b + 1, int(self._t.shape_start[ie + 1]))[::-1][1:])
        pts.append(p_end)
        return road_m + off_m, tuple(pts)

    def _seg_point(self, seg: int, t: float) -> tuple[float, float]:
        a = int(self._t.seg_p0[seg])
        lat = float(self._t.shape_lat[a] + t * (self._t.shape_lat[a + 1] - self._t.shape_lat[a]))
        lon = float(self._t.shape_lon[a] + t * (self._t.shape_lon[a + 1] - self._t.shape_lon[a]))
        return lat, lon

    def _points(self, a: int, b: int) -> list[tuple[float, float]]:
        return list(zip(self._t.shape_lat[a:b].tolist(), self._t.shape_lon[a:b].tolist(), strict=True))


def _reversed_graph(
    n: int, e_from: IntArray, e_to: IntArray, oneway: npt.NDArray[np.bool_], seconds: FloatArray
) -> _Reversed:
    """For each way an edge can be driven, an arc from where it ends to where it starts, so that a search
    from the incident finds every junction's time *to* it. Of parallel edges between the same two junctions
    only the fastest is kept per direction (a CSR matrix would add them up). Row ``n`` is the search's source;
    its two arcs are filled in per query."""
    m = len(e_from)
    two_way = np.flatnonzero(~oneway)
    arc_edge = np.concatenate([np.arange(m, dtype=np.int64), two_way])
    arc_forward = np.concatenate([np.ones(m, dtype=bool), np.zeros(len(two_way), dtype=bool)])
    arc_tail = np.where(arc_forward, e_from[arc_edge], e_to[arc_edge])  # in the driving direction
    arc_head = np.where(arc_forward, e_to[arc_edge], e_from[arc_edge])
    order = np.lexsort((seconds[arc_edge], arc_tail, arc_head))
    row, col = arc_head[order], arc_tail[order]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
    kept = order[keep]
    row, col = arc_head[kept], arc_tail[kept]
    kept_edge, kept_forward = arc_edge[kept], arc_forward[kept]
    indptr = np.zeros(n + 2, dtype=np.int32)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1 : n + 1])
    indptr[n + 1] = indptr[n] + 2
    arc_of = {
        r * (n + 1) + c: (e, f)
        for r, c, e, f in zip(
            row.tolist(), col.tolist(), kept_edge.tolist(), kept_forward.tolist(), strict=True
        )
    }
    return _Reversed(
        indptr=indptr,
        indices=np.concatenate([col, [n, n]]).astype(np.int32),
        seconds=np.concatenate([seconds[kept_edge], np.zeros(2)]),
        arc_of=arc_of,
    )


def _joined(
    start: tuple[float, float], middle: tuple[tuple[float, float], ...], end: tuple[float, float]
) -> tuple[tuple[float, float], ...]:
    """``start``, ``middle`` and ``end`` as one line, without a point repeated right after itself."""
    out = [start]
    for point in (*middle, end):
        if point != out[-1]:
            out.append(point)
    return tuple(out)

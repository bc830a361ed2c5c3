"""Ranking units by driving time: on the real Columbus street network, and on small made-up road graphs
where a one-way street, a missing bridge or a road that leads nowhere decides which unit should go."""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from rtcc.domain.geo import haversine_m
from rtcc.engines.routing import (
    OFF_ROAD_MPS,
    URGENT_MAX_SPEED_MPS,
    URGENT_SPEED_FACTOR,
    RoadGraph,
    UnitEta,
    UnitPosition,
)
from rtcc.sim.network import M_PER_DEG, StreetNetwork, load_network

# ---- the real city ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def net() -> StreetNetwork:
    return load_network()


@pytest.fixture(scope="module")
def graph(net: StreetNetwork) -> RoadGraph:
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


def road_point(net: StreetNetwork, rng: random.Random, off_m: float = 0.0) -> tuple[float, float]:
    """A random point on a random street, moved up to ``off_m`` away from it in a random direction."""
    lat, lon, _, _ = net.point_on_edge(rng.randrange(net.edge_count), rng.uniform(0.02, 0.98))
    r, a = rng.uniform(0.0, off_m), rng.uniform(0.0, 2 * math.pi)
    return lat + r * math.cos(a) / M_PER_DEG, lon + r * math.sin(a) / net.m_per_deg_lon


class ForwardReference:
    """An independent answer for one unit: snap with the network's own brute-force nearest edge, then a
    plain forward Dijkstra from the unit's edge to the incident's edge over the network's arc lists."""

    def __init__(self, net: StreetNetwork, urgent: bool) -> None:
        self.net = net
        speed = net.edge_maxspeed_kmh / 3.6
        if urgent:
            speed = np.minimum(speed * URGENT_SPEED_FACTOR, np.maximum(speed, URGENT_MAX_SPEED_MPS))
        self.seconds: list[float] = (net.edge_length_m / speed).tolist()
        self.length: list[float] = net.edge_length_m.tolist()

    def snap(self, lat: float, lon: float) -> tuple[int, float, float]:
        """Edge, fraction along it (by shape length) and distance to it."""
        net = self.net
        edge, dist = net.nearest_edge(lat, lon)
        lats, lons = net.edge_points(edge)
        pts = [net.to_xy(a, b) for a, b in zip(lats, lons, strict=True)]
        px, py = net.to_xy(lat, lon)
        best = (math.inf, 0.0)
        along = 0.0
        for (x1, y1), (x2, y2) in itertools.pairwise(pts):
            seg = math.hypot(x2 - x1, y2 - y1)
            t = (
                0.0
                if seg == 0
                else max(0.0, min(1.0, ((px - x1) * (x2 - x1) + (py - y1) * (y2 - y1)) / seg**2))
            )
            d = math.hypot(x1 + t * (x2 - x1) - px, y1 + t * (y2 - y1) - py)
            if d < best[0]:
                best = (d, along + t * seg)
            along += seg
        assert abs(best[0] - dist) < 1e-6
        return edge, best[1] / along if along > 0 else 0.0, dist

    def eta(self, unit: tuple[float, float], incident: tuple[float, float]) -> tuple[float, float]:
        """(seconds, metres) from the unit to the incident, or (inf, inf)."""
        net = self.net
        ue, uf, ud = self.snap(*unit)
        ie, i_f, i_d = self.snap(*incident)
        sec, length = self.seconds, self.length
        heap: list[tuple[float, float, int]] = []
        heapq.heappush(heap, ((1 - uf) * sec[ue], (1 - uf) * length[ue], int(net.edge_to[ue])))
        if not net.edge_oneway[ue]:
            heapq.heappush(heap, (uf * sec[ue], uf * length[ue], int(net.edge_from[ue])))
        targets = {int(net.edge_from[ie]): (i_f * sec[ie], i_f * length[ie])}
        if not net.edge_oneway[ie]:
            targets[int(net.edge_to[ie])] = ((1 - i_f) * sec[ie], (1 - i_f) * length[ie])
        best = (math.inf, math.inf)
        if ue == ie and (uf <= i_f or not net.edge_oneway[ie]):
            best = (abs(i_f - uf) * sec[ie], abs(i_f - uf) * length[ie])
        done: set[int] = set()
        while heap:
            t, m, node = heapq.heappop(heap)
            if node in done:
                continue
            if t >= best[0]:
                break
            done.add(node)
            if node in targets:
                extra_t, extra_m = targets[node]
                best = min(best, (t + extra_t, m + extra_m))
            for edge, nxt, _, _ in net.out_arcs[node]:
                if nxt not in done:
                    heapq.heappush(heap, (t + sec[edge], m + length[edge], nxt))
        off = ud + i_d
        return best[0] + off / OFF_ROAD_MPS, best[1] + off


def test_a_unit_at_the_incident_is_first_and_already_there(net: StreetNetwork, graph: RoadGraph) -> None:
    rng = random.Random(3)
    lat, lon = road_point(net, rng)
    units = [UnitPosition(f"P{i}", *road_point(net, rng)) for i in range(40)]
    units.append(UnitPosition("HERE", lat, lon))
    ranked = graph.rank_units(lat, lon, units)
    assert ranked[0].unit_id == "HERE"
    assert ranked[0].eta_s < 0.5 and ranked[0].route_m < 1.0 and ranked[0].straight_m < 0.01
    assert ranked[1].eta_s > 5.0

    # A call from a house set back from the street: the unit parked at that house is on scene too, not
    # charged for pulling onto the street and back off it.
    while True:
        back_lat, back_lon = road_point(net, rng, off_m=30.0)
        if 15.0 < net.nearest_edge(back_lat, back_lon)[1] < 30.0:
            break
    ranked = graph.rank_units(back_lat, back_lon, [*units[:-1], UnitPosition("HERE", back_lat, back_lon)])
    assert ranked[0].unit_id == "HERE" and ranked[0].eta_s < 0.5 and ranked[0].route_m < 0.5
    neighbour = graph.rank_units(back_lat, back_lon, [UnitPosition("NEXT DOOR", back_lat, back_lon + 2e-4)])
    assert 0 < neighbour[0].eta_s < 10.0  # 17 m away


@pytest.mark.parametrize("urgent", [False, True])
def test_the_ranking_agrees_with_a_forward_route_from_each_unit(
    net: StreetNetwork, graph: RoadGraph, urgent: bool
) -> None:
    rng = random.Random(11 if urgent else 7)
    reference = ForwardReference(net, urgent)
    for _ in range(2):
        incident = road_point(net, rng, off_m=20.0)
        units = [UnitPosition(f"U{i:02d}", *road_point(net, rng, off_m=40.0)) for i in range(30)]
        expected = sorted(
            ((*reference.eta((u.lat, u.lon), incident), u.unit_id) for u in units), key=lambda r: (r[0], r[2])
        )
        ranked = graph.rank_units(*incident, units, limit=30, urgent=urgent)
        assert [r.unit_id for r in ranked] == [e[2] for e in expected]
        for got, (eta_s, route_m, _) in zip(ranked, expected, strict=True):
            assert got.eta_s == pytest.approx(eta_s, abs=0.01)
            assert got.route_m == pytest.approx(route_m, abs=0.5)
        # Driving is never shorter than the straight line, and a city trip stays under an hour.
        assert all(r.route_m >= r.straight_m - 1.0 for r in ranked)
        assert all(0.0 < r.eta_s < 3600.0 for r in ranked)


def test_asking_for_the_closest_few_gives_the_head_of_the_whole_ranking(
    net: StreetNetwork, graph: RoadGraph
) -> None:
    rng = random.Random(5)
    units = [UnitPosition(f"U{i:03d}", *road_point(net, rng, off_m=15.0)) for i in range(300)]
    for _ in range(10):
        lat, lon = road_point(net, rng)
        everyone = graph.rank_units(lat, lon, units, limit=len(units))
        assert len(everyone) == len(units)  # the city's graph is connected
        for limit in (1, 5, 10):
            assert graph.rank_units(lat, lon, units, limit=limit) == everyone[:limit]


def test_a_position_meets_the_road_at_the_nearest_point_of_the_nearest_street(
    net: StreetNetwork, graph: RoadGraph
) -> None:
    rng = random.Random(17)
    incident = road_point(net, rng)
    units = [UnitPosition(f"U{i:03d}", *road_point(net, rng, off_m=250.0)) for i in range(400)]
    ranked = graph.rank_units(*incident, units, limit=len(units), with_paths=True)
    assert len(ranked) == len(units)
    positions = {u.unit_id: (u.lat, u.lon) for u in units}
    for r in ranked:
        lat, lon = positions[r.unit_id]
        _, nearest_m = net.nearest_edge(lat, lon)
        assert r.path is not None and r.path[0] == (lat, lon)
        # The route leaves from the position to its road point, then follows the street.
        met = r.path[1] if nearest_m > 0.01 else r.path[0]
        assert haversine_m(lat, lon, *met) == pytest.approx(nearest_m, rel=0.002, abs=0.01)


def test_a_unit_across_big_walnut_creek_ranks_below_a_farther_one_on_the_same_side(
    graph: RoadGraph,
) -> None:
    # A call at the end of Brinwood Pl, a cul-de-sac on the east bank of Big Walnut Creek. One unit sits on
    # the west bank about 210 m away, with no bridge nearby; another is at Noe Bixby Rd & Woodcrest Rd,
    # about 810 m south on the same bank, two turns from the call.
    incident = (39.940091, -82.860193)
    across = UnitPosition("ACROSS", 39.940991, -82.862333)
    same_side = UnitPosition("SAME-SIDE", 39.932943, -82.862136)
    ranked = graph.rank_units(*incident, [across, same_side])
    assert [r.unit_id for r in ranked] == ["SAME-SIDE", "ACROSS"]
    first, second = ranked
    assert second.straight_m < 250 < 750 < first.straight_m
    assert first.eta_s < 180 and second.eta_s > 3 * first.eta_s
    assert second.route_m > 10 * second.straight_m


def test_urgent_driving_lowers_every_eta_by_at_most_the_factor(net: StreetNetwork, graph: RoadGraph) -> None:
    rng = random.Random(9)
    lat, lon = road_point(net, rng)
    units = [UnitPosition(f"U{i}", *road_point(net, rng)) for i in range(25)]
    normal = {r.unit_id: r for r in graph.rank_units(lat, lon, units, limit=25)}
    urgent = {r.unit_id: r for r in graph.rank_units(lat, lon, units, limit=25, urgent=True)}
    assert normal.keys() == urgent.keys()
    for unit_id, r in normal.items():
        assert urgent[unit_id].eta_s < r.eta_s
        # Speeds go up by at most the factor, so time falls by at most that much.
        assert urgent[unit_id].eta_s >= r.eta_s / URGENT_SPEED_FACTOR - 1e-6


def test_units_and_incidents_off_the_map_are_left_out(graph: RoadGraph) -> None:
    incident = (39.940091, -82.860193)
    units = [UnitPosition("LOST", 0.0, 0.0), UnitPosition("NAN", math.nan, -82.9)]
    assert graph.rank_units(*incident, units) == []
    assert graph.rank_units(0.0, 0.0, [UnitPosition("A", 39.932943, -82.862136)]) == []
    assert graph.route(0.0, 0.0, *incident) is None


def test_route_for_the_map_follows_the_streets(net: StreetNetwork, graph: RoadGraph) -> None:
    rng = random.Random(21)
    for _ in range(5):
        start, end = road_point(net, rng, off_m=10.0), road_point(net, rng, off_m=10.0)
        route = graph.route(*start, *end)
        assert route is not None
        assert route.points[0] == start and route.points[-1] == end
        ranked = graph.rank_units(*end, [UnitPosition("U", *start)], with_paths=True)
        assert ranked[0].eta_s == pytest.approx(route.eta_s)
        assert ranked[0].path == route.points
        # The drawn line is as long as the distance reported: no jumps, no missing stretches.
        drawn = sum(haversine_m(*a, *b) for a, b in itertools.pairwise(route.points))
        assert drawn == pytest.approx(route.route_m, rel=0.03)


# ---- made-up road graphs ------------------------------------------------------------------------------

LAT0, LON0 = 40.0, -83.0
SPEED = 50 / 3.6  # every made-up street is 50 km/h


def at(x: float, y: float) -> tuple[float, float]:
    """The point x metres east and y metres north of (LAT0, LON0)."""
    return LAT0 + y / M_PER_DEG, LON0 + x / (M_PER_DEG * math.cos(math.radians(LAT0)))


def made_up(
    nodes: Sequence[tuple[float, float]],
    edges: Sequence[tuple[int, int, bool]],
    length_m: list[float] | None = None,
    **kwargs: Any,
) -> RoadGraph:
    """A graph from junctions in metres and (from, to, one-way) edges, straight between their ends
    unless shapes are given."""
    lat, lon = zip(*(at(x, y) for x, y in nodes), strict=True)
    ends = np.array([(a, b) for a, b, _ in edges], dtype=np.int64)
    length = np.array(length_m or [math.dist(nodes[a], nodes[b]) for a, b, _ in edges])
    return RoadGraph.from_arrays(
        np.array(lat),
        np.array(lon),
        ends[:, 0],
        ends[:, 1],
        np.array([oneway for _, _, oneway in edges]),
        length,
        np.full(len(edges), SPEED),
        **kwargs,
    )


def ids(ranked: list[UnitEta]) -> list[str]:
    return [r.unit_id for r in ranked]


def one_way_street(oneway: bool) -> RoadGraph:
    """Main St from x=-600 to x=400 along y=0; the stretch from x=200 to 400 is one-way eastbound when
    ``oneway``. A loop road goes from its east end up to y=1000 and back down to x=0."""
    nodes = [(-600, 0), (0, 0), (200, 0), (400, 0), (400, 1000), (0, 1000)]
    edges = [(0, 1, False), (1, 2, False), (2, 3, oneway), (3, 4, False), (4, 5, False), (5, 1, False)]
    return made_up(nodes, edges)


def test_the_nearest_unit_on_a_one_way_street_leading_away_goes_round_the_block() -> None:
    incident = at(100, 0)
    units = [UnitPosition("EASTBOUND", *at(300, 0)), UnitPosition("WEST", *at(-400, 0))]
    two_way = one_way_street(oneway=False).rank_units(*incident, units)
    assert ids(two_way) == ["EASTBOUND", "WEST"]
    assert two_way[0].eta_s == pytest.approx(200 / SPEED, abs=0.01)

    ranked = one_way_street(oneway=True).rank_units(*incident, units)
    assert ids(ranked) == ["WEST", "EASTBOUND"]
    assert ranked[0].eta_s == pytest.approx(500 / SPEED, abs=0.01)
    # On to the end of the one-way stretch, up the loop road, back down and along Main St.
    assert ranked[1].route_m == pytest.approx(100 + 1000 + 400 + 1000 + 100, abs=0.1)
    assert ranked[1].eta_s == pytest.approx(ranked[1].route_m / SPEED, abs=0.01)


def test_an_incident_on_a_one_way_street_is_reached_from_its_entry_end() -> None:
    graph = one_way_street(oneway=True)
    incident = at(300, 0)  # on the one-way stretch
    behind = UnitPosition("BEHIND", *at(250, 0))  # upstream: drives 50 m
    past = UnitPosition("PAST", *at(350, 0))  # downstream: must go round
    ranked = graph.rank_units(*incident, [past, behind])
    assert ids(ranked) == ["BEHIND", "PAST"]
    assert ranked[0].route_m == pytest.approx(50, abs=0.1)
    assert ranked[1].route_m == pytest.approx(50 + 1000 + 400 + 1000 + 200 + 100, abs=0.1)

    route = graph.route(past.lat, past.lon, *incident)
    assert route is not None
    assert route.route_m == pytest.approx(ranked[1].route_m)
    # The drawn route goes up the loop road rather than back along the one-way stretch.
    assert max(lat for lat, _ in route.points) == pytest.approx(at(0, 1000)[0])


def river(bridge_x: float) -> RoadGraph:
    """Two streets along the banks of a river 150 m wide, joined by one bridge at ``bridge_x``."""
    xs = sorted({-1000.0, 0.0, 1000.0, 2500.0, bridge_x})
    south = [(x, 0.0) for x in xs]
    north = [(x, 150.0) for x in xs]
    n = len(xs)
    edges = [(i, i + 1, False) for i in range(n - 1)] + [(n + i, n + i + 1, False) for i in range(n - 1)]
    b = xs.index(bridge_x)
    edges.append((b, n + b, False))
    return made_up(south + north, edges)


def test_a_unit_across_the_river_ranks_below_a_farther_one_on_the_same_bank() -> None:
    incident = at(0, 0)
    units = [UnitPosition("ACROSS", *at(0, 150)), UnitPosition("SAME-BANK", *at(-700, 0))]
    far_bridge = river(bridge_x=2500).rank_units(*incident, units)
    assert ids(far_bridge) == ["SAME-BANK", "ACROSS"]
    assert far_bridge[1].route_m == pytest.approx(2500 + 150 + 2500, abs=0.1)
    assert far_bridge[1].straight_m == pytest.approx(150, abs=1)

    near_bridge = river(bridge_x=0).rank_units(*incident, units)
    assert ids(near_bridge) == ["ACROSS", "SAME-BANK"]
    assert near_bridge[0].eta_s == pytest.approx(150 / SPEED, abs=0.01)


def test_a_unit_on_a_road_that_does_not_connect_is_left_out() -> None:
    # Main St, and a private road on an island 300 m north with no link to it.
    graph = made_up([(0, 0), (1000, 0), (0, 300), (1000, 300)], [(0, 1, False), (2, 3, False)])
    incident = at(500, 0)
    island = UnitPosition("ISLAND", *at(500, 300))
    main = UnitPosition("MAIN", *at(900, 0))
    assert ids(graph.rank_units(*incident, [island, main])) == ["MAIN"]
    assert graph.rank_units(*incident, [island]) == []
    assert graph.route(island.lat, island.lon, *incident) is None


def test_urgent_speeds_are_faster_by_the_documented_factor() -> None:
    graph = river(bridge_x=0)
    incident = at(0, 0)
    unit = UnitPosition("U", *at(-700, 0))
    normal = graph.rank_units(*incident, [unit])[0]
    urgent = graph.rank_units(*incident, [unit], urgent=True)[0]
    assert urgent.eta_s == pytest.approx(normal.eta_s / URGENT_SPEED_FACTOR)
    assert urgent.route_m == pytest.approx(normal.route_m)


def test_ties_go_by_unit_id_and_the_limit_is_kept() -> None:
    graph = river(bridge_x=0)
    incident = at(0, 0)
    units = [UnitPosition(name, *at(-500, 0)) for name in ("C", "A", "B")] + [UnitPosition("D", *at(800, 0))]
    assert ids(graph.rank_units(*incident, units)) == ["A", "B", "C", "D"]
    assert ids(graph.rank_units(*incident, units, limit=2)) == ["A", "B"]
    assert graph.rank_units(*incident, units, limit=0) == []
    assert graph.rank_units(*incident, []) == []


def test_a_unit_off_the_road_pays_for_getting_to_it() -> None:
    # Main St along y=0. One unit is 300 m north of it in a field; another on Main St 700 m away.
    graph = made_up([(-1000, 0), (1000, 0)], [(0, 1, False)])
    incident = at(0, 0)
    field = UnitPosition("FIELD", *at(0, 300))
    street = UnitPosition("STREET", *at(-700, 0))
    ranked = graph.rank_units(*incident, [field, street])
    assert ids(ranked) == ["STREET", "FIELD"]
    assert ranked[1].eta_s == pytest.approx(300 / OFF_ROAD_MPS, abs=0.01)
    assert ranked[1].route_m == pytest.approx(300, abs=0.01)
    # Beyond max_snap_m from every road a position is not on this map at all.
    far = UnitPosition("FAR", *at(0, 2500))
    assert ids(graph.rank_units(*incident, [far, street])) == ["STREET"]
    roomy = made_up([(-1000, 0), (1000, 0)], [(0, 1, False)], max_snap_m=3000)
    assert ids(roomy.rank_units(*incident, [far, street])) == ["STREET", "FAR"]


def test_a_street_follows_its_shape() -> None:
    # One street from (0, 0) to (200, 0) that bends north through (100, 100): 283 m long.
    bend = [at(0, 0), at(100, 100), at(200, 0)]
    graph = made_up(
        [(0, 0), (200, 0)],
        [(0, 1, False)],
        length_m=[2 * math.hypot(100, 100)],
        shape_start=np.array([0, 3]),
        shape_lat=np.array([p[0] for p in bend]),
        shape_lon=np.array([p[1] for p in bend]),
    )
    # A unit at the top of the bend is on the street, half its length from either end.
    ranked = graph.rank_units(*at(0, 0), [UnitPosition("TOP", *at(100, 100))])
    assert ranked[0].route_m == pytest.approx(math.hypot(100, 100), abs=0.01)
    assert ranked[0].eta_s == pytest.approx(math.hypot(100, 100) / SPEED, abs=0.01)
    # A unit halfway along the straight line between the ends meets the street at (50, 50): 71 m to
    # walk or pull out, then 71 m to drive.
    ranked = graph.rank_units(*at(0, 0), [UnitPosition("CHORD", *at(100, 0))])
    leg = math.hypot(50, 50)
    assert ranked[0].route_m == pytest.approx(2 * leg, abs=0.01)
    assert ranked[0].eta_s == pytest.approx(leg / OFF_ROAD_MPS + leg / SPEED, abs=0.01)
    route = graph.route(*at(200, 0), *at(0, 0))
    assert route is not None
    assert route.points == (at(200, 0), at(100, 100), at(0, 0))


def test_bad_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="speeds"):
        RoadGraph.from_arrays(
            np.array([40.0, 40.001]),
            np.array([-83.0, -83.0]),
            np.array([0]),
            np.array([1]),
            np.array([False]),
            np.array([100.0]),
            np.array([0.0]),
        )
    with pytest.raises(ValueError, match="junction"):
        RoadGraph.from_arrays(
            np.array([40.0, 40.001]),
            np.array([-83.0, -83.0]),
            np.array([0]),
            np.array([2]),
            np.array([False]),
            np.array([100.0]),
            np.array([10.0]),
        )


def beside_a_motorway(addressable: bool) -> RoadGraph:
    """A motorway along y=0 from x=-2000 to 2000, joined by a ramp at its west end to a street along y=60
    from x=-500 to 500. A caller at (0, 20) is nearer the motorway than the street."""
    nodes = [(-2000, 0), (2000, 0), (-500, 60), (500, 60)]
    edges = [(0, 1, False), (2, 3, False), (0, 2, False)]
    flags = np.array([False, True, False]) if addressable else None
    return made_up(nodes, edges, edge_addressable=flags)


def test_a_caller_beside_a_motorway_is_reached_by_the_street_not_the_carriageway() -> None:
    units = [UnitPosition("street", *at(-300, 62)), UnitPosition("motorway", *at(-1000, -3))]
    caller = at(0, 20)
    by_street = {r.unit_id: r for r in beside_a_motorway(addressable=True).rank_units(*caller, units)}
    by_carriageway = {r.unit_id: r for r in beside_a_motorway(addressable=False).rank_units(*caller, units)}
    # The car on the street drives 300 m and its crew walks 40 m to the caller.
    assert by_street["street"].eta_s == pytest.approx(300 / SPEED + (2 + 40) / OFF_ROAD_MPS, abs=1.0)
    # Route lengths count the stretches off the road too.
    assert by_street["street"].route_m == pytest.approx(2 + 300 + 40, abs=1)
    # Snapped to the carriageway, the same car would be sent round by the ramp and the motorway.
    assert by_carriageway["street"].route_m > 3000
    # A unit on the motorway is still on the motorway: it takes the ramp and comes along the street.
    assert by_street["motorway"].route_m == pytest.approx(
        3 + 1000 + math.dist((-2000, 0), (-500, 60)) + 500 + 40, abs=1
    )
    route = beside_a_motorway(addressable=True).route(*at(-300, 62), *caller)
    assert route is not None and route.route_m == pytest.approx(2 + 300 + 40, abs=1)


def test_a_graph_with_no_addressable_edge_is_refused() -> None:
    with pytest.raises(ValueError, match="addressable"):
        RoadGraph.from_arrays(
            np.array([0.0, 0.001]),
            np.array([0.0, 0.001]),
            np.array([0]),
            np.array([1]),
            np.array([False]),
            np.array([100.0]),
            np.array([10.0]),
            edge_addressable=np.array([False]),
        )


def test_in_columbus_no_call_lands_on_a_motorway(net: StreetNetwork) -> None:
    """The server's graph (rtcc.app.load_road_graph): places 15 m beside motorway carriageways snap to
    the nearest street a call can come from, while a unit there stays on the motorway."""
    from rtcc.app import NOT_ADDRESSABLE, load_road_graph

    graph = load_road_graph()
    barred = net.class_ranks(NOT_ADDRESSABLE)
    motorways = np.flatnonzero(np.isin(net.edge_class, sorted(net.class_ranks({"motorway"}))))
    rng = random.Random(3)
    lats, lons = [], []
    for edge in rng.sample(motorways.tolist(), 50):
        lat, lon, _, _ = net.point_on_edge(edge, 0.5)
        lats.append(lat + 15 / M_PER_DEG)
        lons.append(lon)
    place = graph._snap(np.array(lats), np.array(lons), place=True)
    assert not set(net.edge_class[place.edge].tolist()) & barred
    unit = graph._snap(np.array(lats), np.array(lons))
    assert np.mean(np.isin(net.edge_class[unit.edge], sorted(barred))) > 0.5

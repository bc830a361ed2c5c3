"""The shipped street network: loads, routes, and names real Columbus streets."""

from __future__ import annotations

import random
import time

from rtcc.domain.geo import haversine_m
from rtcc.sim import StreetNetwork, load_network
from tests.sim.conftest import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN


def test_loads_quickly_and_is_the_whole_city() -> None:
    began = time.perf_counter()
    net = load_network()
    assert time.perf_counter() - began < 2.0
    assert net.node_count > 15_000
    assert net.edge_count > 20_000
    assert "OpenStreetMap" in net.meta["attribution"]
    assert float(net.node_lat.min()) >= LAT_MIN and float(net.node_lat.max()) <= LAT_MAX
    assert float(net.node_lon.min()) >= LON_MIN and float(net.node_lon.max()) <= LON_MAX


def test_edge_shapes_join_their_junctions(network: StreetNetwork) -> None:
    for edge in range(0, network.edge_count, 101):
        lats, lons = network.edge_points(edge)
        u, v = int(network.edge_from[edge]), int(network.edge_to[edge])
        assert (lats[0], lons[0]) == (float(network.node_lat[u]), float(network.node_lon[u]))
        assert (lats[-1], lons[-1]) == (float(network.node_lat[v]), float(network.node_lon[v]))
        length = sum(haversine_m(lats[i], lons[i], lats[i + 1], lons[i + 1]) for i in range(len(lats) - 1))
        assert abs(length - float(network.edge_length_m[edge])) < 0.5


def test_known_streets_and_intersections_are_named(network: StreetNetwork) -> None:
    names = {n.text for n in network.names}
    assert {"N HIGH ST", "E BROAD ST", "W BROAD ST", "I-70", "I-71"} <= names
    ix = {i.name for i in network.intersections}
    assert "E BROAD ST & HIGH ST" in ix  # the city's zero point for house numbers
    assert all(" & " in n and n.split(" & ")[0] != n.split(" & ")[1] for n in ix)


def test_routes_follow_connected_edges_and_respect_one_way_streets(network: StreetNetwork) -> None:
    rng = random.Random(4)
    for _ in range(20):
        a, b = rng.randrange(network.node_count), rng.randrange(network.node_count)
        steps = network.route(a, b)
        assert steps is not None, "the network is strongly connected"
        node = a
        for edge, forward in steps:
            assert int(network.edge_from[edge] if forward else network.edge_to[edge]) == node
            assert forward or not network.edge_oneway[edge]
            node = network.step_end((edge, forward))
        assert node == b


def test_nearest_node_and_edge(network: StreetNetwork) -> None:
    node = 1234
    lat, lon = float(network.node_lat[node]), float(network.node_lon[node])
    assert network.nearest_node(lat, lon) == node
    _, distance = network.nearest_edge(lat, lon)
    assert distance < 0.01


def test_addresses_lie_on_named_streets(network: StreetNetwork) -> None:
    rng = random.Random(9)
    for _ in range(50):
        addr = network.random_address(rng)
        assert addr.hno >= 1
        assert addr.street.rd
        _, distance = network.nearest_edge(addr.lat, addr.lon)
        assert distance < 0.5
        assert network.street_name(addr.edge) == addr.street

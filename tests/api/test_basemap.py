"""The consoles' basemap: the shipped city's streets as compact JSON that browsers cache and revalidate, the
map's first view and tiles, and responses compressed for clients that accept it."""

import gzip
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.config import Settings
from rtcc.sim.network import load_network
from tests.conftest import World, login


def decode(line: list[object]) -> list[tuple[int, int]]:
    """A line's points as absolute (lat, lon) integers of 1e-5 degree."""
    coords = line[2]
    assert isinstance(coords, list) and len(coords) % 2 == 0 and len(coords) >= 4
    lat, lon = coords[0], coords[1]
    points = [(lat, lon)]
    for i in range(2, len(coords), 2):
        lat, lon = lat + coords[i], lon + coords[i + 1]
        points.append((lat, lon))
    return points


def test_the_streets_reproduce_the_shipped_network(client: TestClient, world: World) -> None:
    resp = client.get("/api/v1/map/streets", headers=login(client, "officer"))
    assert resp.status_code == 200
    doc = resp.json()
    net = load_network()
    assert doc["classes"] == net.classes and len(doc["names"]) == len(net.names)
    assert len(doc["lines"]) == net.edge_count
    assert "OpenStreetMap" in doc["attribution"]

    # Norton Rd & Alkire Rd, a junction of the city: every street that meets there starts or ends on it.
    junction = next(i for i in net.intersections if i.name == "NORTON RD & ALKIRE RD")
    here = (round(junction.lat * 1e5), round(junction.lon * 1e5))
    meeting = [line for line in doc["lines"] if here in (decode(line)[0], decode(line)[-1])]
    assert len(meeting) >= 2
    assert {doc["names"][line[1]] for line in meeting} >= {"NORTON RD", "ALKIRE RD"}

    # Each line follows its street's whole shape, junction to junction.
    edge = int(net.out_arcs[junction.node][0][0])
    lats, lons = net.edge_points(edge)
    assert decode(doc["lines"][edge]) == [
        (round(a * 1e5), round(o * 1e5)) for a, o in zip(lats, lons, strict=True)
    ]
    assert doc["lines"][edge][0] == int(net.edge_class[edge])

    south, west, north, east = doc["bbox"]
    assert south < junction.lat < north and west < junction.lon < east
    assert (south, north) == (round(float(net.shape_lat.min()), 5), round(float(net.shape_lat.max()), 5))


def test_the_streets_are_cached_revalidated_and_compressed(client: TestClient, world: World) -> None:
    operator = login(client, "operator")
    first = client.get("/api/v1/map/streets", headers=operator)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "private, max-age=86400"
    assert first.headers["content-encoding"] == "gzip"  # the test client accepts gzip, as browsers do

    unchanged = client.get("/api/v1/map/streets", headers={**operator, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert (
        client.get("/api/v1/map/streets", headers={**operator, "If-None-Match": '"old"'}).status_code == 200
    )

    plain = client.get("/api/v1/map/streets", headers={**operator, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == first.content
    with client.stream("GET", "/api/v1/map/streets", headers={**operator, "Accept-Encoding": "gzip"}) as resp:
        sent = b"".join(resp.iter_raw())
    assert gzip.decompress(sent) == plain.content and len(sent) < len(plain.content) / 3


def test_other_large_answers_are_compressed_and_small_ones_are_not(client: TestClient) -> None:
    spec = client.get("/openapi.json")
    assert spec.headers["content-encoding"] == "gzip" and spec.json()["info"]["title"] == "OpenRTCC"
    small = client.get("/healthz")
    assert "content-encoding" not in small.headers


def test_the_map_config_without_tiles_centres_on_the_city(client: TestClient, world: World) -> None:
    resp = client.get("/api/v1/map/config", headers=login(client, "officer"))
    assert resp.status_code == 200
    config = resp.json()
    assert (config["tile_url"], config["tile_attribution"]) == (None, None)
    south, west, north, east = client.get("/api/v1/map/streets", headers=login(client, "officer")).json()[
        "bbox"
    ]
    lat, lon = config["center"]
    assert abs(lat - (south + north) / 2) < 1e-5 and abs(lon - (west + east) / 2) < 1e-5
    assert config["zoom"] == 11  # the whole city on one screen


@pytest.fixture
def tiled_client(settings: Settings, world: World) -> Iterator[TestClient]:
    tiled = settings.model_copy(
        update={
            "map_tile_url": "https://tiles.example.org/{z}/{x}/{y}.png",
            "map_tile_attribution": "Tiles by Example",
        }
    )
    with TestClient(create_app(tiled)) as c:
        yield c


def test_the_map_config_names_the_configured_tiles(tiled_client: TestClient) -> None:
    config = tiled_client.get("/api/v1/map/config", headers=login(tiled_client, "operator")).json()
    assert config["tile_url"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert config["tile_attribution"] == "Tiles by Example"

"""Convert the Columbus OpenStreetMap extract into the simulator's compact street-network file.

Run by developers when the extract or the format changes, never at runtime:

    .venv/bin/python tools/build_city.py [--pbf PATH] [--out PATH]

What it writes (numpy ``.npz``, zip-deflated, every coordinate an int32 in microdegrees):

- ``node_lat_e6``/``node_lon_e6``: junctions (way ends and nodes shared by two or more ways), stored as
  deltas from the previous junction after a Morton-order sort so neighbouring values stay small.
- ``edge_from``/``edge_to``: the junctions an edge joins; ``edge_oneway`` (1 = only from -> to);
  ``edge_class`` (index into ``classes``), ``edge_name`` (index into the ``name_*`` arrays, -1 unnamed),
  ``edge_maxspeed_kmh`` (tagged, else a per-class estimate), ``edge_length_m``.
- ``edge_shape_count`` and ``shape_dlat_e6``/``shape_dlon_e6``: the intermediate points of each edge, each
  as a delta from the point before it, starting at the edge's ``from`` junction.
- ``edge_hno_from``/``edge_hno_to``: a house-number range per edge (0 = no addresses). The extract has
  almost no ``addr:*`` tags, so these ranges are SYNTHETIC: derived from a grid like Columbus's own
  (numbers grow about 440 per km away from High Street for east-west streets and away from Broad Street
  for north-south ones). They look plausible; they are not real addresses.
- ``ix_node``/``ix_name_a``/``ix_name_b``: named intersections, where two differently named streets meet.
- ``addr_lat_e6``/``addr_lon_e6``/``addr_hno``/``addr_name``: the few real tagged addresses.
- ``name_prd``/``name_rd``/``name_sts``/``name_pod``: street names in USPS style (``N``, ``HIGH``, ``ST``).
- ``meta``: a JSON string with the source, bounding box and format version.

Ways are cut where they leave the extract's nominal box (lat 39.859..40.112, lon -83.245..-82.788), and
only the largest strongly connected part of the drivable network is kept, so a route exists between any
two junctions while one-way streets are respected. Rebuilding from the same extract gives identical bytes.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import osmium

# The city's box (lat_min, lat_max, lon_min, lon_max): the extract's nominal bounds.
BBOX = (39.859, 40.112, -83.245, -82.788)
ROOT = Path(__file__).resolve().parent.parent
# shared/ (the project's data folder) sits beside the checkout.
DEFAULT_PBF = ROOT.parent / "shared" / "data" / "osm" / "columbus.osm.pbf"
DEFAULT_OUT = ROOT / "src" / "rtcc" / "sim" / "data" / "columbus_streets.npz"
FORMAT_VERSION = 1

# Road classes in order of importance; the index is what the file stores.
CLASSES = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
)
# Speed estimates (km/h) for untagged ways, from Ohio's statutory limits by road type.
DEFAULT_KMH = {
    "motorway": 105,
    "trunk": 89,
    "primary": 56,
    "secondary": 56,
    "tertiary": 48,
    "motorway_link": 64,
    "trunk_link": 56,
    "primary_link": 48,
    "secondary_link": 48,
    "tertiary_link": 40,
    "unclassified": 48,
    "residential": 40,
    "living_street": 24,
    "service": 24,
}
# Service roads that units really drive: plain service roads and alleys, not parking aisles.
SERVICE_KEPT = {None, "alley"}
NO_ACCESS = {"private", "no"}
ADDRESSED = {"primary", "secondary", "tertiary", "unclassified", "residential", "living_street"}

DIRECTIONS = {
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
}
SUFFIXES = {
    "STREET": "ST",
    "AVENUE": "AVE",
    "ROAD": "RD",
    "BOULEVARD": "BLVD",
    "DRIVE": "DR",
    "LANE": "LN",
    "COURT": "CT",
    "PLACE": "PL",
    "PARKWAY": "PKWY",
    "WAY": "WAY",
    "CIRCLE": "CIR",
    "TERRACE": "TER",
    "HIGHWAY": "HWY",
    "TRAIL": "TRL",
    "SQUARE": "SQ",
    "ALLEY": "ALY",
    "PIKE": "PIKE",
    "LOOP": "LOOP",
    "RUN": "RUN",
    "ROW": "ROW",
    "PLAZA": "PLZ",
    "EXPRESSWAY": "EXPY",
    "FREEWAY": "FWY",
    "CROSSING": "XING",
    "PATH": "PATH",
    "POINT": "PT",
    "RIDGE": "RDG",
    "GROVE": "GRV",
    "GREEN": "GRN",
    "COMMONS": "CMNS",
    "CROSSROAD": "XRD",
    "BEND": "BND",
    "GLEN": "GLN",
    "HOLLOW": "HOLW",
    "WALK": "WALK",
    "COVE": "CV",
    "BRIDGE": "BRG",
}
ALREADY_SHORT = set(SUFFIXES.values()) | {"AV"}

# Columbus's address baselines: High Street (east/west numbering) and Broad Street (north/south).
HIGH_ST_LON = -83.0007
BROAD_ST_LAT = 39.9625
HOUSE_NUMBERS_PER_M = 0.44
M_PER_DEG_LAT = 111_195.0

Name = tuple[str, str, str, str]  # prd, rd, sts, pod


def normalise_name(raw: str) -> Name:
    """'North High Street' -> ('N', 'HIGH', 'ST', ''); 'Tarryton Court East' -> ('', 'TARRYTON', 'CT', 'E')."""
    words = raw.split(";")[0].replace(".", "").upper().split()
    prd = pod = sts = ""
    if len(words) >= 3 and words[0] in DIRECTIONS:
        prd = DIRECTIONS[words.pop(0)]
    elif len(words) >= 3 and words[0] in DIRECTIONS.values():
        prd = words.pop(0)
    if len(words) >= 3 and words[-1] in DIRECTIONS:
        pod = DIRECTIONS[words.pop()]
    if len(words) >= 2 and words[-1] in SUFFIXES:
        sts = SUFFIXES[words.pop()]
    elif len(words) >= 2 and words[-1] in ALREADY_SHORT:
        sts = words.pop()
    return prd, " ".join(words), sts, pod


def route_name(ref: str) -> Name:
    """'I 70;I 71' -> ('', 'I-70', '', '')."""
    first = ref.split(";")[0].strip().upper()
    return "", first.replace(" ", "-"), "", ""


def parse_maxspeed(tag: str | None) -> int | None:
    if not tag:
        return None
    parts = tag.strip().split()
    try:
        value = float(parts[0])
    except ValueError:
        return None
    if len(parts) > 1 and parts[1] == "mph":
        value *= 1.609344
    return round(value) if 5 <= value <= 140 else None


class WayCollector(osmium.SimpleHandler):
    """Collects drivable ways and tagged addresses in one pass over the extract."""

    def __init__(self) -> None:
        super().__init__()
        self.ways: list[dict[str, Any]] = []
        self.addresses: list[tuple[float, float, str, str]] = []

    def node(self, n: Any) -> None:
        tags = n.tags
        if "addr:housenumber" in tags and "addr:street" in tags and n.location.valid():
            self.addresses.append(
                (n.location.lat, n.location.lon, tags["addr:housenumber"], tags["addr:street"])
            )

    def way(self, w: Any) -> None:
        tags = w.tags
        if "addr:housenumber" in tags and "addr:street" in tags:
            pts = [(nd.location.lat, nd.location.lon) for nd in w.nodes if nd.location.valid()]
            if pts:
                lat = sum(p[0] for p in pts) / len(pts)
                lon = sum(p[1] for p in pts) / len(pts)
                self.addresses.append((lat, lon, tags["addr:housenumber"], tags["addr:street"]))
        highway = tags.get("highway")
        if highway not in DEFAULT_KMH or tags.get("access") in NO_ACCESS or tags.get("area") == "yes":
            return
        if highway == "service" and tags.get("service") not in SERVICE_KEPT:
            return
        # Runs of nodes inside the city's box; a way leaving the box (or the extract) is cut there.
        runs: list[tuple[list[int], list[tuple[float, float]]]] = [([], [])]
        for nd in w.nodes:
            loc = nd.location
            if loc.valid() and BBOX[0] <= loc.lat <= BBOX[1] and BBOX[2] <= loc.lon <= BBOX[3]:
                runs[-1][0].append(nd.ref)
                runs[-1][1].append((loc.lat, loc.lon))
            elif runs[-1][0]:
                runs.append(([], []))
        runs = [r for r in runs if len(r[0]) >= 2]
        if not runs:
            return
        oneway_tag = tags.get("oneway")
        if oneway_tag in ("yes", "true", "1"):
            oneway = 1
        elif oneway_tag == "-1":
            oneway = -1
        elif oneway_tag == "no":
            oneway = 0
        else:
            implied = highway in ("motorway", "motorway_link") or tags.get("junction") == "roundabout"
            oneway = 1 if implied else 0
        name: Name | None = None
        if highway in ("motorway", "trunk") and tags.get("ref"):
            name = route_name(tags["ref"])
        elif tags.get("name"):
            name = normalise_name(tags["name"])
        elif tags.get("ref") and not highway.endswith("_link"):
            name = route_name(tags["ref"])
        kmh = parse_maxspeed(tags.get("maxspeed")) or DEFAULT_KMH[highway]
        for refs, coords in runs:
            if oneway == -1:  # stored the way it is driven
                refs.reverse()
                coords.reverse()
            self.ways.append(
                {
                    "refs": refs,
                    "coords": coords,
                    "cls": highway,
                    "name": name,
                    "oneway": min(1, abs(oneway)),
                    "kmh": kmh,
                }
            )


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def split_into_edges(ways: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cut every way at its junctions: nodes shared with another way, way ends, and repeated nodes."""
    uses: dict[int, int] = defaultdict(int)
    for way in ways:
        for ref in way["refs"]:
            uses[ref] += 1
    edges: list[dict[str, Any]] = []
    for way in ways:
        refs, coords = way["refs"], way["coords"]
        start = 0
        for i in range(1, len(refs)):
            if i == len(refs) - 1 or uses[refs[i]] > 1:
                if refs[start] != refs[i]:  # a closed loop with no junction on it is dropped
                    edges.append(
                        {
                            **way,
                            "u": refs[start],
                            "v": refs[i],
                            "shape": coords[start + 1 : i],
                            "pu": coords[start],
                            "pv": coords[i],
                        }
                    )
                start = i
    return edges


def largest_strong_component(edges: list[dict[str, Any]]) -> set[int]:
    """Kosaraju's algorithm, iterative, over the directed street graph."""
    fwd: dict[int, list[int]] = defaultdict(list)
    rev: dict[int, list[int]] = defaultdict(list)
    for e in edges:
        fwd[e["u"]].append(e["v"])
        rev[e["v"]].append(e["u"])
        if not e["oneway"]:
            fwd[e["v"]].append(e["u"])
            rev[e["u"]].append(e["v"])
    nodes = sorted(set(fwd) | set(rev))
    seen: set[int] = set()
    order: list[int] = []
    for root in nodes:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(fwd[root]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                order.append(node)
            elif nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, iter(fwd[nxt])))
    assigned: set[int] = set()
    best: set[int] = set()
    for root in reversed(order):
        if root in assigned:
            continue
        comp = {root}
        assigned.add(root)
        todo = [root]
        while todo:
            node = todo.pop()
            for nxt in rev[node]:
                if nxt not in assigned:
                    assigned.add(nxt)
                    comp.add(nxt)
                    todo.append(nxt)
        if len(comp) > len(best):
            best = comp
    return best


def morton_key(lat_e6: int, lon_e6: int) -> int:
    """Interleave the bits of the two coordinates so that sorting keeps neighbours together."""
    x, y = (lon_e6 + 180_000_000) >> 4, (lat_e6 + 90_000_000) >> 4
    key = 0
    for bit in range(25):
        key |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return key


def e6(value: float) -> int:
    return round(value * 1_000_000)


def house_number_ranges(edges: list[dict[str, Any]]) -> None:
    """Give each addressable edge a synthetic house-number range from a Columbus-like grid."""
    extent: dict[Name, list[float]] = {}
    for e in edges:
        if e["name"] is None or e["cls"] not in ADDRESSED:
            continue
        box = extent.setdefault(e["name"], [90.0, -90.0, 180.0, -180.0])
        for lat, lon in (e["pu"], e["pv"]):
            box[0], box[1] = min(box[0], lat), max(box[1], lat)
            box[2], box[3] = min(box[2], lon), max(box[3], lon)
    cos_lat = math.cos(math.radians(BROAD_ST_LAT))
    for e in edges:
        found = extent.get(e["name"]) if e["name"] is not None else None
        if found is None or e["cls"] not in ADDRESSED:
            e["hno"] = (0, 0)
            continue
        east_west = (found[3] - found[2]) * cos_lat >= found[1] - found[0]

        def number(lat: float, lon: float, east_west: bool = east_west) -> int:
            if east_west:
                offset_m = abs(lon - HIGH_ST_LON) * cos_lat * M_PER_DEG_LAT
            else:
                offset_m = abs(lat - BROAD_ST_LAT) * M_PER_DEG_LAT
            return max(1, min(65_000, round(offset_m * HOUSE_NUMBERS_PER_M)))

        e["hno"] = (number(*e["pu"]), number(*e["pv"]))


def named_intersections(
    edges: list[dict[str, Any]], node_index: dict[int, int], node_pos: dict[int, tuple[float, float]]
) -> list[tuple[int, Name, Name]]:
    """Junctions where two differently named streets meet, one per name pair within 150 m."""
    rank = {c: i for i, c in enumerate(CLASSES)}
    names_at: dict[int, dict[Name, int]] = defaultdict(dict)
    for e in edges:
        if e["name"] is None:
            continue
        for ref in (e["u"], e["v"]):
            current = names_at[ref].get(e["name"])
            r = rank[e["cls"]]
            names_at[ref][e["name"]] = r if current is None else min(current, r)
    kept: dict[tuple[Name, Name], list[tuple[float, float]]] = defaultdict(list)
    out: list[tuple[int, Name, Name]] = []
    for ref in sorted(names_at, key=lambda r: node_index[r]):
        names = names_at[ref]
        if len(names) < 2:
            continue
        ordered = sorted(names, key=lambda n: (names[n], n))
        a = ordered[0]
        # E BROAD ST meeting W BROAD ST is one street changing its prefix, not an intersection.
        b = next((n for n in ordered[1:] if n[1] != a[1]), None)
        if b is None:
            continue
        pos = node_pos[ref]
        if any(haversine_m(pos[0], pos[1], other[0], other[1]) < 150 for other in kept[(a, b)]):
            continue
        kept[(a, b)].append(pos)
        out.append((node_index[ref], a, b))
    return out


def write_npz(out: Path, arrays: dict[str, np.ndarray[Any, Any]]) -> None:
    """Like ``np.savez_compressed``, but with fixed timestamps so that a rebuild gives identical bytes."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, array in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def build(pbf: Path, out: Path) -> dict[str, Any]:
    collector = WayCollector()
    collector.apply_file(str(pbf), locations=True)
    edges = split_into_edges(collector.ways)
    keep = largest_strong_component(edges)
    edges = [e for e in edges if e["u"] in keep and e["v"] in keep]

    node_pos: dict[int, tuple[float, float]] = {}
    for e in edges:
        node_pos[e["u"]] = e["pu"]
        node_pos[e["v"]] = e["pv"]
    refs_sorted = sorted(node_pos, key=lambda r: (morton_key(e6(node_pos[r][0]), e6(node_pos[r][1])), r))
    node_index = {ref: i for i, ref in enumerate(refs_sorted)}
    edges.sort(key=lambda e: (node_index[e["u"]], node_index[e["v"]], len(e["shape"])))
    house_number_ranges(edges)

    names: dict[Name, int] = {}

    def name_id(name: Name | None) -> int:
        if name is None:
            return -1
        return names.setdefault(name, len(names))

    lat_e6 = np.array([e6(node_pos[r][0]) for r in refs_sorted], dtype=np.int64)
    lon_e6 = np.array([e6(node_pos[r][1]) for r in refs_sorted], dtype=np.int64)
    shape_dlat: list[int] = []
    shape_dlon: list[int] = []
    lengths: list[float] = []
    for e in edges:
        prev = (e6(e["pu"][0]), e6(e["pu"][1]))
        length = 0.0
        last: tuple[float, float] = e["pu"]
        for lat, lon in e["shape"]:
            cur = (e6(lat), e6(lon))
            shape_dlat.append(cur[0] - prev[0])
            shape_dlon.append(cur[1] - prev[1])
            prev = cur
            length += haversine_m(last[0], last[1], lat, lon)
            last = (lat, lon)
        lengths.append(length + haversine_m(last[0], last[1], e["pv"][0], e["pv"][1]))

    intersections = named_intersections(edges, node_index, node_pos)
    addresses = sorted(collector.addresses)
    arrays: dict[str, np.ndarray[Any, Any]] = {
        "node_lat_e6": np.diff(lat_e6, prepend=0).astype(np.int32),
        "node_lon_e6": np.diff(lon_e6, prepend=0).astype(np.int32),
        "edge_from": np.array([node_index[e["u"]] for e in edges], dtype=np.int32),
        "edge_to": np.array([node_index[e["v"]] for e in edges], dtype=np.int32),
        "edge_oneway": np.array([e["oneway"] for e in edges], dtype=np.int8),
        "edge_class": np.array([CLASSES.index(e["cls"]) for e in edges], dtype=np.uint8),
        "edge_name": np.array([name_id(e["name"]) for e in edges], dtype=np.int32),
        "edge_maxspeed_kmh": np.array([e["kmh"] for e in edges], dtype=np.uint8),
        "edge_length_m": np.array(lengths, dtype=np.float32),
        "edge_shape_count": np.array([len(e["shape"]) for e in edges], dtype=np.uint16),
        "edge_hno_from": np.array([e["hno"][0] for e in edges], dtype=np.uint16),
        "edge_hno_to": np.array([e["hno"][1] for e in edges], dtype=np.uint16),
        "shape_dlat_e6": np.array(shape_dlat, dtype=np.int32),
        "shape_dlon_e6": np.array(shape_dlon, dtype=np.int32),
        "ix_node": np.array([i for i, _, _ in intersections], dtype=np.int32),
        "ix_name_a": np.array([name_id(a) for _, a, _ in intersections], dtype=np.int32),
        "ix_name_b": np.array([name_id(b) for _, _, b in intersections], dtype=np.int32),
        "addr_lat_e6": np.array([e6(a[0]) for a in addresses], dtype=np.int32),
        "addr_lon_e6": np.array([e6(a[1]) for a in addresses], dtype=np.int32),
        "addr_hno": np.array([a[2] for a in addresses], dtype=np.str_),
        "addr_name": np.array([name_id(normalise_name(a[3])) for a in addresses], dtype=np.int32),
        "classes": np.array(CLASSES, dtype=np.str_),
    }
    ordered = sorted(names, key=names.__getitem__)
    for i, part in enumerate(("prd", "rd", "sts", "pod")):
        arrays[f"name_{part}"] = np.array([n[i] for n in ordered], dtype=np.str_)
    meta = {
        "format_version": FORMAT_VERSION,
        "source": pbf.name,
        "attribution": "© OpenStreetMap contributors, ODbL 1.0",
        "bbox": {
            "lat_min": float(lat_e6.min()) / 1e6,
            "lat_max": float(lat_e6.max()) / 1e6,
            "lon_min": float(lon_e6.min()) / 1e6,
            "lon_max": float(lon_e6.max()) / 1e6,
        },
        "synthetic_house_numbers": True,
    }
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    write_npz(out, arrays)
    return {
        "ways": len(collector.ways),
        "junctions": len(refs_sorted),
        "edges": len(edges),
        "shape_points": len(shape_dlat),
        "names": len(names),
        "intersections": len(intersections),
        "real_addresses": len(addresses),
        "bytes": out.stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pbf", type=Path, default=DEFAULT_PBF)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    print(json.dumps(build(args.pbf, args.out), indent=2))


if __name__ == "__main__":
    main()

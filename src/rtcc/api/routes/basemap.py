"""The map the consoles draw on: the shipped city's street network as compact JSON, and where the map
starts (centre, zoom) with the optional raster tiles an agency configures underneath."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import math
import threading
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import orjson
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from rtcc.api.deps import Ctx, require_any
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission
from rtcc.sim.network import StreetNetwork, load_network

router = APIRouter(prefix="/api/v1/map", tags=["map"])
MapReader = Annotated[User, Depends(require_any(Permission.LIVE_READ, Permission.FIELD))]

E5 = 1e5  # coordinates travel as integers of 1e-5 degree (about a metre)
# The streets change only with a new release: browsers keep them a day and then revalidate by ETag.
CACHE_CONTROL = "private, max-age=86400"
# The map's first view fits the whole network in a window of about this many pixels.
VIEW_PX = (1024, 768)


class StreetsDoc(BaseModel):
    """The street network. Each line is one street segment between two junctions: [class index, name
    index (-1 for an unnamed street), [lat, lon, dlat, dlon, ...]], the first point absolute and each later
    point as the difference from the one before, all in integers of 1e-5 degree."""

    classes: list[str] = Field(..., description="Road classes, most important first (motorway ...).")
    names: list[str] = Field(..., description="Street names, e.g. W BROAD ST.")
    bbox: list[float] = Field(..., description="[south, west, north, east] in degrees.")
    lines: list[list[object]]
    attribution: str = Field(..., description="The street data's credit line (OpenStreetMap, ODbL).")


class MapConfig(BaseModel):
    tile_url: str | None = Field(..., description="Raster tile address with {z}, {x}, {y}; null: none.")
    tile_attribution: str | None = Field(..., description="Credit line the tile provider requires.")
    center: tuple[float, float] = Field(..., description="[lat, lon] of the first view.")
    zoom: int = Field(..., description="Web map zoom level of the first view.")


@dataclass(frozen=True, slots=True)
class StreetMap:
    body: bytes
    gzipped: bytes
    etag: str
    bbox: tuple[float, float, float, float]  # south, west, north, east


def encode_streets(net: StreetNetwork) -> StreetMap:
    lat = np.rint(net.shape_lat * E5).astype(np.int64)
    lon = np.rint(net.shape_lon * E5).astype(np.int64)
    starts = net.shape_start
    first = starts[:-1]
    # Deltas from the previous point, except at each line's first point, which stays absolute.
    dlat = np.diff(lat, prepend=0)
    dlon = np.diff(lon, prepend=0)
    dlat[first] = lat[first]
    dlon[first] = lon[first]
    flat = np.column_stack([dlat, dlon]).ravel().tolist()
    ends = starts[1:]
    lines = [
        [c, n, flat[2 * a : 2 * b]]
        for c, n, a, b in zip(
            net.edge_class.tolist(), net.edge_name.tolist(), first.tolist(), ends.tolist(), strict=True
        )
    ]
    bbox = (
        float(lat.min()) / E5,
        float(lon.min()) / E5,
        float(lat.max()) / E5,
        float(lon.max()) / E5,
    )
    doc = {
        "classes": net.classes,
        "names": [n.text for n in net.names],
        "bbox": list(bbox),
        "lines": lines,
        "attribution": str(net.meta.get("attribution", "")),
    }
    body = orjson.dumps(doc)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return StreetMap(body, gzip.compress(body, compresslevel=9, mtime=0), etag, bbox)


_street_map: StreetMap | None = None
_street_map_lock = threading.Lock()


def street_map() -> StreetMap:
    """The shipped city's streets, encoded once per process."""
    global _street_map
    if _street_map is None:
        with _street_map_lock:
            if _street_map is None:
                _street_map = encode_streets(load_network())
    return _street_map


def fitting_zoom(bbox: tuple[float, float, float, float], px: tuple[int, int] = VIEW_PX) -> int:
    """The largest web map zoom at which the box fits in ``px`` pixels (Web Mercator, 256-pixel tiles)."""
    south, west, north, east = bbox

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    world_x = max(east - west, 1e-9) / 360.0
    world_y = max(mercator_y(north) - mercator_y(south), 1e-9) / (2 * math.pi)
    zoom = math.floor(min(math.log2(px[0] / (256 * world_x)), math.log2(px[1] / (256 * world_y))))
    return max(0, min(zoom, 19))


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    # If-None-Match compares weakly (RFC 9110 13.1.2): a W/ prefix does not matter.
    return "*" in tags or etag in (t.removeprefix("W/") for t in tags)


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().lower().removeprefix("q=")
            try:
                return not params.strip() or float(q) > 0
            except ValueError:
                return False
    return False


@router.get(
    "/streets",
    response_class=Response,
    responses={200: {"model": StreetsDoc, "description": "The street network."}, 304: {}},
)
async def streets(request: Request, user: MapReader) -> Response:
    """The shipped city's streets for the consoles' basemap, with a strong ETag (send If-None-Match to get
    304 when unchanged); compressed when the client accepts gzip."""
    m = await asyncio.to_thread(street_map)
    headers = {"ETag": m.etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if _etag_matches(request.headers.get("if-none-match"), m.etag):
        return Response(status_code=304, headers=headers)
    if _accepts_gzip(request.headers.get("accept-encoding", "")):
        # Compressed once per process, not per request; the gzip middleware leaves an encoded body alone.
        headers["Content-Encoding"] = "gzip"
        return Response(m.gzipped, media_type="application/json", headers=headers)
    return Response(m.body, media_type="application/json", headers=headers)


@router.get("/config", response_model=MapConfig)
async def map_config(ctx: Ctx, user: MapReader) -> MapConfig:
    bbox = (await asyncio.to_thread(street_map)).bbox
    south, west, north, east = bbox
    return MapConfig(
        tile_url=ctx.settings.map_tile_url or None,
        tile_attribution=ctx.settings.map_tile_attribution or None,
        center=(round((south + north) / 2, 6), round((west + east) / 2, 6)),
        zoom=fitting_zoom(bbox),
    )

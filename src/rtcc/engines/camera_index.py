"""A spatial index of the camera registry: which cameras of these agencies can see a place, among the
hundreds of thousands of cameras of the largest networks.

The structure is a uniform grid of latitude/longitude cells (``CELL_DEG`` on a side, about 220 m north-south
and 170 m east-west at 40 degrees). Each occupied cell keeps a numpy array of the slots of its cameras; what
the index knows of each camera (place, heading, field of view, range, pan-tilt-zoom, mount height, agency,
status) sits in numpy columns by slot, so 200,000 cameras are a few dozen objects for the garbage collector
rather than hundreds of thousands. A query reads the cells that overlap the search circle's bounding box,
keeps the asked agencies' cameras within the circle (one vectorised haversine over the candidates), and works
out distance, bearing, view, pan and tilt for all of them at once with the formulas of
:func:`~rtcc.engines.camera_sight.sight_of`, in the same order.

The answers are those of :func:`~rtcc.engines.camera_sight.cameras_that_see` looking at every camera, to the
last digit. Numpy's trigonometry may differ from the ``math`` module's in the last bit, which only matters
where a figure sits on a limit (the circle, a camera's range, the edge of its field of view, half a rounding
step) or the camera is within a metre of the place; those few cameras are decided by ``sight_of`` itself.

Why a grid rather than H3 or an R-tree: the cameras are points, the one query shape is a circle of at most a
few kilometres, and the registry changes one camera at a time. Finding the cells is arithmetic and a dict
look-up, a change touches one or two cells, and it needs nothing beyond numpy. H3 would give the same
cells-and-neighbours scheme with hexagons, at the cost of a call into its library per cell and a new
dependency; an R-tree earns its keep on shapes with extent, which cameras are not; scipy's KD-tree is static,
so every registry change would mean rebuilding it. ``bench/cameras.py`` measures this index against a numpy
scan of every camera.

The index is safe to query and change from several threads. :class:`LiveCameraIndex` keeps one in step with
the registry through the change log the database keeps.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, NamedTuple, Protocol, cast

import numpy as np

from rtcc.domain.geo import EARTH_RADIUS_M, M_PER_DEG
from rtcc.engines.camera_sight import VIEW_ORDER, sight_of

CELL_DEG = 0.002
_ROWS = round(180.0 / CELL_DEG) + 1
_COLS = round(360.0 / CELL_DEG)  # longitude 180 and -180 share a column
# Numpy's haversine only narrows the field; cameras this close outside the circle go on to the exact test.
_SLACK_M = 0.01
# Numpy and the math module may disagree in the last bits. A camera whose answer could turn on those bits (a
# distance or angle this close to a limit, a figure this close to half a rounding step) is decided by
# sight_of itself; so is a camera within a metre of the place, where the bearing is ill-conditioned.
_EDGE_M = 1e-6
_EDGE_DEG = 1e-5
_EDGE_HALF = 1e-4  # of a 0.1 rounding step
_VIEW_NAMES = np.array(["in_view", "unknown", "out_of_view"], dtype=object)  # in the order of VIEW_ORDER


@dataclass(frozen=True, slots=True)
class CameraPlace:
    """What the index keeps of a camera: where it is, where it looks, whose it is and whether it works."""

    id: str
    agency_id: str
    lat: float
    lon: float
    heading_deg: float | None = None
    fov_deg: float | None = None
    range_m: float | None = None
    ptz: bool = False
    mount_height_m: float | None = None
    status: str = "up"

    @classmethod
    def of(cls, cam: Any) -> CameraPlace:
        """From a registry camera or a row with the same names."""
        status = cam.status
        return cls(
            id=cam.id,
            agency_id=cam.agency_id,
            lat=float(cam.lat),
            lon=float(cam.lon),
            heading_deg=_float(cam.heading_deg),
            fov_deg=_float(cam.fov_deg),
            range_m=_float(cam.range_m),
            ptz=bool(cam.ptz),
            mount_height_m=_float(cam.mount_height_m),
            status=str(getattr(status, "value", status) or "up"),
        )


class PlaceSight(NamedTuple):
    camera_id: str
    agency_id: str
    status: str
    distance_m: float
    bearing_deg: float  # from the camera to the place, clockwise from north
    view: str  # in_view, unknown, out_of_view
    pan_deg: float | None
    tilt_deg: float | None


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _cell(lat: float, lon: float) -> int:
    row = min(max(math.floor((lat + 90.0) / CELL_DEG), 0), _ROWS - 1)
    col = math.floor((lon + 180.0) / CELL_DEG) % _COLS
    return row * _COLS + col


def _cells_of(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    rows = np.clip(np.floor((lat + 90.0) / CELL_DEG).astype(np.int64), 0, _ROWS - 1)
    cols = np.floor((lon + 180.0) / CELL_DEG).astype(np.int64) % _COLS
    cells: np.ndarray = rows * _COLS + cols
    return cells


class _Names:
    """Small codes for the few distinct agencies and statuses, and the names back."""

    def __init__(self) -> None:
        self.code: dict[str, int] = {}
        self.names = np.empty(0, dtype=object)

    def __call__(self, name: str) -> int:
        code = self.code.get(name)
        if code is None:
            code = self.code[name] = len(self.code)
            self.names = np.append(self.names, np.array([name], dtype=object))
        return code


# The columns a question copies for the cameras near the place (all but the cell).
_FOUND_COLUMNS = ("id", "agency", "status", "lat", "lon", "heading", "fov", "range", "ptz", "mount")


class CameraIndex:
    def __init__(self, places: Iterable[CameraPlace] = ()):
        self._lock = threading.RLock()
        self.replace_all(places)

    # ---- changes ---------------------------------------------------------------------------------------
    def replace_all(self, places: Iterable[CameraPlace]) -> None:
        """Forget every camera and hold these (the last of two with the same id wins)."""
        held = list({p.id: p for p in places}.values())
        n = len(held)
        agencies, statuses = _Names(), _Names()
        col: dict[str, np.ndarray] = {
            "lat": np.fromiter((p.lat for p in held), dtype=np.float64, count=n),
            "lon": np.fromiter((p.lon for p in held), dtype=np.float64, count=n),
            "heading": _floats((p.heading_deg for p in held), n),
            "fov": _floats((p.fov_deg for p in held), n),
            "range": _floats((p.range_m for p in held), n),
            "mount": _floats((p.mount_height_m for p in held), n),
            "ptz": np.fromiter((p.ptz for p in held), dtype=np.bool_, count=n),
            "agency": np.fromiter((agencies(p.agency_id) for p in held), dtype=np.int32, count=n),
            "status": np.fromiter((statuses(p.status) for p in held), dtype=np.int32, count=n),
            "id": np.array([p.id for p in held] or [], dtype=object),
        }
        col["cell"] = _cells_of(col["lat"], col["lon"])
        order = np.argsort(col["cell"], kind="stable")
        keys, starts = np.unique(col["cell"][order], return_index=True)
        cells = dict(zip(keys.tolist(), np.split(order, starts[1:]), strict=True)) if n else {}
        with self._lock:
            self._col = col
            self._used = n  # slots handed out so far
            self._slot = {p.id: i for i, p in enumerate(held)}
            self._free: list[int] = []
            self._agencies, self._statuses = agencies, statuses
            self._cells: dict[int, np.ndarray] = cells

    def put(self, places: Iterable[CameraPlace]) -> None:
        """Add cameras, or replace those with the same id (moved, turned, another status)."""
        with self._lock:
            leaving: dict[int, list[int]] = {}
            arriving: dict[int, list[int]] = {}
            for p in places:
                cell = _cell(p.lat, p.lon)
                slot = self._slot.get(p.id)
                if slot is None:
                    slot = self._new_slot()
                    self._slot[p.id] = slot
                    arriving.setdefault(cell, []).append(slot)
                elif int(self._col["cell"][slot]) != cell:
                    leaving.setdefault(int(self._col["cell"][slot]), []).append(slot)
                    arriving.setdefault(cell, []).append(slot)
                col = self._col
                col["id"][slot], col["cell"][slot] = p.id, cell
                col["lat"][slot], col["lon"][slot] = p.lat, p.lon
                col["heading"][slot] = math.nan if p.heading_deg is None else p.heading_deg
                col["fov"][slot] = math.nan if p.fov_deg is None else p.fov_deg
                col["range"][slot] = math.nan if p.range_m is None else p.range_m
                col["mount"][slot] = math.nan if p.mount_height_m is None else p.mount_height_m
                col["ptz"][slot] = p.ptz
                col["agency"][slot] = self._agencies(p.agency_id)
                col["status"][slot] = self._statuses(p.status)
            self._move(leaving, arriving)

    def remove(self, camera_ids: Iterable[str]) -> None:
        """Forget these cameras (ids not held are ignored)."""
        with self._lock:
            leaving: dict[int, list[int]] = {}
            for camera_id in camera_ids:
                slot = self._slot.pop(camera_id, None)
                if slot is None:
                    continue
                leaving.setdefault(int(self._col["cell"][slot]), []).append(slot)
                self._col["id"][slot] = None
                self._free.append(slot)
            self._move(leaving, {})

    def _new_slot(self) -> int:
        if self._free:
            return self._free.pop()
        slot = self._used
        self._used += 1
        size = len(self._col["lat"])
        if slot >= size:
            grown = max(16, 2 * size)
            for name, column in self._col.items():
                extra = (
                    np.full(grown - size, None)
                    if column.dtype == object
                    else np.zeros(grown - size, column.dtype)
                )
                self._col[name] = np.concatenate((column, extra))
        return slot

    def _move(self, leaving: dict[int, list[int]], arriving: dict[int, list[int]]) -> None:
        for cell, slots in leaving.items():
            kept = self._cells[cell][~np.isin(self._cells[cell], slots)]
            if len(kept):
                self._cells[cell] = kept
            else:
                del self._cells[cell]
        for cell, slots in arriving.items():
            new = np.asarray(slots, dtype=np.int64)
            old = self._cells.get(cell)
            self._cells[cell] = new if old is None else np.concatenate((old, new))

    # ---- questions -------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, camera_id: object) -> bool:
        return camera_id in self._slot

    def get(self, camera_id: str) -> CameraPlace | None:
        with self._lock:
            slot = self._slot.get(camera_id)
            return None if slot is None else self._place(slot)

    def _place(self, slot: int) -> CameraPlace:
        return _place(self._col, slot, self._agencies.names, self._statuses.names)

    def sights(
        self, lat: float, lon: float, radius_m: float, agency_ids: Collection[str] | None = None
    ) -> list[PlaceSight]:
        """The cameras (of these agencies; of all when None) within radius_m of the place, with how each
        sees it, ordered as :func:`~rtcc.engines.camera_sight.cameras_that_see` orders them."""
        with self._lock:
            col = self._col
            slots = self._candidates(lat, lon, radius_m)
            if agency_ids is not None and len(slots):
                codes = [self._agencies.code[a] for a in agency_ids if a in self._agencies.code]
                agency = col["agency"][slots]
                slots = slots[agency == codes[0]] if len(codes) == 1 else slots[np.isin(agency, codes)]
            if not len(slots):
                return []
            d = _haversine(col["lat"][slots], col["lon"][slots], lat, lon)
            near = d <= radius_m + _SLACK_M
            slots = slots[near]
            # Copies, taken under the lock: the rest works on them while the index may change.
            found = _Found(
                {name: col[name][slots] for name in _FOUND_COLUMNS},
                d[near],
                self._agencies.names,
                self._statuses.names,
            )
        return found.ranked(lat, lon, radius_m)

    def _candidates(self, lat: float, lon: float, radius_m: float) -> np.ndarray:
        """Slots of the cameras in the cells the circle may reach."""
        dlat = radius_m / M_PER_DEG * 1.01 + 1e-9
        r0 = max(math.floor((lat - dlat + 90.0) / CELL_DEG), 0)
        r1 = min(math.floor((lat + dlat + 90.0) / CELL_DEG), _ROWS - 1)
        # The widest east-west reach of a circle on the sphere, at the latitude where it touches a meridian.
        reach = math.sin(min(radius_m / EARTH_RADIUS_M, math.pi / 2))
        cos_lat = math.cos(math.radians(lat))
        if lat + dlat >= 90.0 or lat - dlat <= -90.0 or reach >= cos_lat * 0.999:
            cols = range(_COLS)  # the circle takes in a pole, or nearly every meridian
        else:
            dlon = math.degrees(math.asin(reach / cos_lat)) * 1.01 + 1e-9
            c0 = math.floor((lon - dlon + 180.0) / CELL_DEG)
            c1 = math.floor((lon + dlon + 180.0) / CELL_DEG)
            cols = range(c0, c1 + 1) if c1 - c0 + 1 < _COLS else range(_COLS)
        cells = self._cells
        if (r1 - r0 + 1) * len(cols) > len(cells):
            # More cells in the box than cameras' cells: read the occupied cells in the box instead.
            width, first = len(cols), cols.start
            found = [
                a for k, a in cells.items() if r0 <= k // _COLS <= r1 and (k % _COLS - first) % _COLS < width
            ]
        else:
            found = []
            for row in range(r0, r1 + 1):
                base = row * _COLS
                for col in cols:
                    a = cells.get(base + col % _COLS)
                    if a is not None:
                        found.append(a)
        if not found:
            return np.empty(0, dtype=np.int64)
        return found[0] if len(found) == 1 else np.concatenate(found)


def _haversine(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    p1, p2 = np.radians(lat), math.radians(lat0)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(np.radians(lon0 - lon) / 2) ** 2
    d: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return d


def _place(
    col: dict[str, np.ndarray], slot: int, agency_names: np.ndarray, status_names: np.ndarray
) -> CameraPlace:
    return CameraPlace(
        id=col["id"][slot],
        agency_id=agency_names[col["agency"][slot]],
        lat=float(col["lat"][slot]),
        lon=float(col["lon"][slot]),
        heading_deg=_unless_nan(col["heading"][slot]),
        fov_deg=_unless_nan(col["fov"][slot]),
        range_m=_unless_nan(col["range"][slot]),
        ptz=bool(col["ptz"][slot]),
        mount_height_m=_unless_nan(col["mount"][slot]),
        status=status_names[col["status"][slot]],
    )


def _floats(values: Iterable[float | None], n: int) -> np.ndarray:
    """None becomes NaN."""
    return np.fromiter((math.nan if v is None else v for v in values), dtype=np.float64, count=n)


def _unless_nan(value: Any) -> float | None:
    return None if value != value else float(value)


def _at_half(values: np.ndarray) -> np.ndarray:
    """Where rounding to 0.1 could go either way."""
    t = np.abs(values) * 10.0
    at: np.ndarray = np.abs(t - np.floor(t) - 0.5) < _EDGE_HALF
    return at


@dataclass(frozen=True, slots=True)
class _Found:
    """The cameras near a place, column by column."""

    col: dict[str, np.ndarray]
    d: np.ndarray
    agency_names: np.ndarray
    status_names: np.ndarray

    def ranked(self, lat: float, lon: float, radius_m: float) -> list[PlaceSight]:
        """What :func:`~rtcc.engines.camera_sight.sight_of` says of each camera, worked out for all of them
        at once (the same formulas, in the same order), ranked as ``cameras_that_see`` ranks them."""
        col, d = self.col, self.d
        heading, fov, range_m, ptz = col["heading"], col["fov"], col["range"], col["ptz"]
        p1, p2 = np.radians(col["lat"]), math.radians(lat)
        dl = np.radians(lon - col["lon"])
        x = np.sin(dl) * math.cos(p2)
        y = np.cos(p1) * math.sin(p2) - np.sin(p1) * math.cos(p2) * np.cos(dl)
        bearing = (np.degrees(np.arctan2(x, y)) + 360.0) % 360.0
        mount = col["mount"]
        tilt = -np.degrees(np.arctan2(np.where(mount == mount, mount, 0.0), np.maximum(d, 1.0)))
        has_range = ~np.isnan(range_m)
        fixed = ~ptz & ~np.isnan(heading) & ~np.isnan(fov)
        off = np.abs((bearing - heading + 180.0) % 360.0 - 180.0)
        with np.errstate(invalid="ignore"):  # NaN compares false: no range, no heading
            within_range = ~has_range | (d <= range_m)
            beyond_range = has_range & (d > range_m)
            in_fov = fixed & (off <= fov / 2)
            edge = (
                (d < 1.0)
                | (np.abs(d - radius_m) < _EDGE_M)
                | (has_range & (np.abs(d - range_m) < _EDGE_M))
                | (fixed & (np.abs(off - fov / 2) < _EDGE_DEG))
                | (bearing < _EDGE_DEG)
                | (bearing > 360.0 - _EDGE_DEG)
                | _at_half(d)
                | _at_half(bearing)
                | (ptz & _at_half(tilt))
            )
        view: np.ndarray = np.where(
            within_range & (ptz | in_fov), 0, np.where(ptz | fixed | beyond_range, 2, 1)
        )
        distance = np.round(d, 1)
        bearing = np.round(bearing, 1)
        # Object columns: a pan and a tilt for pan-tilt-zoom cameras, None for the others.
        pan = cast(np.ndarray, np.where(ptz, bearing, None))
        tilt = cast(np.ndarray, np.where(ptz, np.round(tilt, 1), None))
        keep = ~edge & (d <= radius_m)
        for i in np.flatnonzero(edge).tolist():
            s = sight_of(_place(col, i, self.agency_names, self.status_names), lat, lon, radius_m)
            if s is not None:
                keep[i] = True
                distance[i], bearing[i], view[i] = s.distance_m, s.bearing_deg, VIEW_ORDER[s.view]
                pan[i], tilt[i] = s.pan_deg, s.tilt_deg
        rows = np.flatnonzero(keep)
        order = rows[np.lexsort((distance[rows], view[rows]))]
        v, dist = view[order], distance[order]
        if len(order) > 1 and bool(np.any((v[1:] == v[:-1]) & (dist[1:] == dist[:-1]))):
            # Equally placed cameras go by id, as cameras_that_see has them.
            order = rows[np.lexsort((col["id"][rows].astype(str), distance[rows], view[rows]))]
        return list(
            map(
                tuple.__new__,  # PlaceSight._make without a Python call per camera
                repeat(PlaceSight),
                zip(
                    col["id"][order].tolist(),
                    self.agency_names[col["agency"][order]].tolist(),
                    self.status_names[col["status"][order]].tolist(),
                    distance[order].tolist(),
                    bearing[order].tolist(),
                    _VIEW_NAMES[view[order]].tolist(),
                    pan[order].tolist(),
                    tilt[order].tolist(),
                    strict=True,
                ),
            )
        )


class CameraRegistry(Protocol):
    """Where the cameras are on record, and the log of changes to them (rtcc.storage.live_state)."""

    def camera_places(self, camera_ids: Sequence[str] | None = None) -> Sequence[Any]:
        """Rows with CameraPlace's names: of all cameras, or of these."""
        ...

    def last_camera_change(self) -> int: ...

    def camera_changes(self, after_seq: int, limit: int) -> tuple[int, list[str] | None]:
        """The last change's number and the ids changed after after_seq (None: read everything again)."""
        ...


class LiveCameraIndex:
    """A :class:`CameraIndex` of the whole registry, kept in step with it: loaded on first use, and before
    every question brought up to date with the changes logged since (one look-up when there are none).
    Changes are logged by the database itself, whoever makes them, so a camera imported from the command
    line or approved by another server process is found by the next question here."""

    def __init__(self, registry: CameraRegistry, *, reload_over: int = 20_000):
        self.registry = registry
        self.reload_over = reload_over  # more changes than this waiting: read everything again
        self._index: CameraIndex | None = None
        self._seq = 0
        self._lock = threading.Lock()

    def catch_up(self) -> CameraIndex:
        with self._lock:
            if self._index is None:
                self._index = CameraIndex()
                self._reload(self._index)
                return self._index
            last, changed = self.registry.camera_changes(self._seq, self.reload_over)
            if changed is None:
                self._reload(self._index)
            elif changed:
                rows = self.registry.camera_places(changed)
                self._index.put(CameraPlace.of(r) for r in rows)
                self._index.remove(set(changed) - {r.id for r in rows})
                self._seq = last
            return self._index

    def _reload(self, index: CameraIndex) -> None:
        # The log's position first: a change made while the cameras are read is applied again next time.
        seq = self.registry.last_camera_change()
        index.replace_all(CameraPlace.of(r) for r in self.registry.camera_places())
        self._seq = seq

    def sights(
        self, lat: float, lon: float, radius_m: float, agency_ids: Collection[str] | None = None
    ) -> list[PlaceSight]:
        return self.catch_up().sights(lat, lon, radius_m, agency_ids)

"""Local metric frames, the speed of sound, and plane geometry the gunshot engine needs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rtcc.domain.geo import bearing_deg, haversine_m

# WGS84
_A = 6_378_137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)


def speed_of_sound(temperature_c: float) -> float:
    """c = 331.3 * sqrt(1 + T / 273.15) m/s: about 0.6 m/s per degree near room temperature."""
    return 331.3 * math.sqrt(1.0 + temperature_c / 273.15)


def _ecef(lat: float, lon: float, h: float) -> np.ndarray:
    la, lo = math.radians(lat), math.radians(lon)
    n = _A / math.sqrt(1 - _E2 * math.sin(la) ** 2)
    return np.array(
        [
            (n + h) * math.cos(la) * math.cos(lo),
            (n + h) * math.cos(la) * math.sin(lo),
            (n * (1 - _E2) + h) * math.sin(la),
        ]
    )


@dataclass(frozen=True)
class LocalFrame:
    """East-north-up metres around a reference point: exact enough for a city (well under a centimetre
    over a few kilometres), and it keeps the solver's numbers small."""

    lat0: float
    lon0: float
    h0: float = 0.0

    def _rotation(self) -> np.ndarray:
        la, lo = math.radians(self.lat0), math.radians(self.lon0)
        return np.array(
            [
                [-math.sin(lo), math.cos(lo), 0.0],
                [-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)],
                [math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)],
            ]
        )

    def to_enu(self, lat: float, lon: float, h: float) -> np.ndarray:
        enu: np.ndarray = self._rotation() @ (_ecef(lat, lon, h) - _ecef(self.lat0, self.lon0, self.h0))
        return enu

    def to_geodetic(self, enu: Sequence[float]) -> tuple[float, float, float]:
        """Back to latitude, longitude, height (Bowring's method, iterated; sub-millimetre here)."""
        x, y, z = _ecef(self.lat0, self.lon0, self.h0) + self._rotation().T @ np.asarray(enu, dtype=float)
        lon = math.atan2(y, x)
        p = math.hypot(x, y)
        lat = math.atan2(z, p * (1 - _E2))
        h = 0.0
        for _ in range(5):
            n = _A / math.sqrt(1 - _E2 * math.sin(lat) ** 2)
            h = p / math.cos(lat) - n
            lat = math.atan2(z, p * (1 - _E2 * n / (n + h)))
        return math.degrees(lat), math.degrees(lon), h


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise hull of 2-D points (monotone chain)."""
    pts = sorted({(float(x), float(y)) for x, y in points})
    if len(pts) <= 2:
        return np.array(pts)

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def inside_hull(point: Sequence[float], points: np.ndarray) -> bool:
    hull = convex_hull(points)
    if len(hull) < 3:
        return False
    x, y = float(point[0]), float(point[1])
    for i in range(len(hull)):
        (x1, y1), (x2, y2) = hull[i], hull[(i + 1) % len(hull)]
        if (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) < 0:
            return False
    return True


@dataclass(frozen=True)
class CameraView:
    """Whether a camera can see a spot, and for a pan-tilt-zoom camera where to point it."""

    camera_id: str
    distance_m: float
    bearing_deg: float  # from the camera to the spot, clockwise from north
    in_view: bool  # inside the fixed field of view (or reachable by pan for PTZ) and within range
    ptz: bool
    pan_deg: float | None = None  # absolute pan to look at the spot
    tilt_deg: float | None = None  # negative looks down


def camera_view(
    camera_id: str,
    cam_lat: float,
    cam_lon: float,
    spot_lat: float,
    spot_lon: float,
    *,
    heading_deg: float | None,
    fov_deg: float | None,
    range_m: float | None,
    ptz: bool,
    mount_height_m: float | None,
) -> CameraView:
    distance = haversine_m(cam_lat, cam_lon, spot_lat, spot_lon)
    bearing = bearing_deg(cam_lat, cam_lon, spot_lat, spot_lon)
    within_range = range_m is None or distance <= range_m
    if ptz:
        tilt = -math.degrees(math.atan2(mount_height_m or 0.0, max(distance, 1.0)))
        return CameraView(camera_id, distance, bearing, within_range, True, round(bearing, 1), round(tilt, 1))
    if heading_deg is None or fov_deg is None:
        in_fov = False
    else:
        off = abs((bearing - heading_deg + 180.0) % 360.0 - 180.0)
        in_fov = off <= fov_deg / 2
    return CameraView(camera_id, distance, bearing, within_range and in_fov, False)

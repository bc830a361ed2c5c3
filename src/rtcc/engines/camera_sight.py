"""Which cameras can see a place, ranked for an operator: those whose view takes in the spot first (fixed
cameras pointed at it, pan-tilt-zoom cameras in range, with the pan and tilt to look at it), then those
whose orientation is not on record, then the rest; nearest first within each.

:func:`cameras_that_see` looks at every camera it is given; it is the reference the spatial index
(:mod:`rtcc.engines.camera_index`) answers the same question against, through the same :func:`sight_of`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from rtcc.domain.entities import Camera
from rtcc.domain.geo import haversine_m
from rtcc.engines.gunshot.geometry import camera_view

VIEW_ORDER = {"in_view": 0, "unknown": 1, "out_of_view": 2}


class CameraGeometry(Protocol):
    """What deciding whether a camera sees a place needs: a registry camera, or an index's copy of one."""

    @property
    def id(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def heading_deg(self) -> float | None: ...
    @property
    def fov_deg(self) -> float | None: ...
    @property
    def range_m(self) -> float | None: ...
    @property
    def ptz(self) -> bool: ...
    @property
    def mount_height_m(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class CameraSight:
    camera: Camera
    distance_m: float
    bearing_deg: float
    view: str  # in_view, unknown (no heading or field of view on record), out_of_view
    pan_deg: float | None
    tilt_deg: float | None


@dataclass(frozen=True, slots=True)
class Sight:
    """How one camera sees a place, for a camera known by its geometry alone."""

    distance_m: float  # rounded to 0.1 m
    bearing_deg: float  # from the camera to the place, rounded to 0.1 degree
    view: str
    pan_deg: float | None
    tilt_deg: float | None


def sight_of(cam: CameraGeometry, lat: float, lon: float, radius_m: float) -> Sight | None:
    """How the camera sees the place, or None when it is farther than radius_m from it."""
    if haversine_m(cam.lat, cam.lon, lat, lon) > radius_m:
        return None
    v = camera_view(
        cam.id,
        cam.lat,
        cam.lon,
        lat,
        lon,
        heading_deg=cam.heading_deg,
        fov_deg=cam.fov_deg,
        range_m=cam.range_m,
        ptz=cam.ptz,
        mount_height_m=cam.mount_height_m,
    )
    orientation_known = cam.ptz or (cam.heading_deg is not None and cam.fov_deg is not None)
    view = "in_view" if v.in_view else ("out_of_view" if orientation_known else "unknown")
    if not orientation_known and cam.range_m is not None and v.distance_m > cam.range_m:
        view = "out_of_view"
    return Sight(round(v.distance_m, 1), round(v.bearing_deg, 1), view, v.pan_deg, v.tilt_deg)


def sight_order(view: str, distance_m: float, camera_id: str) -> tuple[int, float, str]:
    return (VIEW_ORDER[view], distance_m, camera_id)


def cameras_that_see(cameras: Iterable[Camera], lat: float, lon: float, radius_m: float) -> list[CameraSight]:
    out = []
    for cam in cameras:
        s = sight_of(cam, lat, lon, radius_m)
        if s is not None:
            out.append(CameraSight(cam, s.distance_m, s.bearing_deg, s.view, s.pan_deg, s.tilt_deg))
    out.sort(key=lambda s: sight_order(s.view, s.distance_m, s.camera.id))
    return out

"""Which cameras can see a place, ranked for an operator: those whose view takes in the spot first (fixed
cameras pointed at it, pan-tilt-zoom cameras in range, with the pan and tilt to look at it), then those
whose orientation is not on record, then the rest; nearest first within each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rtcc.domain.entities import Camera
from rtcc.domain.geo import haversine_m
from rtcc.engines.gunshot.geometry import camera_view

VIEW_ORDER = {"in_view": 0, "unknown": 1, "out_of_view": 2}


@dataclass(frozen=True, slots=True)
class CameraSight:
    camera: Camera
    distance_m: float
    bearing_deg: float
    view: str  # in_view, unknown (no heading or field of view on record), out_of_view
    pan_deg: float | None
    tilt_deg: float | None


def cameras_that_see(cameras: Iterable[Camera], lat: float, lon: float, radius_m: float) -> list[CameraSight]:
    out = []
    for cam in cameras:
        if haversine_m(cam.lat, cam.lon, lat, lon) > radius_m:
            continue
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
        out.append(
            CameraSight(cam, round(v.distance_m, 1), round(v.bearing_deg, 1), view, v.pan_deg, v.tilt_deg)
        )
    out.sort(key=lambda s: (VIEW_ORDER[s.view], s.distance_m, s.camera.id))
    return out

"""A small time-difference-of-arrival check for the tests: associate impulses across sensors into shots
and locate each shot by least squares in a local metric frame. Not a location engine: no outlier
handling beyond leaving out one sensor, no uncertainty, two dimensions only. The product does this
(bursts tracked by their common steps, clock offsets found and named) in rtcc.engines.gunshot.burst;
this stays as an independent reference to check it against."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from rtcc.domain.geo import EARTH_RADIUS_M
from rtcc.sensor import Impulse, SensorMetadata


def speed_of_sound(temperature_c: float) -> float:
    return 331.3 * math.sqrt(1.0 + temperature_c / 273.15)


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    t0_ns: int
    residuals_ms: dict[str, float]
    centroid_distance_m: float

    @property
    def rms_ms(self) -> float:
        return math.sqrt(sum(r * r for r in self.residuals_ms.values()) / len(self.residuals_ms))

    @property
    def worst(self) -> tuple[str, float]:
        return max(self.residuals_ms.items(), key=lambda kv: abs(kv[1]))


def locate(sensors: Sequence[SensorMetadata], arrivals_ns: Sequence[int], c: float) -> Fix:
    lat = np.array([s.latitude for s in sensors], dtype=float)
    lon = np.array([s.longitude for s in sensors], dtype=float)
    lat0, lon0 = float(lat.mean()), float(lon.mean())
    kx = math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    ky = math.radians(1.0) * EARTH_RADIUS_M
    x, y = (lon - lon0) * kx, (lat - lat0) * ky
    base = min(arrivals_ns)
    t = np.array([(a - base) / 1e9 for a in arrivals_ns])

    def residuals(p: np.ndarray) -> np.ndarray:
        result: np.ndarray = t - p[2] - np.hypot(x - p[0], y - p[1]) / c
        return result

    best = None
    span = float(max(np.ptp(x), np.ptp(y), 100.0))
    for gx in np.linspace(-span, span, 7):
        for gy in np.linspace(-span, span, 7):
            fit = least_squares(residuals, [gx, gy, -span / c])
            if best is None or fit.cost < best.cost:
                best = fit
    assert best is not None
    px, py, pt = (float(v) for v in best.x)
    res = residuals(best.x) * 1000.0
    return Fix(
        lat=lat0 + py / ky,
        lon=lon0 + px / kx,
        t0_ns=base + round(pt * 1e9),
        residuals_ms={s.sensor_id: float(r) for s, r in zip(sensors, res, strict=True)},
        centroid_distance_m=math.hypot(px, py),
    )


def locate_leaving_out_worst(
    sensors: Sequence[SensorMetadata], arrivals_ns: Sequence[int], c: float
) -> tuple[Fix, str]:
    """The best fit over all subsets missing one sensor (judged by the largest residual)."""
    fits = []
    for k in range(len(sensors)):
        keep = [i for i in range(len(sensors)) if i != k]
        fit = locate([sensors[i] for i in keep], [arrivals_ns[i] for i in keep], c)
        fits.append((max(abs(r) for r in fit.residuals_ms.values()), fit, sensors[k].sensor_id))
    _, fit, left_out = min(fits, key=lambda f: f[0])
    return fit, left_out


def associate(
    impulses: Sequence[Sequence[Impulse]], *, window_s: float = 0.05, min_sensors: int | None = None
) -> list[list[Impulse | None]]:
    """Group impulses into shots, one impulse (or None) per sensor.

    The first shot is the first impulse of every sensor. Each next shot is the earliest common delay
    after the previous shot at which at least ``min_sensors`` sensors have an impulse within
    ``window_s`` of their expected arrival: the previous arrival plus that delay, plus (for a moving
    source) the sensor's drift over the previous step scaled to the new delay.
    """
    n = len(impulses)
    need = n - 1 if min_sensors is None else min_sensors
    if not all(impulses):
        return []
    shots: list[list[Impulse | None]] = [[imps[0] for imps in impulses]]
    prev = [imps[0].offset_s for imps in impulses]
    drift = [0.0] * n  # per sensor: how much longer its last step was than the common delay, per second

    def pick(delay: float) -> list[Impulse | None]:
        picks: list[Impulse | None] = []
        for s, imps in enumerate(impulses):
            expected = prev[s] + delay * (1.0 + drift[s])
            near = [i for i in imps if abs(i.offset_s - expected) <= window_s]
            picks.append(min(near, key=lambda i: abs(i.offset_s - expected)) if near else None)
        return picks

    while True:
        delays = sorted(
            {
                round((i.offset_s - prev[s]) / (1.0 + drift[s]), 4)
                for s, imps in enumerate(impulses)
                for i in imps
                if i.offset_s - prev[s] > window_s
            }
        )
        chosen = next((p for p in map(pick, delays) if sum(x is not None for x in p) >= need), None)
        if chosen is None:
            return shots
        steps = [p.offset_s - prev[s] for s, p in enumerate(chosen) if p is not None]
        median = float(np.median(steps))
        picks = pick(median)
        shots.append(picks)
        for s, p in enumerate(picks):
            if p is not None:
                drift[s] = (p.offset_s - prev[s]) / median - 1.0
                prev[s] = p.offset_s
            else:
                prev[s] += median * (1.0 + drift[s])

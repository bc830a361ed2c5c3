"""Vehicles moving along polylines in simulated time.

A :class:`Trip` is a polyline driven from a start time at a fraction of each segment's speed limit. Its
position at any later time is an interpolation, so AVL pings can be taken at any rate without stepping
every vehicle every second.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from rtcc.domain.geo import bearing_deg
from rtcc.sim.network import M_PER_DEG, Polyline

NS = 1_000_000_000
MIN_SPEED_MPS = 3.0  # even a crawl through an alley moves


@dataclass(frozen=True, slots=True)
class Fix:
    """Where a vehicle is at one instant."""

    lat: float
    lon: float
    heading_deg: float
    speed_mps: float


class Trip:
    """One drive (or one stop, when the polyline has a single point) from ``start_ns``."""

    def __init__(
        self, line: Polyline, start_ns: int, speed_factor: float, heading_deg: float = 0.0, hold_ns: int = 0
    ) -> None:
        if len(line.limits) != len(line.lats) - 1:
            raise ValueError("a polyline needs one speed limit per segment")
        self.line = line
        self.start_ns = start_ns
        self.start_heading = heading_deg
        cos_lat = math.cos(math.radians(line.lats[0]))
        lats, lons = line.lats, line.lons
        self.times: list[int] = [start_ns]
        self.speeds: list[float] = []
        t = float(start_ns)
        hypot = math.hypot
        for i, limit in enumerate(line.limits):
            length = hypot((lons[i + 1] - lons[i]) * cos_lat, lats[i + 1] - lats[i]) * M_PER_DEG
            speed = max(MIN_SPEED_MPS, limit * speed_factor)
            t += length / speed * NS
            self.times.append(round(t))
            self.speeds.append(speed)
        # A stop (or a pause at the end of a drive) keeps the vehicle at the last point for ``hold_ns``.
        self.end_ns = self.times[-1] + hold_ns
        self._end_heading: float | None = None

    @classmethod
    def stop(
        cls, lat: float, lon: float, junction: int | None, start_ns: int, hold_ns: int, heading: float
    ) -> Trip:
        line = Polyline([lat], [lon], [], {0: junction} if junction is not None else {})
        return cls(line, start_ns, 1.0, heading, hold_ns)

    @property
    def moving_until_ns(self) -> int:
        return self.times[-1]

    def heading_at(self, segment: int) -> float:
        """Bearing of a segment, or of the nearest one before it that has a length (headings are computed
        only when a ping needs one: most segments of a patrol are never pinged)."""
        lats, lons = self.line.lats, self.line.lons
        for i in range(segment, -1, -1):
            if abs(lats[i + 1] - lats[i]) + abs(lons[i + 1] - lons[i]) > 5e-7:
                return bearing_deg(lats[i], lons[i], lats[i + 1], lons[i + 1])
        return self.start_heading

    @property
    def end_heading(self) -> float:
        if self._end_heading is None:
            self._end_heading = (
                self.heading_at(len(self.line.limits) - 1) if self.line.limits else self.start_heading
            )
        return self._end_heading

    def fix(self, t_ns: int) -> Fix:
        """Position, heading and speed at ``t_ns`` (clamped to the trip)."""
        times, line = self.times, self.line
        if t_ns >= times[-1]:
            return Fix(line.lats[-1], line.lons[-1], self.end_heading, 0.0)
        if t_ns <= times[0]:
            heading = self.heading_at(0) if line.limits else self.start_heading
            return Fix(line.lats[0], line.lons[0], heading, 0.0)
        i = bisect_right(times, t_ns) - 1
        f = (t_ns - times[i]) / max(1, times[i + 1] - times[i])
        lat = line.lats[i] + (line.lats[i + 1] - line.lats[i]) * f
        lon = line.lons[i] + (line.lons[i + 1] - line.lons[i]) * f
        return Fix(lat, lon, self.heading_at(i), self.speeds[i])

    def remainder_to_junction(self, t_ns: int) -> Polyline:
        """From the position at ``t_ns`` to the next junction on the way, where a new route can start.

        When the trip ends between junctions (at a scene), the way back to the last junction passed is used.
        """
        line, times = self.line, self.times
        last = len(line.lats) - 1
        fix = self.fix(t_ns)
        at_end = t_ns >= times[-1]
        # The vehicle is at point ``seg`` (at the end) or inside the segment from ``seg`` to ``seg + 1``.
        seg = last if at_end else max(0, bisect_right(times, t_ns) - 1)
        ahead = [k for k in line.junctions if k > seg or (k == seg and (at_end or times[k] >= t_ns))]
        if ahead:
            k = min(ahead)
            if k == seg:
                return Polyline([fix.lat], [fix.lon], [], {0: line.junctions[k]})
            lats = [fix.lat, *line.lats[seg + 1 : k + 1]]
            lons = [fix.lon, *line.lons[seg + 1 : k + 1]]
            return Polyline(lats, lons, line.limits[seg:k], {len(lats) - 1: line.junctions[k]})
        behind = [k for k in line.junctions if k <= seg]
        if not behind:
            raise ValueError("a trip must pass or reach at least one junction")
        k = max(behind)
        if at_end:
            lats = [fix.lat, *reversed(line.lats[k:last])]
            lons = [fix.lon, *reversed(line.lons[k:last])]
            limits = list(reversed(line.limits[k:last]))
        else:
            lats = [fix.lat, *reversed(line.lats[k : seg + 1])]
            lons = [fix.lon, *reversed(line.lons[k : seg + 1])]
            limits = [line.limits[seg], *reversed(line.limits[k:seg])]
        return Polyline(lats, lons, limits, {len(lats) - 1: line.junctions[k]})

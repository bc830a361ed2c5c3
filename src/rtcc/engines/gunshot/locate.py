"""From pulses in either frame to located shots and incidents: the contract `rtcc gunshot locate` prints and
the live engine alerts on."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from rtcc.engines.gunshot.association import AssociationConfig, Pulse, Shot, associate
from rtcc.engines.gunshot.geometry import LocalFrame, inside_hull, speed_of_sound

DEFAULT_TEMPERATURE_C = 15.0
POOR_HDOP = 3.0  # metres of error per metre of timing error beyond which the geometry is called poor
FEW_SENSORS = 6  # below this, a single late path can hardly be told from a direct one


@dataclass(frozen=True)
class SensorPulse:
    """One pulse as reported: arrival time (UTC, ns) and where the hearing sensor is."""

    id: str
    sensor_id: str
    arrival_ns: int
    lat: float | None = None
    lon: float | None = None
    elevation_m: float | None = None
    xyz: tuple[float, float, float] | None = None  # metres in a caller's local frame, instead of lat/lon


@dataclass
class LocatedShot:
    time: datetime
    t0_ns: int
    xyz: tuple[float, float, float]  # in the local solving frame
    lat: float | None
    lon: float | None
    elevation_m: float | None
    uncertainty: dict[str, float]
    pulse_ids: list[str]
    sensor_ids: list[str]
    extra_pulse_ids: list[str]
    residual_rms_ms: float
    warnings: list[str] = field(default_factory=list)
    # Sensor health found while locating: sensor id -> offset_ms (how much later than the other sensors it
    # reports; negative: earlier), uncertainty_ms, rounds. Removed from its times before they were used.
    clock_offsets: dict[str, dict[str, float]] = field(default_factory=dict)
    burst_rounds: int = 0  # rounds of the burst that located this shot (0: located on its own)

    @property
    def sensor_count(self) -> int:
        return len(self.sensor_ids)


@dataclass
class Incident:
    shots: list[LocatedShot]

    @property
    def rounds(self) -> int:
        return len(self.shots)

    @property
    def classification(self) -> str:
        if any(s.sensor_count >= FEW_SENSORS and "poor_geometry" not in s.warnings for s in self.shots):
            return "multiple gunshots" if self.rounds > 1 else "single gunshot"
        return "probable gunfire"

    @property
    def best(self) -> LocatedShot:
        """The round located most precisely stands for the incident's position."""
        return min(self.shots, key=lambda s: s.uncertainty["radius_90_m"])


def locate(
    pulses: Sequence[SensorPulse],
    *,
    temperature_c: float | None = None,
    config: AssociationConfig | None = None,
) -> tuple[list[LocatedShot], list[str]]:
    """Group and locate. Returns the shots in firing order and the ids of pulses no shot explains."""
    if not pulses:
        return [], []
    c = speed_of_sound(DEFAULT_TEMPERATURE_C if temperature_c is None else temperature_c)
    geodetic = pulses[0].xyz is None
    frame: LocalFrame | None = None
    if geodetic:
        lats = [p.lat for p in pulses if p.lat is not None]
        lons = [p.lon for p in pulses if p.lon is not None]
        elevs = [p.elevation_m or 0.0 for p in pulses]
        frame = LocalFrame(float(np.mean(lats)), float(np.mean(lons)), float(np.mean(elevs)))
    ref_ns = min(p.arrival_ns for p in pulses)
    positions: dict[str, tuple[float, float, float]] = {}
    internal: list[Pulse] = []
    for p in pulses:
        if p.sensor_id not in positions:
            if frame is not None:
                assert p.lat is not None and p.lon is not None
                e, n, u = frame.to_enu(p.lat, p.lon, p.elevation_m or 0.0)
                positions[p.sensor_id] = (float(e), float(n), float(u))
            else:
                assert p.xyz is not None
                positions[p.sensor_id] = p.xyz
        internal.append(Pulse(p.id, p.sensor_id, (p.arrival_ns - ref_ns) / 1e9, positions[p.sensor_id]))
    shots, unexplained = associate(internal, c, config)
    return [_result(s, c, ref_ns, frame) for s in shots], [p.id for p in unexplained]


def _result(shot: Shot, c: float, ref_ns: int, frame: LocalFrame | None) -> LocatedShot:
    fix = shot.fix
    unc = fix.uncertainty(c)
    t0_ns = ref_ns + round(fix.t0 * 1e9)
    xyz = (float(fix.position[0]), float(fix.position[1]), float(fix.position[2]))
    lat = lon = elev = None
    if frame is not None:
        lat, lon, elev = frame.to_geodetic(xyz)
    used_xy = np.array([p.position[:2] for p in shot.pulses])
    warnings = []
    if not inside_hull(xyz, used_xy):
        warnings.append("outside_sensor_hull")
    if shot.sensor_count < FEW_SENSORS:
        warnings.append("too_few_sensors")
    if not math.isfinite(unc.hdop) or unc.hdop > POOR_HDOP:
        warnings.append("poor_geometry")
    if shot.clock_offsets:
        warnings.append("sensor_clock_offset")
    return LocatedShot(
        time=datetime.fromtimestamp(t0_ns // 1_000_000_000, UTC)
        + timedelta(microseconds=(t0_ns % 1_000_000_000) / 1000),
        t0_ns=t0_ns,
        xyz=xyz,
        lat=lat,
        lon=lon,
        elevation_m=elev,
        uncertainty=unc.as_dict(),
        pulse_ids=[p.id for p in shot.pulses],
        sensor_ids=[p.sensor_id for p in shot.pulses],
        extra_pulse_ids=[p.id for p in shot.extra],
        residual_rms_ms=round(fix.rms_s * 1000, 3),
        warnings=warnings,
        clock_offsets={
            sensor: {
                "offset_ms": round(o.offset_s * 1000, 2),
                "uncertainty_ms": round(o.sigma_s * 1000, 2),
                "rounds": o.rounds,
            }
            for sensor, o in shot.clock_offsets.items()
        },
        burst_rounds=shot.burst_rounds,
    )


def group_incidents(
    shots: Sequence[LocatedShot], *, max_gap_s: float = 10.0, max_distance_m: float = 60.0
) -> list[Incident]:
    """Rounds fired at one place within seconds of each other are one incident."""
    incidents: list[Incident] = []
    for shot in sorted(shots, key=lambda s: s.t0_ns):
        for inc in incidents:
            last = inc.shots[-1]
            near = math.dist(shot.xyz[:2], inc.best.xyz[:2]) <= max(
                max_distance_m, 2 * (shot.uncertainty["radius_90_m"] + inc.best.uncertainty["radius_90_m"])
            )
            if near and 0 <= (shot.t0_ns - last.t0_ns) / 1e9 <= max_gap_s:
                inc.shots.append(shot)
                break
        else:
            incidents.append(Incident([shot]))
    return incidents


def shot_json(shot: LocatedShot, geodetic: bool) -> dict[str, Any]:
    """The `rtcc gunshot locate` output object for one shot."""
    if geodetic:
        position: dict[str, float | None] = {
            "lat": round(shot.lat, 7) if shot.lat is not None else None,
            "lon": round(shot.lon, 7) if shot.lon is not None else None,
            "elevation_m": round(shot.elevation_m, 2) if shot.elevation_m is not None else None,
        }
    else:
        position = {"x": round(shot.xyz[0], 3), "y": round(shot.xyz[1], 3), "z": round(shot.xyz[2], 3)}
    return {
        "time": shot.time.isoformat().replace("+00:00", "Z"),
        "position": position,
        "uncertainty": shot.uncertainty,
        "pulse_ids": shot.pulse_ids,
        "sensor_count": shot.sensor_count,
        "sensor_ids": shot.sensor_ids,
        "clock_offsets": shot.clock_offsets,
        "burst_rounds": shot.burst_rounds,
        "echo_or_late_pulse_ids": shot.extra_pulse_ids,
        "residual_rms_ms": shot.residual_rms_ms,
        "warnings": shot.warnings,
    }

"""How a gunshot reaches acoustic sensors: travel time, loudness, and the ways a real pulse goes wrong.

Sensor ``i`` at ``p_i`` hears a round fired at ``x`` at ``t0 + |x - p_i| / c``, with
``c = 331.3 * sqrt(1 + T / 273.15)`` m/s, plus about 1 ms of timing jitter. On top of that, as in the field:
- some sensors have no line of sight and hear only a reflection, 5-40 ms late (non-line-of-sight);
- some sensors hear an echo off a building after the first arrival;
- far sensors miss quiet rounds;
- unrelated impulses (fireworks, doors, backfires) reach one or two nearby sensors.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from rtcc.domain.geo import haversine_m
from rtcc.sim.assets import AcousticSensor
from rtcc.sim.truth import DIRECT, ECHO, NLOS, NOISE

NS = 1_000_000_000
HEARING_RANGE_M = 1500.0
JITTER_S = 0.001
NLOS_DELAY_S = (0.005, 0.040)
ECHO_DELAY_S = (0.030, 0.400)


def speed_of_sound(temperature_c: float) -> float:
    """Metres per second in dry air at ``temperature_c``."""
    return 331.3 * math.sqrt(1.0 + temperature_c / 273.15)


def air_temperature(hour: float, mean_c: float = 10.0) -> float:
    """A mild day: warmest mid-afternoon, coolest before dawn, about 5 degrees either side of the mean."""
    return mean_c + 5.0 * math.cos(2 * math.pi * (hour - 15.0) / 24.0)


def slant_range_m(sensor: AcousticSensor, lat: float, lon: float, elevation_m: float) -> float:
    horizontal = haversine_m(lat, lon, sensor.lat, sensor.lon)
    return math.hypot(horizontal, sensor.elevation_m - elevation_m)


@dataclass(frozen=True, slots=True)
class Arrival:
    sensor: AcousticSensor
    arrival_ns: int
    snr_db: float
    kind: str
    round_index: int | None


def gunshot_snr(distance_m: float, rng: random.Random) -> float:
    """Spherical spreading plus air absorption: about 38 dB at 100 m, 10 dB at 1.5 km."""
    return 38.0 - 20.0 * math.log10(max(distance_m, 25.0) / 100.0) - 0.004 * distance_m + rng.gauss(0.0, 1.5)


def shot_arrivals(
    rng: random.Random,
    sensors: tuple[AcousticSensor, ...],
    lat: float,
    lon: float,
    elevation_m: float,
    round_ns: tuple[int, ...],
    temperature_c: float,
) -> list[Arrival]:
    """Every pulse the sensors report for one burst of gunfire, in no particular order."""
    c = speed_of_sound(temperature_c)
    out: list[Arrival] = []
    for sensor in sensors:
        d = slant_range_m(sensor, lat, lon, elevation_m)
        if d > HEARING_RANGE_M:
            continue
        # A sensor's line of sight is a property of where it sits: blocked for every round or none.
        blocked = rng.random() < 0.05 + 0.10 * d / HEARING_RANGE_M
        echoes = rng.random() < 0.3
        for r, fired in enumerate(round_ns):
            detect = 0.99 if d < 600 else 0.99 - 0.24 * (d - 600) / (HEARING_RANGE_M - 600)
            if rng.random() > detect:
                continue
            travel = d / c + max(-3 * JITTER_S, min(3 * JITTER_S, rng.gauss(0.0, JITTER_S)))
            snr = gunshot_snr(d, rng)
            kind = DIRECT
            if blocked:
                travel += rng.uniform(*NLOS_DELAY_S)
                snr -= rng.uniform(3.0, 10.0)
                kind = NLOS
            first = fired + round(travel * NS)
            out.append(Arrival(sensor, first, round(max(snr, 6.0), 1), kind, r))
            if echoes and rng.random() < 0.8:
                late = first + round(rng.uniform(*ECHO_DELAY_S) * NS)
                out.append(Arrival(sensor, late, round(max(snr - rng.uniform(6.0, 15.0), 4.0), 1), ECHO, r))
    return out


def impulse_arrivals(
    rng: random.Random,
    sensors: tuple[AcousticSensor, ...],
    lat: float,
    lon: float,
    bang_ns: tuple[int, ...],
    temperature_c: float,
) -> list[Arrival]:
    """A nearby non-gunfire impulse, heard only by the one or two closest sensors."""
    c = speed_of_sound(temperature_c)
    near = sorted(sensors, key=lambda s: haversine_m(lat, lon, s.lat, s.lon))[: rng.choice((1, 1, 2))]
    out: list[Arrival] = []
    for sensor in near:
        d = slant_range_m(sensor, lat, lon, sensor.elevation_m - rng.uniform(6, 15))
        for t in bang_ns:
            snr = 22.0 - 20.0 * math.log10(max(d, 20.0) / 100.0) + rng.gauss(0.0, 3.0)
            out.append(Arrival(sensor, t + round(d / c * NS), round(max(snr, 5.0), 1), NOISE, None))
    return out

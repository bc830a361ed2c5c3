"""Gunfire and other bangs inside the sensor arrays, the pulses they produce, and sensor heartbeats.

Gunfire is a Poisson process peaking late at night. The first shot of a run comes within its first 45
minutes so that even a short demo or test sees one. Each pulse is emitted as its own event at its
arrival time; the true shot is recorded in ``truth.shots`` when it is fired. A share of shots also draw a
911 call from a neighbour a minute or more later.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rtcc.domain.vocab import IncidentType
from rtcc.sim.acoustics import Arrival, air_temperature, impulse_arrivals, shot_arrivals, speed_of_sound
from rtcc.sim.assets import AcousticSensor, SensorArray
from rtcc.sim.cad import Dispatcher
from rtcc.sim.context import SimContext
from rtcc.sim.core import HOUR, MINUTE, NS, derive_rng, from_ns, hourly_profile, local_hour
from rtcc.sim.network import M_PER_DEG
from rtcc.sim.truth import TrueImpulse, TruePulse, TrueShot

SHOTS_PER_ARRAY_HOUR = 0.35
IMPULSES_PER_ARRAY_HOUR = 8.0
HEARTBEAT_S = 60.0
# Relative gunfire by local hour: late evening and the small hours.
SHOT_PROFILE = (
    1.9,
    1.8,
    1.5,
    1.1,
    0.7,
    0.4,
    0.25,
    0.2,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.55,
    0.6,
    0.7,
    0.8,
    0.9,
    1.0,
    1.2,
    1.4,
    1.6,
    1.8,
    1.9,
)
SHOT_MAX = max(SHOT_PROFILE)
SHOT_MEAN = sum(SHOT_PROFILE) / len(SHOT_PROFILE)
IMPULSE_KINDS = (
    ("firework", (1, 6)),
    ("door slam", (1, 1)),
    ("vehicle backfire", (1, 2)),
    ("construction", (2, 5)),
    ("dropped pallet", (1, 1)),
)


class Gunfire:
    def __init__(self, ctx: SimContext, dispatcher: Dispatcher) -> None:
        self.ctx = ctx
        self.dispatcher = dispatcher
        self.rng = derive_rng(ctx.seed, "gunfire")
        self.noise_rng = derive_rng(ctx.seed, "impulses")
        self.beat_rng = derive_rng(ctx.seed, "heartbeats")
        self.arrays = ctx.registry.sensor_arrays
        self.by_array: dict[str, tuple[AcousticSensor, ...]] = {
            a.name: tuple(s for s in ctx.registry.sensors if s.array == a.name) for a in self.arrays
        }
        self.shots = 0
        self.impulses = 0
        if not self.arrays:
            return
        self.shot_rate_max = SHOTS_PER_ARRAY_HOUR * len(self.arrays) * SHOT_MAX / SHOT_MEAN
        ctx.scheduler.at(ctx.start_ns + round(self.rng.uniform(5, 45) * MINUTE), self._first_shot)
        if ctx.emitter.enabled("gunshot"):
            rate = IMPULSES_PER_ARRAY_HOUR * len(self.arrays)
            self.impulse_gap = HOUR / rate
            ctx.scheduler.at(
                ctx.start_ns + round(self.noise_rng.expovariate(1.0) * self.impulse_gap), self._impulse
            )
            for sensor in ctx.registry.sensors:
                offset = round(self.beat_rng.uniform(0, HEARTBEAT_S) * NS)
                ctx.scheduler.at(ctx.start_ns + offset, self._heartbeat(sensor))

    # Shots -------------------------------------------------------------------------------------------

    def _first_shot(self, t_ns: int) -> None:
        self._fire(t_ns)
        self.ctx.scheduler.at(t_ns + self._gap(), self._maybe_shot)

    def _gap(self) -> int:
        return round(self.rng.expovariate(self.shot_rate_max) * HOUR)

    def _maybe_shot(self, t_ns: int) -> None:
        self.ctx.scheduler.at(t_ns + self._gap(), self._maybe_shot)
        if self.rng.random() * SHOT_MAX <= hourly_profile(SHOT_PROFILE, local_hour(t_ns)):
            self._fire(t_ns)

    def _point_in(self, array: SensorArray, margin_m: float) -> tuple[float, float]:
        half = array.side_m / 2 - margin_m
        x, y = self.rng.uniform(-half, half), self.rng.uniform(-half, half)
        m_per_deg_lon = M_PER_DEG * math.cos(math.radians(array.lat))
        return array.lat + y / M_PER_DEG, array.lon + x / m_per_deg_lon

    def _fire(self, t_ns: int) -> None:
        rng = self.rng
        array = rng.choice(self.arrays)
        lat, lon = self._point_in(array, 100.0)
        elevation = array.ground_elevation_m + rng.uniform(-3, 3) + 1.4  # a hand-held gun
        rounds = 1 if rng.random() < 0.45 else rng.choices(range(2, 10), (30, 22, 15, 10, 8, 6, 5, 4))[0]
        times = [t_ns]
        for _ in range(rounds - 1):
            times.append(times[-1] + round(rng.uniform(0.2, 1.0) * NS))
        temperature = air_temperature(local_hour(t_ns))
        self.shots += 1
        shot = TrueShot(
            f"SHOT-{self.shots:04d}",
            from_ns(t_ns),
            t_ns,
            lat,
            lon,
            elevation,
            array.name,
            tuple(times),
            temperature,
            speed_of_sound(temperature),
        )
        self.ctx.truth.shots.append(shot)
        arrivals = shot_arrivals(
            rng, self.by_array[array.name], lat, lon, elevation, shot.round_ns, temperature
        )
        self._schedule_pulses(arrivals, shot.shot_id, None)
        # About one shooting in three draws a 911 call; bursts more often than single shots.
        if rng.random() < (0.25 if rounds == 1 else 0.5):
            delay = round(rng.uniform(45, 240) * NS)
            heard = "a shot" if rounds == 1 else f"about {rounds} shots"

            def call(at_ns: int) -> None:
                shot.call_id = self.dispatcher.new_call(
                    at_ns,
                    IncidentType.SHOOT,
                    near=(lat, lon),
                    description=f"Caller heard {heard} nearby, unknown direction.",
                )

            self.ctx.scheduler.at(times[-1] + delay, call)

    def _schedule_pulses(self, arrivals: list[Arrival], shot_id: str | None, source_id: str | None) -> None:
        if not self.ctx.emitter.enabled("gunshot"):
            return
        for arrival in sorted(arrivals, key=lambda a: (a.arrival_ns, a.sensor.id)):
            self.ctx.scheduler.at(arrival.arrival_ns, self._pulse(arrival, shot_id, source_id))

    def _pulse(self, arrival: Arrival, shot_id: str | None, source_id: str | None) -> Callable[[int], None]:
        def emit(t_ns: int) -> None:
            sensor = arrival.sensor
            event_id = self.ctx.emitter.emit(
                "gunshot",
                "gunshot.pulse",
                t_ns,
                sensor.lat,
                sensor.lon,
                {
                    "sensor_id": sensor.id,
                    "snr_db": arrival.snr_db,
                    "power_db": round(arrival.snr_db + 42.0, 1),
                    "arrival_ns": arrival.arrival_ns,
                    "elevation_m": sensor.elevation_m,
                },
            )
            if event_id is not None:
                self.ctx.truth.pulses.append(
                    TruePulse(
                        event_id,
                        sensor.id,
                        arrival.arrival_ns,
                        arrival.kind,
                        shot_id,
                        arrival.round_index,
                        source_id,
                    )
                )

        return emit

    # Unrelated impulses ------------------------------------------------------------------------------

    def _impulse(self, t_ns: int) -> None:
        rng = self.noise_rng
        self.ctx.scheduler.at(t_ns + round(rng.expovariate(1.0) * self.impulse_gap), self._impulse)
        array = rng.choice(self.arrays)
        sensor = rng.choice(self.by_array[array.name])
        kind, (lo, hi) = rng.choice(IMPULSE_KINDS)
        ang, r = rng.uniform(0, 2 * math.pi), rng.uniform(20, 150)
        lat = sensor.lat + r * math.cos(ang) / M_PER_DEG
        lon = sensor.lon + r * math.sin(ang) / (M_PER_DEG * math.cos(math.radians(sensor.lat)))
        bangs = [t_ns]
        for _ in range(rng.randint(lo, hi) - 1):
            bangs.append(bangs[-1] + round(rng.uniform(0.1, 0.8) * NS))
        self.impulses += 1
        impulse_id = f"IMP-{self.impulses:05d}"
        self.ctx.truth.impulses.append(TrueImpulse(impulse_id, kind, t_ns, lat, lon, len(bangs)))
        temperature = air_temperature(local_hour(t_ns))
        arrivals = impulse_arrivals(rng, self.by_array[array.name], lat, lon, tuple(bangs), temperature)
        self._schedule_pulses(arrivals, None, impulse_id)

    # Heartbeats --------------------------------------------------------------------------------------

    def _heartbeat(self, sensor: AcousticSensor) -> Callable[[int], None]:
        offset_c = self.beat_rng.gauss(0.0, 0.4)  # each sensor's thermometer reads a little off
        charge = self.beat_rng.uniform(70.0, 95.0)

        def beat(t_ns: int) -> None:
            hour = local_hour(t_ns)
            # Solar panels: the battery rises through the day and sags overnight.
            battery = min(100.0, charge + 8.0 * math.sin(2 * math.pi * (hour - 9.0) / 24.0))
            self.ctx.emitter.emit(
                "gunshot",
                "sensor.heartbeat",
                t_ns,
                sensor.lat,
                sensor.lon,
                {
                    "sensor_id": sensor.id,
                    "kind": "acoustic",
                    "battery_pct": round(battery, 1),
                    "temperature_c": round(air_temperature(hour) + offset_c, 1),
                },
            )
            jitter = self.beat_rng.uniform(-1.0, 1.0)
            self.ctx.scheduler.at(t_ns + round((HEARTBEAT_S + jitter) * NS), beat)

        return beat

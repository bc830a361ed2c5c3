"""Synthetic sensor arrays and shots for the gunshot tests: truth known exactly, messiness added on purpose."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from rtcc.engines.gunshot.geometry import LocalFrame, speed_of_sound
from rtcc.engines.gunshot.locate import SensorPulse

ORIGIN = LocalFrame(39.9612, -82.9988, 230.0)  # downtown Columbus
T0_NS = 1_795_000_000_000_000_000


def grid_array(n_side: int = 5, spacing: float = 300.0, height: float = 15.0) -> np.ndarray:
    xs = np.arange(n_side) * spacing
    gx, gy = np.meshgrid(xs, xs)
    return np.column_stack([gx.ravel(), gy.ravel(), np.full(gx.size, height)])


@dataclass
class Scene:
    sensors: np.ndarray
    temperature_c: float = 15.0
    pulses: list[SensorPulse] = field(default_factory=list)
    truth_kind: dict[str, str] = field(default_factory=dict)  # pulse id -> direct, late, echo, noise
    geodetic: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(4))

    def _add(self, sensor: int, t_ns: int, kind: str) -> None:
        pid = f"p{len(self.pulses)}"
        x, y, z = self.sensors[sensor]
        if self.geodetic:
            lat, lon, h = ORIGIN.to_geodetic((x, y, z))
            pulse = SensorPulse(pid, f"S{sensor:02d}", t_ns, lat, lon, h)
        else:
            pulse = SensorPulse(pid, f"S{sensor:02d}", t_ns, xyz=(float(x), float(y), float(z)))
        self.pulses.append(pulse)
        self.truth_kind[pid] = kind

    def shoot(
        self,
        spot: tuple[float, float, float],
        t_s: float,
        *,
        jitter_s: float = 0.001,
        late: dict[int, float] | None = None,
        echoes: dict[int, float] | None = None,
        deaf: set[int] | None = None,
        clock: dict[int, float] | None = None,
    ) -> None:
        """One round. ``late``: extra delay of a non-line-of-sight path; ``clock``: how far a sensor's clock
        is off (its reported times move by that much, for every sound it hears)."""
        c = speed_of_sound(self.temperature_c)
        for i, p in enumerate(self.sensors):
            if deaf and i in deaf:
                continue
            t = t_s + float(np.linalg.norm(p - np.array(spot))) / c + self.rng.gauss(0, jitter_s)
            kind = "direct"
            if late and i in late:
                t += late[i]
                kind = "late"
            t += (clock or {}).get(i, 0.0)
            self._add(i, T0_NS + round(t * 1e9), kind)
            if echoes and i in echoes:
                self._add(i, T0_NS + round((t + echoes[i]) * 1e9), "echo")

    def noise(self, sensor: int, t_s: float) -> None:
        self._add(sensor, T0_NS + round(t_s * 1e9), "noise")

    def shuffled(self) -> list[SensorPulse]:
        out = list(self.pulses)
        self.rng.shuffle(out)
        return out

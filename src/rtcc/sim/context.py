"""What every simulated process shares: the map, the static world, the clock, the emitter and the truth."""

from __future__ import annotations

from dataclasses import dataclass

from rtcc.sim.assets import CityRegistry
from rtcc.sim.core import Emitter, Scheduler
from rtcc.sim.network import StreetNetwork
from rtcc.sim.truth import SimTruth


@dataclass(frozen=True, slots=True)
class SimContext:
    seed: int
    scale: float
    start_ns: int
    net: StreetNetwork
    registry: CityRegistry
    scheduler: Scheduler
    emitter: Emitter
    truth: SimTruth

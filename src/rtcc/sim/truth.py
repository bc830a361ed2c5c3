"""What really happened in a simulation, recorded as events are generated, for scoring engines.

A gunshot engine sees only pulses; the truth says where and when each shot was fired, which pulse came
from which round, and which pulses were echoes, late non-line-of-sight arrivals or unrelated noise. An
ALPR engine sees only reads; the truth says which reads were of hotlisted cars and which were misread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# How a pulse reached its sensor.
DIRECT = "direct"  # straight from the shot: t0 + distance / c, plus timing jitter
NLOS = "nlos"  # the direct path was blocked: the first arrival is a reflection 5-40 ms late
ECHO = "echo"  # an extra, later arrival after the first one at the same sensor
NOISE = "noise"  # not gunfire: fireworks, a door, an engine backfire


@dataclass(slots=True)
class TrueShot:
    shot_id: str
    fired_at: datetime  # the first round
    fired_ns: int
    lat: float
    lon: float
    elevation_m: float
    array: str
    round_ns: tuple[int, ...]  # firing time of every round, nanoseconds since the epoch
    temperature_c: float
    speed_of_sound_mps: float
    call_id: str | None = None  # the 911 call a neighbour made about it, if any

    @property
    def rounds(self) -> int:
        return len(self.round_ns)


@dataclass(frozen=True, slots=True)
class TruePulse:
    event_id: str
    sensor_id: str
    arrival_ns: int
    kind: str  # DIRECT, NLOS, ECHO or NOISE
    shot_id: str | None  # None for NOISE
    round_index: int | None
    source_id: str | None = None  # for NOISE: the impulse it came from


@dataclass(frozen=True, slots=True)
class TrueImpulse:
    impulse_id: str
    kind: str  # firework, door slam, backfire, construction
    at_ns: int
    lat: float
    lon: float
    bangs: int


@dataclass(frozen=True, slots=True)
class TruePlateRead:
    event_id: str
    reader_id: str
    true_plate: str
    true_state: str
    read_plate: str
    hotlisted: bool

    @property
    def misread(self) -> bool:
        return self.true_plate != self.read_plate


@dataclass(slots=True)
class SimTruth:
    """Ground truth, appended to as the simulation runs."""

    shots: list[TrueShot] = field(default_factory=list)
    pulses: list[TruePulse] = field(default_factory=list)
    impulses: list[TrueImpulse] = field(default_factory=list)
    # Only the interesting reads: of hotlisted vehicles, or misread.
    plate_reads: list[TruePlateRead] = field(default_factory=list)

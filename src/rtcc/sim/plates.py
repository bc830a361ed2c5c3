"""Fictional licence plates, the vehicles that carry them, and the ways plate readers misread them.

Every plate is drawn at random in its state's serial format; none is taken from a real registration.
Misreads follow the confusions documented for ALPR optical character recognition: look-alike glyphs
(O/0, I/1, B/8, S/5, Z/2, G/6, D/0) and a character dropped or doubled.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # most states skip I, O and Q in serials
DIGITS = "0123456789"

# Ohio first, then the neighbours whose cars cross into Columbus; weights are shares of vehicles.
STATE_SHARES: tuple[tuple[str, float], ...] = (
    ("OH", 0.88),
    ("MI", 0.025),
    ("IN", 0.025),
    ("KY", 0.02),
    ("PA", 0.02),
    ("WV", 0.015),
    ("NY", 0.005),
    ("IL", 0.005),
    ("FL", 0.005),
)
STATES = tuple(s for s, _ in STATE_SHARES)
STATE_WEIGHTS = tuple(w for _, w in STATE_SHARES)
# Serial patterns: L = letter, D = digit.
STATE_FORMATS = {
    "OH": "LLLDDDD",
    "MI": "LLLDDDD",
    "PA": "LLLDDDD",
    "NY": "LLLDDDD",
    "IN": "DDDLLL",
    "KY": "DDDLLL",
    "WV": "DLLDDD",
    "IL": "LLDDDDD",
    "FL": "LLLLDD",
}
CONFUSABLE = {
    "O": "0",
    "0": "O",
    "I": "1",
    "1": "I",
    "B": "8",
    "8": "B",
    "S": "5",
    "5": "S",
    "Z": "2",
    "2": "Z",
    "G": "6",
    "6": "G",
    "D": "0",
}

MAKES = (
    "Ford",
    "Chevrolet",
    "Toyota",
    "Honda",
    "Nissan",
    "Jeep",
    "Hyundai",
    "Kia",
    "Dodge",
    "Ram",
    "GMC",
    "Subaru",
    "Volkswagen",
    "BMW",
    "Buick",
    "Chrysler",
    "Mazda",
    "Tesla",
    "Lexus",
    "Cadillac",
)
MAKE_WEIGHTS = (14, 13, 12, 10, 7, 6, 6, 5, 4, 4, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1)
COLOURS = ("white", "black", "grey", "silver", "blue", "red", "green", "brown", "gold", "orange")
COLOUR_WEIGHTS = (25, 22, 17, 14, 9, 8, 2, 1, 1, 1)

# Hotlist sources, the reason text they carry, and their share of entries.
HOTLIST_KINDS: tuple[tuple[str, str, float], ...] = (
    ("NCIC stolen vehicle", "Stolen vehicle", 0.45),
    ("NCIC stolen plate", "Stolen licence plate", 0.12),
    ("NCIC wanted person", "Registered owner wanted on felony warrant", 0.10),
    ("Amber alert", "Amber alert: vehicle linked to a child abduction", 0.06),
    ("agency BOLO", "BOLO: vehicle seen leaving an armed robbery", 0.12),
    ("agency BOLO", "BOLO: vehicle used in a drive-by shooting", 0.07),
    ("agency BOLO", "BOLO: missing endangered adult", 0.08),
)


@dataclass(frozen=True, slots=True)
class Vehicle:
    plate: str
    state: str
    make: str
    colour: str


@dataclass(frozen=True, slots=True)
class HotlistEntry:
    """A plate an agency or a national list asks officers to look out for."""

    plate: str
    state: str
    reason: str
    source: str
    vehicle_make: str
    vehicle_colour: str


def random_state(rng: random.Random) -> str:
    return rng.choices(STATES, STATE_WEIGHTS)[0]


def random_plate(rng: random.Random, state: str) -> str:
    pattern = STATE_FORMATS.get(state, "LLLDDDD")
    return "".join(rng.choice(LETTERS if c == "L" else DIGITS) for c in pattern)


def random_vehicle(rng: random.Random) -> Vehicle:
    state = random_state(rng)
    return Vehicle(
        random_plate(rng, state),
        state,
        rng.choices(MAKES, MAKE_WEIGHTS)[0],
        rng.choices(COLOURS, COLOUR_WEIGHTS)[0],
    )


def misread(plate: str, rng: random.Random) -> str:
    """A plausible OCR error: a look-alike glyph swapped (most often), or a character dropped or doubled."""
    swappable = [i for i, c in enumerate(plate) if c in CONFUSABLE]
    roll = rng.random()
    if swappable and roll < 0.7:
        i = rng.choice(swappable)
        return plate[:i] + CONFUSABLE[plate[i]] + plate[i + 1 :]
    i = rng.randrange(len(plate))
    if roll < 0.85 and len(plate) > 2:
        return plate[:i] + plate[i + 1 :]
    return plate[: i + 1] + plate[i] + plate[i + 1 :]


def make_hotlist(rng: random.Random, size: int) -> list[HotlistEntry]:
    """Hotlist entries with fictional plates; every source kind is present when the list is long enough."""
    entries: list[HotlistEntry] = []
    seen: set[str] = set()
    kinds = list(HOTLIST_KINDS)
    weights = [k[2] for k in kinds]
    for i in range(size):
        source, reason, _ = kinds[i] if i < len(kinds) else rng.choices(kinds, weights)[0]
        vehicle = random_vehicle(rng)
        while vehicle.plate in seen:
            vehicle = random_vehicle(rng)
        seen.add(vehicle.plate)
        entries.append(
            HotlistEntry(vehicle.plate, vehicle.state, reason, source, vehicle.make, vehicle.colour)
        )
    return entries


class VehiclePool:
    """The cars on the city's roads. A few are seen again and again (commuters); most pass rarely.

    Vehicle ``i`` is drawn from its own seeded generator, so the pool can be large without being built
    up front, and the same index always names the same car.
    """

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.size = max(1, size)
        self._cache: dict[int, Vehicle] = {}

    def draw(self, rng: random.Random) -> Vehicle:
        index = int(self.size * rng.random() ** 2.5)  # skewed: low indices are the regulars
        vehicle = self._cache.get(index)
        if vehicle is None:
            vehicle = random_vehicle(random.Random(f"{self.seed}/vehicle/{index}"))
            self._cache[index] = vehicle
        return vehicle

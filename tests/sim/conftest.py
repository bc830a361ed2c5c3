"""One simulated hour shared by the simulator's tests: generating it once keeps the suite fast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from rtcc.sim import CitySimulator, SimEvent, StreetNetwork, default_network

# 17:00 in Columbus (EST): the evening rise in calls has started.
START = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
SEED = 7
# The bounding box of the Columbus extract.
LAT_MIN, LAT_MAX = 39.859, 40.112
LON_MIN, LON_MAX = -83.245, -82.788


@dataclass
class Run:
    sim: CitySimulator
    events: list[SimEvent]

    def of_type(self, event_type: str) -> list[SimEvent]:
        return [e for e in self.events if e.type == event_type]


@pytest.fixture(scope="session")
def network() -> StreetNetwork:
    return default_network()


@pytest.fixture(scope="session")
def hour() -> Run:
    sim = CitySimulator(seed=SEED, start=START)
    return Run(sim, list(sim.events(START + timedelta(hours=1))))

"""A deterministic simulated city on the real street network of Columbus, Ohio.

The simulator produces the events every feed of a Real-Time Crime Center would send (911 calls and CAD
incidents, AVL, camera health, plate reads, gunshot pulses, drone telemetry) for demos, tests and the
scoring of engines against ground truth. It depends only on the standard library, numpy and
``rtcc.domain``.

    from rtcc.sim import CitySimulator
    sim = CitySimulator(seed=7, start=datetime(2026, 11, 21, 18, tzinfo=UTC))
    for item in sim.events(until=sim.now + timedelta(hours=1)):
        publish(item.feed, item.event)
"""

from rtcc.sim.assets import (
    AcousticSensor,
    AlprReader,
    Camera,
    CityRegistry,
    Drone,
    DroneDock,
    SensorArray,
    Unit,
)
from rtcc.sim.core import FEEDS, SimEvent
from rtcc.sim.network import Intersection, StreetAddress, StreetName, StreetNetwork, load_network
from rtcc.sim.plates import HotlistEntry
from rtcc.sim.simulator import CitySimulator, default_network
from rtcc.sim.truth import SimTruth, TrueImpulse, TruePlateRead, TruePulse, TrueShot

__all__ = [
    "FEEDS",
    "AcousticSensor",
    "AlprReader",
    "Camera",
    "CityRegistry",
    "CitySimulator",
    "Drone",
    "DroneDock",
    "HotlistEntry",
    "Intersection",
    "SensorArray",
    "SimEvent",
    "SimTruth",
    "StreetAddress",
    "StreetName",
    "StreetNetwork",
    "TrueImpulse",
    "TruePlateRead",
    "TruePulse",
    "TrueShot",
    "Unit",
    "default_network",
    "load_network",
]

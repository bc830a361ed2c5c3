"""The static world of the simulated city, as plain frozen records.

Everything here is fictional (names, plates, camera owners) though placed on real streets; see
:mod:`rtcc.sim.registry` for how each asset is placed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtcc.domain.vocab import CameraKind
from rtcc.sim.plates import HotlistEntry


@dataclass(frozen=True, slots=True)
class Camera:
    id: str
    name: str
    kind: CameraKind
    lat: float
    lon: float
    heading_deg: float
    fov_deg: float
    range_m: float
    ptz: bool
    mount_height_m: float
    stream_url: str
    unit_id: str | None = None  # for body-worn, dash and drone cameras: who carries it


@dataclass(frozen=True, slots=True)
class SensorArray:
    name: str
    lat: float
    lon: float
    side_m: float
    ground_elevation_m: float


@dataclass(frozen=True, slots=True)
class AcousticSensor:
    id: str
    lat: float
    lon: float
    elevation_m: float  # above sea level, at the microphone
    array: str


@dataclass(frozen=True, slots=True)
class AlprReader:
    id: str
    name: str
    lat: float
    lon: float
    heading_deg: float  # the way the camera looks: at oncoming traffic
    direction: str  # the way the traffic it reads is travelling: NB, EB, SB, WB


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    district: str
    beat: str
    home_lat: float
    home_lon: float
    home_node: int


@dataclass(frozen=True, slots=True)
class DroneDock:
    id: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Drone:
    id: str
    dock_id: str
    dock_lat: float
    dock_lon: float
    camera_id: str


@dataclass(frozen=True, slots=True)
class CityRegistry:
    cameras: tuple[Camera, ...]
    sensor_arrays: tuple[SensorArray, ...]
    sensors: tuple[AcousticSensor, ...]
    readers: tuple[AlprReader, ...]
    units: tuple[Unit, ...]
    docks: tuple[DroneDock, ...]
    drones: tuple[Drone, ...]
    hotlist: tuple[HotlistEntry, ...]

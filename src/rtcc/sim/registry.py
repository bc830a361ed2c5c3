"""Builds the static world of the simulated city: units, sensors, readers, drones, cameras, hotlist.

Everything is placed on the real street network (patrol beats from clustering the junctions, readers on
arterials, cameras at named intersections and addresses) and everything is fictional: names, plates and
camera owners are invented.
"""

from __future__ import annotations

import math
import random

import numpy as np
import numpy.typing as npt

from rtcc.domain.geo import bearing_deg
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
from rtcc.sim.camera_sites import ARTERIALS, DOWNTOWN, CameraPlacer
from rtcc.sim.network import M_PER_DEG, StreetNetwork
from rtcc.sim.plates import HotlistEntry, make_hotlist

# Gunshot-sensor arrays over three neighbourhoods, with the ground elevation (m above sea level) there.
ARRAY_SITES: tuple[tuple[str, float, float, float], ...] = (
    ("LINDEN", 40.0085, -82.9700, 245.0),
    ("HILLTOP", 39.9530, -83.0560, 255.0),
    ("SOUTHSIDE", 39.9330, -82.9850, 225.0),
)
ARRAY_SIDE_M = 1300.0  # 20 sensors over 1.7 km2: about 12 per square kilometre
ARRAY_GRID = (5, 4)  # columns, rows
READER_SPACING_M = 800.0

__all__ = [
    "AcousticSensor",
    "AlprReader",
    "Camera",
    "CityRegistry",
    "Drone",
    "DroneDock",
    "HotlistEntry",
    "RegistryBuilder",
    "SensorArray",
    "Unit",
]

Points = npt.NDArray[np.float64]


def compass(bearing: float) -> str:
    return ("NB", "EB", "SB", "WB")[int(((bearing + 45.0) % 360.0) // 90.0)]


def kmeans(points: Points, k: int, rng: random.Random, rounds: int = 12) -> Points:
    """Plain Lloyd's k-means from a seeded start; returns the k centres."""
    centres: Points = points[rng.sample(range(len(points)), k)].copy()
    for _ in range(rounds):
        label = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        for j in range(k):
            members = points[label == j]
            if len(members):
                centres[j] = members.mean(axis=0)
    return centres


class RegistryBuilder:
    """Places every fixed asset once, when a simulator is created."""

    def __init__(self, net: StreetNetwork, rng: random.Random, scale: float) -> None:
        self.net = net
        self.rng = rng
        self.scale = scale

    def count(self, base: int, minimum: int = 1) -> int:
        return max(minimum, round(base * self.scale))

    def build(self) -> CityRegistry:
        units = self.units()
        arrays = self.arrays()
        sensors = self.sensors(arrays)
        docks, drones = self.drones(arrays)
        cameras = CameraPlacer(self.net, self.rng, self.scale).place(units, drones)
        readers = self.readers()
        hotlist = make_hotlist(self.rng, self.count(30, minimum=10))
        return CityRegistry(
            cameras=tuple(cameras),
            sensor_arrays=tuple(arrays),
            sensors=tuple(sensors),
            readers=tuple(readers),
            units=tuple(units),
            docks=tuple(docks),
            drones=tuple(drones),
            hotlist=tuple(hotlist),
        )

    # Units: up to five districts, beats from clustering the junctions, one or two cars per beat. ----

    def units(self) -> list[Unit]:
        net, rng = self.net, self.rng
        n_units = self.count(40)
        n_beats = max(1, round(n_units * 0.8))
        x = (net.node_lon - net.lon0) * net.m_per_deg_lon
        y = (net.node_lat - net.lat0) * M_PER_DEG
        pts: Points = np.column_stack([x, y])[::3]
        districts = kmeans(pts, min(5, n_beats), rng)
        districts = districts[np.argsort(districts[:, 0])]  # numbered west to east, like zones on a map
        beats = kmeans(pts, n_beats, rng)
        beat_district = ((beats[:, None, :] - districts[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        per_district: dict[int, int] = {}
        labels: list[tuple[str, str, int]] = []
        for b in np.lexsort((beats[:, 1], beat_district)):
            d = int(beat_district[b]) + 1
            per_district[d] = per_district.get(d, 9) + 1  # beats 10, 11, ... as in "1A12"
            lat, lon = net.from_xy(float(beats[b, 0]), float(beats[b, 1]))
            labels.append((str(d), f"{per_district[d]:02d}", net.nearest_node(lat, lon)))
        units: list[Unit] = []
        for i in range(n_units):
            district, beat, node = labels[i % n_beats]
            car = "ABC"[min(2, i // n_beats)]  # the second car in a beat is B
            units.append(
                Unit(
                    f"{district}{car}{beat}",
                    district,
                    beat,
                    float(net.node_lat[node]),
                    float(net.node_lon[node]),
                    node,
                )
            )
        return units

    # Acoustic sensors: jittered grids over two or three neighbourhoods. ----------------------------

    def arrays(self) -> list[SensorArray]:
        n = min(len(ARRAY_SITES), max(1, round(len(ARRAY_SITES) * self.scale)))
        return [
            SensorArray(name, lat, lon, ARRAY_SIDE_M, ground) for name, lat, lon, ground in ARRAY_SITES[:n]
        ]

    def sensors(self, arrays: list[SensorArray]) -> list[AcousticSensor]:
        rng, out = self.rng, []
        cols, rows = ARRAY_GRID
        for array in arrays:
            m_per_deg_lon = M_PER_DEG * math.cos(math.radians(array.lat))
            for r in range(rows):
                for c in range(cols):
                    # On rooftops and poles near the grid points, 6-15 m above the ground.
                    x = ((c + 0.5) / cols - 0.5) * array.side_m + rng.uniform(-60, 60)
                    y = ((r + 0.5) / rows - 0.5) * array.side_m + rng.uniform(-60, 60)
                    elevation = array.ground_elevation_m + rng.uniform(-4, 4) + rng.uniform(6, 15)
                    out.append(
                        AcousticSensor(
                            id=f"AS-{array.name}-{r * cols + c + 1:02d}",
                            lat=round(array.lat + y / M_PER_DEG, 6),
                            lon=round(array.lon + x / m_per_deg_lon, 6),
                            elevation_m=round(elevation, 1),
                            array=array.name,
                        )
                    )
        return out

    # Drones: one per dock, docks in the gunshot-sensor neighbourhoods where calls are densest. -------

    def drones(self, arrays: list[SensorArray]) -> tuple[list[DroneDock], list[Drone]]:
        sites: list[tuple[str, float, float]] = [(a.name, a.lat, a.lon) for a in arrays]
        sites += [("DOWNTOWN", *DOWNTOWN), ("EAST", 39.975, -82.905)]
        docks, drones = [], []
        for i in range(self.count(3)):
            name, lat, lon = sites[i % len(sites)]
            node = self.net.nearest_node(lat, lon)
            lat, lon = float(self.net.node_lat[node]), float(self.net.node_lon[node])
            dock = DroneDock(f"DOCK-{i + 1}", f"{name.title()} drone dock", lat, lon)
            docks.append(dock)
            drones.append(Drone(f"DRONE-{i + 1}", dock.id, lat, lon, f"CAM-DRN-{i + 1:03d}"))
        return docks, drones

    # Plate readers on arterials, spread out. ---------------------------------------------------------

    def readers(self) -> list[AlprReader]:
        net, rng = self.net, self.rng
        arterial = net.class_ranks(ARTERIALS)
        pool = [ix for ix in net.intersections if int(net.node_class[ix.node]) in arterial]
        rng.shuffle(pool)
        out: list[AlprReader] = []
        for ix in pool:
            if len(out) >= self.count(20):
                break
            if any(net.distance_m(ix.lat, ix.lon, r.lat, r.lon) < READER_SPACING_M for r in out):
                continue
            arcs = [a for a in net.out_arcs[ix.node] if int(net.edge_class[a[0]]) in arterial]
            edge, _, _, forward = rng.choice(arcs or net.out_arcs[ix.node])
            lats, lons = net.edge_points(edge, forward)
            looking = bearing_deg(lats[0], lons[0], lats[1], lons[1])  # down the street, at oncoming cars
            travel = compass((looking + 180.0) % 360.0)
            out.append(
                AlprReader(
                    f"ALPR-{len(out) + 1:02d}",
                    f"{ix.name} {travel}",
                    ix.lat,
                    ix.lon,
                    round(looking, 1) % 360.0,
                    travel,
                )
            )
        return out

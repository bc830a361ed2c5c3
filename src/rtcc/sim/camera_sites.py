"""Where the simulated city's cameras are, and which way they look.

City CCTV clusters at intersections downtown, traffic cameras watch arterials, school cameras ring a few
campuses, business cameras front the main roads and resident cameras the side streets (as in a
community camera program). Every unit carries a dash and a body-worn camera; every drone a gimbal camera.
"""

from __future__ import annotations

import math
import random

from rtcc.domain.geo import bearing_deg
from rtcc.domain.vocab import CameraKind
from rtcc.sim.assets import Camera, Drone, Unit
from rtcc.sim.network import M_PER_DEG, Intersection, StreetAddress, StreetNetwork

DOWNTOWN = (39.9612, -82.9988)  # Broad & High
RTSP_BASE = "rtsp://127.0.0.1:8554"
ARTERIALS = frozenset({"trunk", "primary", "secondary"})
MAJOR = ARTERIALS | {"tertiary"}

SCHOOL_NAMES = (
    "Maplewood Elementary",
    "Riverside Middle",
    "Eastgate High",
    "Oak Hollow Elementary",
    "Westbrook Academy",
    "Northfield Middle",
    "Cedar Park Elementary",
    "Harbor View High",
)
SCHOOL_SPOTS = ("main entrance", "bus loop", "parking lot", "gym doors", "playground")
BUSINESS_KINDS = (
    "corner market",
    "fuel station",
    "pharmacy",
    "laundromat",
    "carry-out",
    "bank branch",
    "pawn shop",
    "barber shop",
    "tire shop",
    "fast food",
    "dollar store",
    "bar and grill",
)


def stream_url(camera_id: str) -> str:
    """A placeholder RTSP address on the local test server, one path per camera."""
    return f"{RTSP_BASE}/{camera_id}"


class CameraPlacer:
    def __init__(self, net: StreetNetwork, rng: random.Random, scale: float) -> None:
        self.net = net
        self.rng = rng
        self.scale = scale
        self.major = net.class_ranks(MAJOR)
        self.arterial = net.class_ranks(ARTERIALS)
        self.cameras: list[Camera] = []
        self._numbers: dict[str, int] = {}

    def count(self, base: int) -> int:
        return max(1, round(base * self.scale))

    def place(self, units: list[Unit], drones: list[Drone]) -> list[Camera]:
        self.city_cctv()
        self.traffic()
        self.schools()
        self.storefronts_and_porches()
        self.carried(units, drones)
        return self.cameras

    def add(
        self,
        prefix: str,
        kind: CameraKind,
        name: str,
        lat: float,
        lon: float,
        *,
        heading: float,
        fov: float,
        range_m: float,
        ptz: bool,
        height: float,
        carrier: str | None = None,
        camera_id: str | None = None,
    ) -> None:
        self._numbers[prefix] = self._numbers.get(prefix, 0) + 1
        cam_id = camera_id or f"CAM-{prefix}-{self._numbers[prefix]:03d}"
        self.cameras.append(
            Camera(
                id=cam_id,
                name=name,
                kind=kind,
                lat=round(lat, 6),
                lon=round(lon, 6),
                heading_deg=round(heading % 360.0, 1) % 360.0,
                fov_deg=fov,
                range_m=range_m,
                ptz=ptz,
                mount_height_m=round(height, 1),
                stream_url=stream_url(cam_id),
                unit_id=carrier,
            )
        )

    # Helpers -----------------------------------------------------------------------------------------

    def intersections(self, n: int, ranks: set[int], downtown_km: float) -> list[Intersection]:
        """Distinct intersections on roads of ``ranks``, denser toward downtown."""
        net, rng = self.net, self.rng
        pool = [ix for ix in net.intersections if int(net.node_class[ix.node]) in ranks]
        weights = [
            0.15 + math.exp(-net.distance_m(ix.lat, ix.lon, *DOWNTOWN) / (downtown_km * 1000)) for ix in pool
        ]
        chosen: dict[int, Intersection] = {}
        while len(chosen) < min(n, len(pool)):
            ix = rng.choices(pool, weights)[0]
            chosen.setdefault(ix.node, ix)
        return list(chosen.values())

    def address(self, ranks: set[int]) -> StreetAddress:
        """A house on a road of ``ranks`` (or anywhere, if none turns up)."""
        for _ in range(200):
            addr = self.net.random_address(self.rng)
            if int(self.net.edge_class[addr.edge]) in ranks:
                break
        return addr

    def along_a_street(self, node: int) -> float:
        """The bearing of one of the streets leaving a junction: where an intersection camera points."""
        edge, _, _, forward = self.rng.choice(self.net.out_arcs[node])
        lats, lons = self.net.edge_points(edge, forward)
        return bearing_deg(lats[0], lons[0], lats[1], lons[1])

    # Kinds -------------------------------------------------------------------------------------------

    def city_cctv(self) -> None:
        for ix in self.intersections(self.count(90), self.major, 3.0):
            ptz = self.rng.random() < 0.5
            self.add(
                "CCTV",
                CameraKind.CITY_CCTV,
                f"{ix.name} (city CCTV)",
                ix.lat,
                ix.lon,
                heading=self.along_a_street(ix.node),
                fov=60.0 if ptz else self.rng.choice((70.0, 90.0)),
                range_m=150.0 if ptz else 80.0,
                ptz=ptz,
                height=self.rng.uniform(6, 9),
            )

    def traffic(self) -> None:
        for ix in self.intersections(self.count(50), self.arterial, 8.0):
            self.add(
                "TRF",
                CameraKind.TRAFFIC,
                f"{ix.name} (traffic)",
                ix.lat,
                ix.lon,
                heading=self.along_a_street(ix.node),
                fov=60.0,
                range_m=250.0,
                ptz=self.rng.random() < 0.7,
                height=self.rng.uniform(8, 12),
            )

    def schools(self) -> None:
        rng, n = self.rng, self.count(25)
        everywhere = set(range(len(self.net.classes)))
        campuses = [self.address(everywhere) for _ in range(max(1, n // 4))]
        for i in range(n):
            site = campuses[i % len(campuses)]
            school = SCHOOL_NAMES[(i % len(campuses)) % len(SCHOOL_NAMES)]
            spot = SCHOOL_SPOTS[(i // len(campuses)) % len(SCHOOL_SPOTS)]
            ang, r = rng.uniform(0, 2 * math.pi), rng.uniform(20, 90)
            lat = site.lat + r * math.cos(ang) / M_PER_DEG
            lon = site.lon + r * math.sin(ang) / self.net.m_per_deg_lon
            self.add(
                "SCH",
                CameraKind.SCHOOL,
                f"{school}, {spot}",
                lat,
                lon,
                heading=rng.uniform(0, 360),
                fov=100.0,
                range_m=40.0,
                ptz=False,
                height=rng.uniform(3, 5),
            )

    def storefronts_and_porches(self) -> None:
        rng, net = self.rng, self.net
        side_streets = set(range(len(net.classes))) - self.arterial
        for kind, prefix, base, ranks in (
            (CameraKind.BUSINESS, "BIZ", 70, self.major),
            (CameraKind.RESIDENT, "RES", 50, side_streets),
        ):
            for _ in range(self.count(base)):
                addr = self.address(ranks)
                _, _, street_bearing, _ = net.point_on_edge(addr.edge, addr.fraction)
                facing = street_bearing + (90.0 if addr.hno % 2 else -90.0)  # out at the street
                business = kind is CameraKind.BUSINESS
                label = rng.choice(BUSINESS_KINDS) if business else "front door"
                self.add(
                    prefix,
                    kind,
                    f"{addr.text} ({label})",
                    addr.lat,
                    addr.lon,
                    heading=facing,
                    fov=rng.choice((90.0, 110.0, 130.0)),
                    range_m=30.0,
                    ptz=False,
                    height=rng.uniform(2.5, 4) if business else 2.2,
                )

    def carried(self, units: list[Unit], drones: list[Drone]) -> None:
        """Dash, body-worn and drone cameras, registered at their unit's home or their drone's dock."""
        for unit in units:
            self.add(
                "DASH",
                CameraKind.DASH,
                f"Unit {unit.id} dash camera",
                unit.home_lat,
                unit.home_lon,
                heading=0.0,
                fov=110.0,
                range_m=60.0,
                ptz=False,
                height=1.3,
                carrier=unit.id,
            )
            self.add(
                "BWC",
                CameraKind.BODY_WORN,
                f"Unit {unit.id} body-worn camera",
                unit.home_lat,
                unit.home_lon,
                heading=0.0,
                fov=120.0,
                range_m=20.0,
                ptz=False,
                height=1.4,
                carrier=unit.id,
            )
        for drone in drones:
            self.add(
                "DRN",
                CameraKind.DRONE,
                f"{drone.id} gimbal camera",
                drone.dock_lat,
                drone.dock_lon,
                heading=0.0,
                fov=80.0,
                range_m=300.0,
                ptz=True,
                height=0.0,
                carrier=drone.id,
                camera_id=drone.camera_id,
            )

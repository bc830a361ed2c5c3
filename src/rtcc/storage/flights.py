"""Drone docks, registered drones, and the log of every flight with its telemetry track.

A registered drone is also a row of the live picture (``drones``, kept current by its telemetry) and, when
it carries a camera with a stream address, a camera of kind ``drone`` in the camera registry, so the video
gateway plays it like any other camera.

A drone is on at most one open flight: ``open_drone_id`` holds the drone's id while the flight is open and
is unique, so two dispatches racing for one drone cannot both win, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from rtcc.domain.entities import without_credentials
from rtcc.storage.db import Database
from rtcc.storage.tables import SeqType, cameras, drones, metadata
from rtcc.storage.types import UTCDateTime

drone_docks = Table(
    "drone_docks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(100), nullable=False),
)

drone_registrations = Table(
    "drone_registrations",
    metadata,
    Column("drone_id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("dock_id", String(64), nullable=False),
    Column("model", String(200), nullable=False),
    Column("max_flight_s", Float, nullable=False),
    Column("camera_id", String(64)),  # its camera in the camera registry, when it streams
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("registered_by", String(100), nullable=False),
    Index("ix_drone_registrations_dock_id", "dock_id"),
)

drone_flights = Table(
    "drone_flights",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("drone_id", String(64), nullable=False),
    Column("open_drone_id", String(64)),  # the drone's id while the flight is open, else NULL
    Column("dock_id", String(64)),
    Column("origin", String(16), nullable=False),  # dispatch (sent from here) or telemetry (seen taking off)
    Column("call_id", String(64)),
    Column("incident_id", String(64)),
    Column("target_lat", Float),
    Column("target_lon", Float),
    Column("distance_m", Float),
    Column("eta_s", Float),
    Column("reason", String(500)),  # why it was sent, as the dispatcher said
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("dispatched_by", String(100)),
    Column("status", String(16), nullable=False),  # dispatched, launched, on_scene, returning, landed, ...
    Column("launched_at", UTCDateTime()),
    Column("arrived_at", UTCDateTime()),
    Column("returning_at", UTCDateTime()),
    Column("landed_at", UTCDateTime()),
    Column("battery_start_pct", Float),
    Column("battery_end_pct", Float),
    Column("last_report_at", UTCDateTime()),
    Column("points", Integer, nullable=False),
    Column("closed_at", UTCDateTime()),
    Column("closed_reason", String(200)),
    UniqueConstraint("open_drone_id", name="uq_drone_flights_open_drone_id"),
    Index("ix_drone_flights_drone_id_opened_at", "drone_id", "opened_at"),
    Index("ix_drone_flights_call_id", "call_id"),
)

drone_flight_points = Table(
    "drone_flight_points",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("flight_id", String(64), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("altitude_m", Float, nullable=False),
    Column("heading_deg", Float),
    Column("battery_pct", Float, nullable=False),
    Column("state", String(32), nullable=False),
    Index("ix_drone_flight_points_flight_id", "flight_id", "id"),
)

# Milestone columns of a flight, written together as its telemetry moves it on.
PROGRESS_FIELDS = (
    "status",
    "launched_at",
    "arrived_at",
    "returning_at",
    "landed_at",
    "battery_start_pct",
    "battery_end_pct",
    "last_report_at",
    "points",
)


class UnknownDock(Exception):
    pass


class UnknownCamera(Exception):
    """No drone camera of the agency has this id."""


class DroneOfOtherAgency(Exception):
    """The drone id is taken by another agency's drone."""


class DroneBusy(Exception):
    """The drone already has an open flight."""


@dataclass(frozen=True, slots=True)
class Dock:
    id: str
    agency_id: str
    name: str
    lat: float
    lon: float
    capacity: int
    drones: int = 0  # registered to it


@dataclass(frozen=True, slots=True)
class RegisteredDrone:
    drone_id: str
    agency_id: str
    dock_id: str
    model: str
    max_flight_s: float
    camera_id: str | None
    stream_url: str | None  # without credentials
    registered_at: datetime
    registered_by: str
    dock_lat: float | None
    dock_lon: float | None
    # As its telemetry last said:
    state: str
    lat: float | None
    lon: float | None
    altitude_m: float | None
    battery_pct: float | None
    updated_at: datetime | None
    open_flight_id: str | None


@dataclass(frozen=True, slots=True)
class FlightRecord:
    id: str
    agency_id: str
    drone_id: str
    dock_id: str | None
    origin: str
    call_id: str | None
    incident_id: str | None
    target_lat: float | None
    target_lon: float | None
    distance_m: float | None
    eta_s: float | None
    reason: str | None
    opened_at: datetime
    dispatched_by: str | None
    status: str
    launched_at: datetime | None
    arrived_at: datetime | None
    returning_at: datetime | None
    landed_at: datetime | None
    battery_start_pct: float | None
    battery_end_pct: float | None
    last_report_at: datetime | None
    points: int
    closed_at: datetime | None
    closed_reason: str | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class TrackPoint:
    at: datetime
    lat: float
    lon: float
    altitude_m: float
    heading_deg: float | None
    battery_pct: float
    state: str


def _flight(row: Any) -> FlightRecord:
    return FlightRecord(**{name: getattr(row, name) for name in FlightRecord.__dataclass_fields__})


class DroneStore:
    def __init__(self, db: Database):
        self.db = db

    # Docks ----------------------------------------------------------------------------------------------

    def save_dock(self, dock: Dock, by: str, at: datetime) -> tuple[Dock, bool]:
        """Create or replace a dock of the agency. Returns it and whether it is new. A dock id of another
        agency is refused (UnknownDock). The drones on a moved dock move with it."""
        values = {
            "agency_id": dock.agency_id,
            "name": dock.name,
            "lat": dock.lat,
            "lon": dock.lon,
            "capacity": dock.capacity,
            "updated_at": at,
            "updated_by": by,
        }
        with self.db.write() as conn:
            held = conn.execute(select(drone_docks.c.agency_id).where(drone_docks.c.id == dock.id)).first()
            if held is not None and held.agency_id != dock.agency_id:
                raise UnknownDock(dock.id)
            if held is None:
                conn.execute(drone_docks.insert().values(id=dock.id, **values))
            else:
                conn.execute(update(drone_docks).where(drone_docks.c.id == dock.id).values(**values))
                on_dock = select(drone_registrations.c.drone_id).where(
                    drone_registrations.c.dock_id == dock.id
                )
                conn.execute(
                    update(drones)
                    .where(drones.c.id.in_(on_dock))
                    .values(dock_lat=dock.lat, dock_lon=dock.lon)
                )
        return self.dock(dock.agency_id, dock.id) or dock, held is None

    def docks(self, agency_id: str) -> list[Dock]:
        with self.db.read() as conn:
            return self._docks(conn, agency_id)

    def dock(self, agency_id: str, dock_id: str) -> Dock | None:
        with self.db.read() as conn:
            found = self._docks(conn, agency_id, dock_id)
        return found[0] if found else None

    def _docks(self, conn: Connection, agency_id: str, dock_id: str | None = None) -> list[Dock]:
        q = select(drone_docks).where(drone_docks.c.agency_id == agency_id).order_by(drone_docks.c.id)
        if dock_id is not None:
            q = q.where(drone_docks.c.id == dock_id)
        counts: dict[str, int] = {}
        for r in conn.execute(
            select(drone_registrations.c.dock_id).where(drone_registrations.c.agency_id == agency_id)
        ):
            counts[r.dock_id] = counts.get(r.dock_id, 0) + 1
        return [
            Dock(r.id, r.agency_id, r.name, r.lat, r.lon, r.capacity, counts.get(r.id, 0))
            for r in conn.execute(q)
        ]

    # Registration ---------------------------------------------------------------------------------------

    def register(
        self,
        agency_id: str,
        drone_id: str,
        *,
        dock_id: str,
        model: str,
        max_flight_s: float,
        stream_url: str | None,
        camera_id: str | None,
        by: str,
        at: datetime,
    ) -> bool:
        """Register a drone (or replace its registration). It joins the live picture at its dock, and its
        camera (when it has a stream address) is put in the camera registry or brought up to date. Without a
        stream address, ``camera_id`` links a drone camera already in the registry (UnknownCamera when
        there is none), and a drone registered again with neither loses its camera. Returns whether it
        is new."""
        with self.db.write() as conn:
            dock = conn.execute(
                select(drone_docks).where(drone_docks.c.id == dock_id, drone_docks.c.agency_id == agency_id)
            ).first()
            if dock is None:
                raise UnknownDock(dock_id)
            live = conn.execute(select(drones.c.agency_id).where(drones.c.id == drone_id)).first()
            if live is not None and live.agency_id != agency_id:
                raise DroneOfOtherAgency(drone_id)
            before = conn.execute(
                select(drone_registrations).where(drone_registrations.c.drone_id == drone_id)
            ).first()
            if before is not None and before.agency_id != agency_id:
                raise DroneOfOtherAgency(drone_id)
            if before is not None and before.camera_id and before.camera_id != camera_id:
                conn.execute(
                    cameras.delete().where(cameras.c.id == before.camera_id, cameras.c.kind == "drone")
                )
            if camera_id is not None and stream_url is not None:
                self._save_camera(conn, agency_id, camera_id, drone_id, model, stream_url, dock)
            elif camera_id is not None:
                held = conn.execute(
                    select(cameras.c.id).where(
                        cameras.c.id == camera_id, cameras.c.agency_id == agency_id, cameras.c.kind == "drone"
                    )
                ).first()
                if held is None:
                    raise UnknownCamera(camera_id)
            values = {
                "agency_id": agency_id,
                "dock_id": dock_id,
                "model": model,
                "max_flight_s": max_flight_s,
                "camera_id": camera_id,
                "registered_at": at,
                "registered_by": by,
            }
            if before is None:
                conn.execute(drone_registrations.insert().values(drone_id=drone_id, **values))
            else:
                conn.execute(
                    update(drone_registrations)
                    .where(drone_registrations.c.drone_id == drone_id)
                    .values(**values)
                )
            if live is None:
                conn.execute(
                    drones.insert().values(
                        id=drone_id,
                        agency_id=agency_id,
                        dock_lat=dock.lat,
                        dock_lon=dock.lon,
                        lat=dock.lat,
                        lon=dock.lon,
                        state="docked",
                    )
                )
            else:
                conn.execute(
                    update(drones).where(drones.c.id == drone_id).values(dock_lat=dock.lat, dock_lon=dock.lon)
                )
        return before is None

    def _save_camera(
        self,
        conn: Connection,
        agency_id: str,
        camera_id: str,
        drone_id: str,
        model: str,
        stream_url: str,
        dock: Any,
    ) -> None:
        """The drone's camera in the camera registry: kind drone, its stream, where the drone is. Its health
        (status) is left as the monitor last found it."""
        values = {
            "agency_id": agency_id,
            "name": f"{drone_id} camera ({model})",
            "kind": "drone",
            "stream_url": stream_url,
            "ptz": True,  # a drone's gimbal turns and tilts
        }
        held = conn.execute(
            select(cameras.c.agency_id, cameras.c.kind).where(cameras.c.id == camera_id)
        ).first()
        if held is not None and (held.agency_id != agency_id or held.kind != "drone"):
            raise DroneOfOtherAgency(f"camera {camera_id}")
        if held is None:
            conn.execute(
                cameras.insert().values(id=camera_id, lat=dock.lat, lon=dock.lon, status="up", **values)
            )
        else:
            conn.execute(update(cameras).where(cameras.c.id == camera_id).values(**values))

    def registered(self, agency_id: str, drone_id: str | None = None) -> list[RegisteredDrone]:
        r, d, c = drone_registrations, drones, cameras
        q = (
            select(
                r,
                d.c.dock_lat,
                d.c.dock_lon,
                d.c.state,
                d.c.lat,
                d.c.lon,
                d.c.altitude_m,
                d.c.battery_pct,
                d.c.updated_at,
                c.c.stream_url,
                drone_flights.c.id.label("open_flight_id"),
            )
            .select_from(
                r.outerjoin(d, d.c.id == r.c.drone_id)
                .outerjoin(c, c.c.id == r.c.camera_id)
                .outerjoin(drone_flights, drone_flights.c.open_drone_id == r.c.drone_id)
            )
            .where(r.c.agency_id == agency_id)
            .order_by(r.c.drone_id)
        )
        if drone_id is not None:
            q = q.where(r.c.drone_id == drone_id)
        with self.db.read() as conn:
            return [
                RegisteredDrone(
                    drone_id=row.drone_id,
                    agency_id=row.agency_id,
                    dock_id=row.dock_id,
                    model=row.model,
                    max_flight_s=row.max_flight_s,
                    camera_id=row.camera_id,
                    stream_url=without_credentials(row.stream_url) if row.stream_url else None,
                    registered_at=row.registered_at,
                    registered_by=row.registered_by,
                    dock_lat=row.dock_lat,
                    dock_lon=row.dock_lon,
                    state=row.state or "docked",
                    lat=row.lat,
                    lon=row.lon,
                    altitude_m=row.altitude_m,
                    battery_pct=row.battery_pct,
                    updated_at=row.updated_at,
                    open_flight_id=row.open_flight_id,
                )
                for row in conn.execute(q)
            ]

    # Flights --------------------------------------------------------------------------------------------

    def open_flight(self, flight: FlightRecord) -> FlightRecord:
        """Record a new open flight. DroneBusy when the drone already has one."""
        values = {name: getattr(flight, name) for name in FlightRecord.__dataclass_fields__}
        try:
            with self.db.write() as conn:
                conn.execute(drone_flights.insert().values(open_drone_id=flight.drone_id, **values))
        except IntegrityError:
            raise DroneBusy(flight.drone_id) from None
        return flight

    def open_flight_of(self, agency_id: str, drone_id: str) -> FlightRecord | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(drone_flights).where(
                    drone_flights.c.open_drone_id == drone_id, drone_flights.c.agency_id == agency_id
                )
            ).first()
        return _flight(row) if row else None

    def flight(self, agency_id: str, flight_id: str) -> FlightRecord | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(drone_flights).where(
                    drone_flights.c.id == flight_id, drone_flights.c.agency_id == agency_id
                )
            ).first()
        return _flight(row) if row else None

    def flights(
        self, agency_id: str, *, drone_id: str | None = None, call_id: str | None = None, limit: int = 100
    ) -> list[FlightRecord]:
        """Newest first."""
        q = (
            select(drone_flights)
            .where(drone_flights.c.agency_id == agency_id)
            .order_by(drone_flights.c.opened_at.desc(), drone_flights.c.id)
            .limit(limit)
        )
        if drone_id is not None:
            q = q.where(drone_flights.c.drone_id == drone_id)
        if call_id is not None:
            q = q.where(drone_flights.c.call_id == call_id)
        with self.db.read() as conn:
            return [_flight(r) for r in conn.execute(q)]

    def track(self, flight_id: str) -> list[TrackPoint]:
        p = drone_flight_points
        q = select(p).where(p.c.flight_id == flight_id).order_by(p.c.id)
        with self.db.read() as conn:
            return [
                TrackPoint(r.at, r.lat, r.lon, r.altitude_m, r.heading_deg, r.battery_pct, r.state)
                for r in conn.execute(q)
            ]

    def camera_of(self, drone_id: str) -> str | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(drone_registrations.c.camera_id).where(drone_registrations.c.drone_id == drone_id)
            ).first()
        return row.camera_id if row else None

    def record_points(
        self,
        flight_id: str,
        points: Sequence[TrackPoint],
        progress: dict[str, Any],
        *,
        camera_id: str | None,
        close: bool,
        at: datetime,
    ) -> None:
        """Telemetry reports onto the flight's track, the flight's milestones as they now stand, and the
        drone's camera moved to where the drone last was (so it is found among the cameras near the scene),
        in one transaction."""
        if not points:
            return
        with self.db.write() as conn:
            conn.execute(
                drone_flight_points.insert(),
                [
                    {
                        "flight_id": flight_id,
                        "at": p.at,
                        "lat": p.lat,
                        "lon": p.lon,
                        "altitude_m": p.altitude_m,
                        "heading_deg": p.heading_deg,
                        "battery_pct": p.battery_pct,
                        "state": p.state,
                    }
                    for p in points
                ],
            )
            values = {k: progress[k] for k in PROGRESS_FIELDS}
            if close:
                values |= {"open_drone_id": None, "closed_at": at, "closed_reason": "landed"}
            conn.execute(update(drone_flights).where(drone_flights.c.id == flight_id).values(**values))
            if camera_id is not None:
                last = points[-1]
                conn.execute(
                    update(cameras)
                    .where(cameras.c.id == camera_id, cameras.c.kind == "drone")
                    .values(lat=last.lat, lon=last.lon, heading_deg=last.heading_deg)
                )

    def close_unlaunched(self, agency_id: str, dispatched_before: datetime, at: datetime) -> list[str]:
        """Close the dispatches whose drone never took off in time, so the drone can be sent again.
        Returns their ids."""
        f = drone_flights
        with self.db.write() as conn:
            stale = [
                r.id
                for r in conn.execute(
                    select(f.c.id).where(
                        f.c.agency_id == agency_id,
                        f.c.open_drone_id.is_not(None),
                        f.c.status == "dispatched",
                        f.c.opened_at < dispatched_before,
                    )
                )
            ]
            if stale:
                conn.execute(
                    update(f)
                    .where(f.c.id.in_(stale), f.c.status == "dispatched")
                    .values(
                        open_drone_id=None,
                        status="not_launched",
                        closed_at=at,
                        closed_reason="the drone did not take off after the dispatch",
                    )
                )
        return stale


def new_flight_id() -> str:
    return f"FLT-{uuid.uuid4().hex[:12]}"

"""Drone docks, registration, dispatch to an incident or a point, and flight logs with their tracks.

Registering docks and drones needs cameras:manage: a drone that streams becomes a camera of the camera
registry (kind ``drone``), and who may add cameras to what operators watch is the camera managers' call.
Sending a drone needs drones:dispatch; reading drones, options and flight logs needs live:read.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StringConstraints, field_validator

from rtcc.api.announce import announce
from rtcc.api.deps import Ctx, audit_action, require
from rtcc.api.parts.drones import DispatchRefused, Scene
from rtcc.domain.entities import User
from rtcc.domain.events import DRONE_DISPATCHED, DroneDispatched
from rtcc.domain.roles import Permission
from rtcc.engines.drones import Assessment, reach_m
from rtcc.storage.flights import (
    Dock,
    DroneOfOtherAgency,
    FlightRecord,
    RegisteredDrone,
    UnknownCamera,
    UnknownDock,
)

router = APIRouter(prefix="/api/v1", tags=["drones"])
LiveReader = Annotated[User, Depends(require(Permission.LIVE_READ))]
Manager = Annotated[User, Depends(require(Permission.CAMERAS_MANAGE))]
Dispatcher = Annotated[User, Depends(require(Permission.DRONES_DISPATCH))]

Id = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
]
STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https")


class DockIn(BaseModel):
    id: Id = Field(..., description="The dock's id, e.g. DOCK-1. Sending an existing id replaces that dock.")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)
    capacity: int = Field(1, ge=1, le=50, description="How many drones the dock holds.")


class DockOut(BaseModel):
    id: str
    name: str
    lat: float
    lon: float
    capacity: int
    drones: int = Field(..., description="Drones registered to the dock.")


class DroneIn(BaseModel):
    id: Id = Field(..., description="The drone's id; its telemetry reports it as drone_id.")
    dock_id: Id
    model: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    max_flight_s: float = Field(..., ge=60, le=86_400, description="Flight time on a full battery (seconds).")
    stream_url: str | None = Field(
        None, max_length=500, description="Live video address (RTSP or HTTP), when the drone streams."
    )
    camera_id: Id | None = Field(
        None,
        description="Its camera's id in the camera registry: with stream_url, the camera made or updated "
        "(default <id>-cam); without, a drone camera already registered.",
    )

    @field_validator("stream_url")
    @classmethod
    def _stream_address(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        parts = urlsplit(v.strip())
        if parts.scheme.lower() not in STREAM_SCHEMES or not parts.hostname:
            raise ValueError(
                f"must be an address with a host and one of the schemes {', '.join(STREAM_SCHEMES)}"
            )
        return v.strip()


class DroneOut(BaseModel):
    id: str
    dock_id: str
    model: str
    max_flight_s: float
    reach_m: float = Field(..., description="How far from its dock it can be sent on a full battery.")
    camera_id: str | None = Field(
        ..., description="Its camera in the camera registry (play it with the video routes)."
    )
    stream_url: str | None = Field(..., description="Shown without any credentials.")
    registered_at: datetime
    registered_by: str
    dock_lat: float | None
    dock_lon: float | None
    state: str
    lat: float | None
    lon: float | None
    altitude_m: float | None
    battery_pct: float | None
    updated_at: datetime | None
    open_flight_id: str | None


class DispatchIn(BaseModel):
    call_id: str | None = Field(None, max_length=64, description="Send it to this call's location.")
    lat: float | None = Field(None, ge=-90, le=90, description="Or to this point (with lon).")
    lon: float | None = Field(None, ge=-180, le=180)
    drone_id: str | None = Field(None, max_length=64, description="This drone; by default the best one.")
    reason: str | None = Field(None, max_length=500, description="Why it is sent (kept in the flight log).")


class OptionOut(BaseModel):
    drone_id: str
    can_go: bool
    reason: str | None = Field(..., description="Why it cannot go; null when it can.")
    distance_m: float | None
    eta_s: float | None = Field(
        ..., description="Launch time plus the straight-line distance at cruise speed."
    )
    battery_pct: float | None
    battery_needed_pct: float | None


class OptionsOut(BaseModel):
    best: OptionOut | None
    refusal: str | None
    drones: list[OptionOut]


class FlightOut(BaseModel):
    id: str
    drone_id: str
    dock_id: str | None
    origin: str = Field(..., description="dispatch (sent from here) or telemetry (seen taking off).")
    call_id: str | None
    incident_id: str | None
    target_lat: float | None
    target_lon: float | None
    distance_m: float | None
    eta_s: float | None
    expected_arrival_at: datetime | None
    reason: str | None
    dispatched_at: datetime
    dispatched_by: str | None
    status: str = Field(..., description="dispatched, launched, on_scene, returning, landed or not_launched.")
    launched_at: datetime | None
    arrived_at: datetime | None
    returning_at: datetime | None
    landed_at: datetime | None
    time_to_scene_s: float | None = Field(
        ...,
        description="From the dispatch to arrival over the scene (null when the drone's clock runs behind).",
    )
    flight_to_scene_s: float | None = Field(
        ..., description="From take-off to arrival, by the drone's clock."
    )
    battery_start_pct: float | None
    battery_end_pct: float | None
    battery_used_pct: float | None
    points: int
    closed_at: datetime | None
    closed_reason: str | None


class TrackPointOut(BaseModel):
    at: datetime
    lat: float
    lon: float
    altitude_m: float
    heading_deg: float | None
    battery_pct: float
    state: str


class FlightDetailOut(FlightOut):
    track: list[TrackPointOut]


class DispatchOut(BaseModel):
    flight: FlightOut
    chosen: OptionOut
    drones: list[OptionOut]


def dock_out(d: Dock) -> DockOut:
    return DockOut(id=d.id, name=d.name, lat=d.lat, lon=d.lon, capacity=d.capacity, drones=d.drones)


def drone_out(d: RegisteredDrone, settings_speed: float) -> DroneOut:
    return DroneOut(
        id=d.drone_id,
        dock_id=d.dock_id,
        model=d.model,
        max_flight_s=d.max_flight_s,
        reach_m=round(reach_m(speed_mps=settings_speed, max_flight_s=d.max_flight_s), 1),
        camera_id=d.camera_id,
        stream_url=d.stream_url,
        registered_at=d.registered_at,
        registered_by=d.registered_by,
        dock_lat=d.dock_lat,
        dock_lon=d.dock_lon,
        state=d.state,
        lat=d.lat,
        lon=d.lon,
        altitude_m=d.altitude_m,
        battery_pct=d.battery_pct,
        updated_at=d.updated_at,
        open_flight_id=d.open_flight_id,
    )


def option_out(a: Assessment) -> OptionOut:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    return OptionOut(
        drone_id=a.drone_id,
        can_go=a.can_go,
        reason=a.reason,
        distance_m=r(a.distance_m),
        eta_s=r(a.eta_s),
        battery_pct=a.battery_pct,
        battery_needed_pct=r(a.battery_needed_pct),
    )


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else round((end - start).total_seconds(), 1)


def _time_to_scene(f: FlightRecord) -> float | None:
    """Dispatch (the server's clock) to arrival (the drone's): shown only when the two clocks agree well
    enough that the arrival is not before the dispatch (a replayed or simulated feed may run behind)."""
    seconds = _seconds(f.opened_at, f.arrived_at) if f.origin == "dispatch" else None
    return seconds if seconds is not None and seconds >= 0 else None


def flight_out(f: FlightRecord) -> FlightOut:
    used = None
    if f.battery_start_pct is not None and f.battery_end_pct is not None:
        used = round(f.battery_start_pct - f.battery_end_pct, 1)
    return FlightOut(
        id=f.id,
        drone_id=f.drone_id,
        dock_id=f.dock_id,
        origin=f.origin,
        call_id=f.call_id,
        incident_id=f.incident_id,
        target_lat=f.target_lat,
        target_lon=f.target_lon,
        distance_m=f.distance_m,
        eta_s=f.eta_s,
        expected_arrival_at=f.opened_at + timedelta(seconds=f.eta_s) if f.eta_s is not None else None,
        reason=f.reason,
        dispatched_at=f.opened_at,
        dispatched_by=f.dispatched_by,
        status=f.status,
        launched_at=f.launched_at,
        arrived_at=f.arrived_at,
        returning_at=f.returning_at,
        landed_at=f.landed_at,
        time_to_scene_s=_time_to_scene(f),
        flight_to_scene_s=_seconds(f.launched_at, f.arrived_at),
        battery_start_pct=f.battery_start_pct,
        battery_end_pct=f.battery_end_pct,
        battery_used_pct=used,
        points=f.points,
        closed_at=f.closed_at,
        closed_reason=f.closed_reason,
    )


def invalid(field: str, reason: str) -> RequestValidationError:
    """A 422 naming the field, in the same shape as any other validation error."""
    return RequestValidationError([{"loc": ("body", field), "msg": reason, "type": "value_error"}])


# Docks -------------------------------------------------------------------------------------------------


@router.get("/drone-docks", response_model=list[DockOut])
async def list_docks(ctx: Ctx, user: LiveReader) -> list[DockOut]:
    return [dock_out(d) for d in await asyncio.to_thread(ctx.drones.store.docks, user.agency_id)]


@router.post("/drone-docks", response_model=DockOut)
async def save_dock(body: DockIn, request: Request, ctx: Ctx, user: Manager) -> DockOut:
    """Create a dock, or replace the one with this id (its drones move with it)."""
    dock = Dock(body.id, user.agency_id, body.name, body.lat, body.lon, body.capacity)
    try:
        saved, created = await asyncio.to_thread(
            ctx.drones.store.save_dock, dock, user.username, datetime.now(UTC)
        )
    except UnknownDock:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"id: dock {body.id!r} belongs to another agency"
        ) from None
    await audit_action(
        ctx,
        user,
        request,
        action="drone.dock.create" if created else "drone.dock.update",
        resource=f"drone-dock/{body.id}",
        detail=body.model_dump(mode="json"),
    )
    return dock_out(saved)


# Drones ------------------------------------------------------------------------------------------------


@router.post("/drones", response_model=DroneOut)
async def register_drone(body: DroneIn, request: Request, ctx: Ctx, user: Manager) -> DroneOut:
    """Register a drone at a dock (or replace its registration). A drone with a stream address is also a
    camera of kind ``drone`` in the camera registry, whose id the answer gives."""
    store = ctx.drones.store
    dock = await asyncio.to_thread(store.dock, user.agency_id, body.dock_id)
    if dock is None:
        raise invalid("dock_id", f"no dock {body.dock_id!r} in the agency; register the dock first")
    registered = await asyncio.to_thread(store.registered, user.agency_id, body.id)
    on_dock = dock.drones - (1 if registered and registered[0].dock_id == dock.id else 0)
    if on_dock >= dock.capacity:
        raise invalid("dock_id", f"dock {dock.id} holds {dock.capacity} drone(s) and is full")
    camera_id = (body.camera_id or f"{body.id}-cam") if body.stream_url else body.camera_id
    try:
        created = await asyncio.to_thread(
            store.register,
            user.agency_id,
            body.id,
            dock_id=body.dock_id,
            model=body.model,
            max_flight_s=body.max_flight_s,
            stream_url=body.stream_url,
            camera_id=camera_id,
            by=user.username,
            at=datetime.now(UTC),
        )
    except UnknownDock:
        raise invalid("dock_id", f"no dock {body.dock_id!r} in the agency") from None
    except UnknownCamera:
        raise invalid(
            "camera_id", f"no drone camera {camera_id!r} in the registry; give its stream_url to add it"
        ) from None
    except DroneOfOtherAgency as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"{exc.args[0]} is registered to another agency"
        ) from None
    [drone] = await asyncio.to_thread(store.registered, user.agency_id, body.id)
    detail: dict[str, Any] = body.model_dump(mode="json", exclude={"stream_url"})
    detail |= {"camera_id": drone.camera_id, "stream_url": drone.stream_url}  # never the credentials
    await audit_action(
        ctx,
        user,
        request,
        action="drone.register" if created else "drone.update",
        resource=f"drone/{body.id}",
        detail=detail,
    )
    return drone_out(drone, ctx.settings.drone_speed_mps)


async def _scene(ctx: Ctx, user: User, call_id: str | None, lat: float | None, lon: float | None) -> Scene:
    if call_id:
        incident = await asyncio.to_thread(ctx.cad.get, user.agency_id, call_id)
        if incident is None:
            raise invalid("call_id", f"no call {call_id!r} in the agency")
        if incident.lat is None or incident.lon is None:
            raise invalid("call_id", f"call {call_id} has no location; send the drone to a point instead")
        return Scene(incident.lat, incident.lon, incident.call_id, incident.incident_id)
    if lat is None and lon is None:
        raise invalid("call_id", "give a call_id, or lat and lon of a point")
    if lat is None or lon is None:
        raise invalid("lon" if lon is None else "lat", "a point needs both lat and lon")
    return Scene(lat, lon)


@router.get("/drones/options", response_model=OptionsOut)
async def dispatch_options(
    ctx: Ctx,
    user: LiveReader,
    call_id: Annotated[str | None, Query(max_length=64)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> OptionsOut:
    """Which drone would go to a call or a point, its time to scene, and why each other one would not."""
    scene = await _scene(ctx, user, call_id, lat, lon)
    choice = await asyncio.to_thread(ctx.drones.options, user.agency_id, scene)
    return OptionsOut(
        best=option_out(choice.chosen) if choice.chosen else None,
        refusal=choice.refusal,
        drones=[option_out(a) for a in choice.assessments],
    )


@router.post(
    "/drones/dispatch",
    response_model=DispatchOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "No drone can go: detail says why, drones why not for each."}},
)
async def dispatch_drone(body: DispatchIn, request: Request, ctx: Ctx, user: Dispatcher) -> Any:
    """Send a drone to a call or a point: the one named, or the best that can go (on its dock, on no other
    flight, battery enough for the round trip plus reserve, shortest time to scene). Refused (409) with
    the reason when none can go."""
    scene = await _scene(ctx, user, body.call_id, body.lat, body.lon)
    detail: dict[str, Any] = {
        "call_id": scene.call_id,
        "lat": scene.lat,
        "lon": scene.lon,
        "drone_id": body.drone_id,
        "reason": body.reason,
    }
    try:
        sent = await asyncio.to_thread(
            ctx.drones.dispatch,
            user.agency_id,
            scene,
            named=body.drone_id,
            by=user.username,
            reason=body.reason,
        )
    except DispatchRefused as refused:
        await audit_action(
            ctx,
            user,
            request,
            action="drone.dispatch",
            resource=f"drone/{body.drone_id or '*'}",
            detail=detail | {"refused": refused.reason},
            outcome="failure",
        )
        if refused.unknown_drone:
            raise invalid("drone_id", refused.reason) from None
        return JSONResponse(
            {
                "detail": refused.reason,
                "drones": [option_out(a).model_dump(mode="json") for a in refused.assessments],
            },
            status_code=status.HTTP_409_CONFLICT,
        )
    flight = sent.flight
    await audit_action(
        ctx,
        user,
        request,
        action="drone.dispatch",
        resource=f"drone/{flight.drone_id}",
        detail=detail | {"flight_id": flight.id, "chosen": flight.drone_id, "eta_s": flight.eta_s},
    )
    payload = DroneDispatched(
        drone_id=flight.drone_id,
        flight_id=flight.id,
        dock_id=flight.dock_id,
        call_id=flight.call_id,
        incident_id=flight.incident_id,
        distance_m=flight.distance_m or 0.0,
        eta_s=flight.eta_s or 0.0,
        dispatched_by=user.username,
    )
    await announce(ctx, user.agency_id, DRONE_DISPATCHED, payload, lat=scene.lat, lon=scene.lon)
    return DispatchOut(
        flight=flight_out(flight),
        chosen=option_out(sent.chosen),
        drones=[option_out(a) for a in sent.assessments],
    )


@router.get("/drones/{drone_id}", response_model=DroneOut)
async def get_drone(drone_id: str, ctx: Ctx, user: LiveReader) -> DroneOut:
    """A registered drone: its dock, model, camera, and where and how it is now."""
    found = await asyncio.to_thread(ctx.drones.store.registered, user.agency_id, drone_id)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no registered drone {drone_id!r}")
    return drone_out(found[0], ctx.settings.drone_speed_mps)


# Flight logs -------------------------------------------------------------------------------------------


@router.get("/drones/{drone_id}/flights", response_model=list[FlightOut])
async def drone_flights(
    drone_id: str, ctx: Ctx, user: LiveReader, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[FlightOut]:
    """The drone's flights, newest first."""
    flights = await asyncio.to_thread(
        ctx.drones.store.flights, user.agency_id, drone_id=drone_id, limit=limit
    )
    return [flight_out(f) for f in flights]


@router.get("/drone-flights", response_model=list[FlightOut])
async def list_flights(
    ctx: Ctx,
    user: LiveReader,
    call_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[FlightOut]:
    """The agency's flights, newest first; ``call_id`` keeps those sent to one call."""
    flights = await asyncio.to_thread(ctx.drones.store.flights, user.agency_id, call_id=call_id, limit=limit)
    return [flight_out(f) for f in flights]


@router.get("/drone-flights/{flight_id}", response_model=FlightDetailOut)
async def get_flight(flight_id: str, ctx: Ctx, user: LiveReader) -> FlightDetailOut:
    """One flight with its milestones and its whole telemetry track."""
    flight = await asyncio.to_thread(ctx.drones.store.flight, user.agency_id, flight_id)
    if flight is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no flight {flight_id!r}")
    track = await asyncio.to_thread(ctx.drones.store.track, flight_id)
    return FlightDetailOut(
        **flight_out(flight).model_dump(),
        track=[
            TrackPointOut(
                at=p.at,
                lat=p.lat,
                lon=p.lon,
                altitude_m=p.altitude_m,
                heading_deg=p.heading_deg,
                battery_pct=p.battery_pct,
                state=p.state,
            )
            for p in track
        ],
    )

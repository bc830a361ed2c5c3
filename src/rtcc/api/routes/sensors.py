"""Acoustic sensors: the registry (in latitude/longitude or a local metric frame) and their health."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from rtcc.api.deps import Ctx, audit_action, require
from rtcc.domain.entities import Sensor, User, sensor_status
from rtcc.domain.roles import Permission
from rtcc.engines.gunshot.geometry import LocalFrame

router = APIRouter(prefix="/api/v1/sensors", tags=["sensors"])
LiveReader = Annotated[User, Depends(require(Permission.LIVE_READ))]
FeedManager = Annotated[User, Depends(require(Permission.FEEDS_MANAGE))]


class FrameOrigin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)
    elevation_m: float = Field(0.0, description="Height of the origin above sea level.")


class SensorIn(BaseModel):
    """A sensor's surveyed position: latitude/longitude/elevation, or x/y/z metres (east, north, up) from a
    local origin, as array surveys are often done."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., min_length=1, max_length=64)
    kind: str = Field("acoustic", max_length=32)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    elevation_m: float | None = None
    x: float | None = Field(None, description="Metres east of the frame's origin.")
    y: float | None = Field(None, description="Metres north of the frame's origin.")
    z: float | None = Field(None, description="Metres above the frame's origin.")
    frame: FrameOrigin | None = None

    @model_validator(mode="after")
    def _one_kind_of_position(self) -> SensorIn:
        geodetic = self.lat is not None and self.lon is not None
        local = self.x is not None and self.y is not None and self.frame is not None
        if geodetic == local:
            raise ValueError("give either lat and lon (and elevation_m), or x, y (and z) with a frame origin")
        return self


class SensorRegistration(BaseModel):
    sensors: list[SensorIn] = Field(..., min_length=1, max_length=10_000)


def _row(s: SensorIn, agency_id: str) -> dict[str, Any]:
    local: dict[str, Any] | None = None
    elevation: float | None
    if s.frame is not None:
        assert s.x is not None and s.y is not None
        frame = LocalFrame(s.frame.lat, s.frame.lon, s.frame.elevation_m)
        lat, lon, elevation = frame.to_geodetic((s.x, s.y, s.z or 0.0))
        local = {"origin": s.frame.model_dump(), "x": s.x, "y": s.y, "z": s.z or 0.0}
    else:
        assert s.lat is not None and s.lon is not None
        lat, lon, elevation = s.lat, s.lon, s.elevation_m
    return {
        "id": s.id,
        "agency_id": agency_id,
        "kind": s.kind,
        "lat": lat,
        "lon": lon,
        "elevation_m": elevation,
        "local_frame": local,
    }


@router.get("", response_model=list[Sensor])
async def list_sensors(ctx: Ctx, user: LiveReader) -> list[Sensor]:
    """Every sensor with its health: up, down (silent longer than RTCC_SENSOR_DOWN_AFTER_S) or never."""
    sensors = await asyncio.to_thread(ctx.live.sensors, agency_id=user.agency_id)
    now = datetime.now(UTC)
    limit = ctx.settings.sensor_down_after_s
    return [s.model_copy(update={"status": sensor_status(s.last_heartbeat_at, now, limit)}) for s in sensors]


@router.post("", response_model=list[Sensor], status_code=201)
async def register_sensors(
    body: SensorRegistration, request: Request, ctx: Ctx, user: FeedManager
) -> list[Sensor]:
    """Register or re-survey sensors. A sensor id registered by another agency is refused."""
    ids = [s.id for s in body.sensors]
    existing = {s.id: s for s in await asyncio.to_thread(ctx.live.sensors)}
    foreign = [i for i in ids if i in existing and existing[i].agency_id != user.agency_id]
    if foreign:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"id: registered by another agency: {', '.join(foreign)}"
        )
    rows = [_row(s, user.agency_id) for s in body.sensors]
    for row in rows:
        if row["id"] in existing:  # keep what the sensor has reported
            row["last_heartbeat_at"] = existing[row["id"]].last_heartbeat_at
    await asyncio.to_thread(ctx.live.register, "sensor", rows)
    await audit_action(ctx, user, request, action="sensor.register", resource="sensors", detail={"ids": ids})
    return [Sensor.model_validate(row) for row in rows]

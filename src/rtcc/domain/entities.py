"""Domain model v1: the things the hub keeps current state of, as the API and engines see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from rtcc.domain.roles import Role
from rtcc.domain.vocab import (
    AlertSeverity,
    CameraKind,
    HealthState,
    IncidentStatus,
    IncidentType,
    Priority,
    UnitStatus,
)


class Entity(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Agency(Entity):
    id: str
    name: str
    ori: str | None = Field(None, description="NCIC originating agency identifier.")


class User(Entity):
    id: str
    agency_id: str
    username: str
    display_name: str
    role: Role
    active: bool = True
    last_login_at: datetime | None = None
    locked_at: datetime | None = Field(
        None, description="Set after repeated failed sign-ins; an administrator unlocks."
    )
    mfa_enrolled_at: datetime | None = Field(None, description="When the second factor (TOTP) was set up.")

    @property
    def mfa_enrolled(self) -> bool:
        return self.mfa_enrolled_at is not None


class Source(Entity):
    """A feed: one producer of events, authenticated by its API key."""

    id: str
    agency_id: str
    name: str
    adapter: str = Field(..., description="Feed adapter that parses this source's format.")
    config: dict[str, Any] = Field(default_factory=dict)
    key_prefix: str = Field(..., description="Public prefix of the API key, to tell keys apart.")
    enabled: bool = True


class Call(Entity):
    """A 911 call and the CAD incident it became."""

    agency_id: str
    call_id: str
    call_type: IncidentType
    priority: Priority
    status: IncidentStatus
    description: str = ""
    received_at: datetime
    updated_at: datetime
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    incident_id: str | None = None
    units: list[str] = Field(default_factory=list)


class Unit(Entity):
    agency_id: str
    unit_id: str
    status: UnitStatus
    lat: float | None = None
    lon: float | None = None
    heading_deg: float | None = None
    speed_mps: float | None = None
    incident_id: str | None = None
    located_at: datetime | None = None
    updated_at: datetime


class Camera(Entity):
    id: str
    agency_id: str
    name: str
    kind: CameraKind
    lat: float
    lon: float
    heading_deg: float | None = None
    fov_deg: float | None = None
    range_m: float | None = None
    ptz: bool = False
    mount_height_m: float | None = None
    stream_url: str | None = Field(None, description="Live video address (RTSP, HLS or MJPEG).")
    snapshot_url: str | None = None
    owner: str | None = None
    sharing: str | None = Field(None, description="registered, footage_on_request or live.")
    status: HealthState = HealthState.UP
    status_reason: str | None = None
    status_changed_at: datetime | None = None

    @field_serializer("snapshot_url", "stream_url")
    def _without_credentials(self, url: str | None) -> str | None:
        """An address is shown without any user name or password in it; the server alone uses those."""
        return without_credentials(url) if url else url


def without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class Sensor(Entity):
    id: str
    agency_id: str
    kind: str = "acoustic"
    lat: float
    lon: float
    elevation_m: float | None = None
    last_heartbeat_at: datetime | None = None
    local_frame: dict[str, Any] | None = Field(
        None, description="When registered in a local frame: its origin and the sensor's x, y, z metres."
    )
    status: str = Field("unknown", description="up, down (silent too long) or never (has not reported yet).")


def sensor_status(last_heard: datetime | None, now: datetime, down_after_s: float) -> str:
    """A sensor that stops reporting (heartbeats or pulses) is down: its silence is not a quiet street."""
    if last_heard is None:
        return "never"
    return "up" if (now - last_heard).total_seconds() <= down_after_s else "down"


class Drone(Entity):
    id: str
    agency_id: str
    dock_lat: float | None = None
    dock_lon: float | None = None
    lat: float | None = None
    lon: float | None = None
    altitude_m: float | None = None
    battery_pct: float | None = None
    state: str = "docked"
    incident_id: str | None = None
    updated_at: datetime | None = None


class Alert(Entity):
    id: str
    agency_id: str
    kind: str
    severity: AlertSeverity
    title: str
    detail: dict[str, Any] = Field(default_factory=dict)
    raised_at: datetime
    lat: float | None = None
    lon: float | None = None
    status: str = Field("new", description="new, acknowledged, closed (an outcome is recorded) or dismissed.")
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    assigned_to: str | None = Field(None, description="Username of the person handling the alert.")
    position_id: str | None = Field(None, description="The operator position the alert is routed to.")
    outcome: str | None = None
    outcome_at: datetime | None = None
    outcome_by: str | None = None
    outcome_note: str | None = None
    dismissed_at: datetime | None = None
    dismissed_by: str | None = None
    dismissed_reason: str | None = None


class AuditEntry(Entity):
    """Who did what, when, from where, with what outcome and purpose (CJIS audit content)."""

    seq: int
    at: datetime
    user_id: str | None
    username: str | None
    agency_id: str | None
    action: str
    resource: str
    detail: dict[str, Any] = Field(default_factory=dict)
    purpose: str | None = None
    outcome: str
    source_ip: str | None = None
    hash: str

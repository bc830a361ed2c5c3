"""The event envelope and the typed payload of every built-in event type.

Every feed turns its outside format into :class:`EventIn` envelopes. The envelope carries the common
fields (id, type, time, location); the payload is validated against the model registered for its type,
so a bad field is reported by its dotted path (``payload.plate``) wherever it came from.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from rtcc.domain.alpr import normalise_plate
from rtcc.domain.errors import FieldError
from rtcc.domain.geo import Location
from rtcc.domain.vocab import (
    AlertSeverity,
    CameraKind,
    HealthState,
    IncidentStatus,
    IncidentType,
    Priority,
    UnitStatus,
)


class Payload(BaseModel):
    """Base for typed payloads: unknown fields are refused so typos surface as errors."""

    model_config = ConfigDict(extra="forbid")


class CallReceived(Payload):
    """A 911 call as it arrives, before dispatch."""

    call_id: str = Field(..., min_length=1, max_length=64, description="The call's id in the source system.")
    call_type: IncidentType = Field(..., description="APCO common incident type.")
    priority: Priority = Field(..., description="EIDO priorityIdentifier.")
    description: str = Field("", max_length=4000, description="Call-taker's narrative.")
    caller_phone: str | None = Field(None, max_length=32, description="Callback number, when known.")


class IncidentStatusChanged(Payload):
    """A CAD incident moved through its lifecycle."""

    incident_id: str = Field(..., min_length=1, max_length=64)
    call_id: str | None = Field(None, max_length=64, description="The call that became this incident.")
    status: IncidentStatus
    unit_id: str | None = Field(None, max_length=64, description="The unit whose action changed the status.")
    incident_type: IncidentType | None = None
    priority: Priority | None = None
    disposition: str | None = Field(None, max_length=200)


class UnitLocation(Payload):
    """An automated vehicle location (AVL) ping."""

    unit_id: str = Field(..., min_length=1, max_length=64)
    heading_deg: float | None = Field(None, ge=0, lt=360)
    speed_mps: float | None = Field(None, ge=0, le=120)


class UnitStatusChanged(Payload):
    unit_id: str = Field(..., min_length=1, max_length=64)
    status: UnitStatus
    incident_id: str | None = Field(None, max_length=64)


class CameraStatus(Payload):
    """A camera reported up or down by its own heartbeat or by a health probe."""

    camera_id: str = Field(..., min_length=1, max_length=64)
    status: HealthState
    kind: CameraKind | None = None
    reason: str | None = Field(None, max_length=200)


class AlprRead(Payload):
    """One license plate read."""

    reader_id: str = Field(..., min_length=1, max_length=64)
    plate: str = Field(..., min_length=1, max_length=16, description="Plate characters as read.")
    state: str | None = Field(None, max_length=8, description="Issuing state or province, as read.")
    confidence: float | None = Field(None, ge=0, le=100, description="Reader confidence 0-100.")
    direction: str | None = Field(None, max_length=16)
    image_ref: str | None = Field(None, max_length=500)
    vehicle_make: str | None = Field(None, max_length=40)
    vehicle_colour: str | None = Field(None, max_length=40)

    @field_validator("plate")
    @classmethod
    def _usable_plate(cls, v: str) -> str:
        plate = normalise_plate(v)
        if plate is None:
            raise ValueError(
                f"no usable plate in {v!r} (letters and digits, at most 10, after removing spaces and dashes)"
            )
        return plate


class GunshotPulse(Payload):
    """An impulse heard by one acoustic sensor. ``occurred_at`` carries the arrival time."""

    sensor_id: str = Field(..., min_length=1, max_length=64)
    snr_db: float | None = Field(None, description="Signal-to-noise ratio in dB.")
    power_db: float | None = None
    arrival_ns: int | None = Field(
        None, ge=0, description="Arrival time in nanoseconds since the epoch, when finer than microseconds."
    )
    elevation_m: float | None = Field(
        None,
        ge=-500,
        le=9000,
        description="Microphone height above sea level, for locating in three dimensions.",
    )
    temperature_c: float | None = Field(
        None, ge=-60, le=70, description="Air temperature at the sensor, for the speed of sound."
    )


class SensorHeartbeat(Payload):
    sensor_id: str = Field(..., min_length=1, max_length=64)
    kind: str = Field("acoustic", max_length=32)
    battery_pct: float | None = Field(None, ge=0, le=100)
    temperature_c: float | None = Field(None, ge=-60, le=70)


class DroneTelemetry(Payload):
    drone_id: str = Field(..., min_length=1, max_length=64)
    altitude_m: float = Field(..., ge=-100, le=10_000)
    heading_deg: float | None = Field(None, ge=0, lt=360)
    battery_pct: float = Field(..., ge=0, le=100)
    state: str = Field("flying", max_length=32, description="docked, launching, flying, returning.")
    incident_id: str | None = Field(None, max_length=64)


class AlertRaised(Payload):
    """An engine's or a feed's alert for operators."""

    alert_id: str = Field(..., min_length=1, max_length=64)
    kind: str = Field(..., min_length=1, max_length=64, description="e.g. alpr.hit, gunshot, camera.down.")
    severity: AlertSeverity
    title: str = Field(..., min_length=1, max_length=300)
    detail: dict[str, Any] = Field(default_factory=dict)


class CallBriefReady(Payload):
    """The threat brief of a call is ready. Only its level travels; the brief itself is read (and audited)
    through the API."""

    call_id: str = Field(..., min_length=1, max_length=64)
    level: str = Field(..., max_length=16, description="low, moderate, high or severe.")
    score: float
    factors: int = Field(..., ge=0)
    residents: int = Field(..., ge=0)
    associates: int = Field(..., ge=0)
    ready_ms: float = Field(..., ge=0, description="From the call's arrival on the bus to the brief.")


class NearbyUnit(Payload):
    unit_id: str = Field(..., min_length=1, max_length=64)
    distance_m: float = Field(..., ge=0)


class CallNearby(Payload):
    """A new call near units in the field, before dispatch: their officers are told at once."""

    call_id: str = Field(..., min_length=1, max_length=64)
    call_type: IncidentType
    priority: Priority
    radius_m: float = Field(..., gt=0)
    units: list[NearbyUnit]


class BulletinSent(Payload):
    """An operator's bulletin to the units on a call."""

    bulletin_id: str = Field(..., min_length=1, max_length=64)
    call_id: str = Field(..., min_length=1, max_length=64)
    units: list[str]
    text: str = Field(..., min_length=1, max_length=4000)


class AlertUpdated(Payload):
    """Someone at a desk changed an alert (acknowledged, assigned, dismissed, recorded its outcome): every
    console shows the alert's new state. It carries the state after the change, not the change alone, so a
    console that missed earlier updates is still right."""

    alert_id: str = Field(..., min_length=1, max_length=64)
    status: str = Field(..., max_length=32, description="new, acknowledged, closed or dismissed.")
    by: str = Field(..., min_length=1, max_length=100, description="Username of who made the change.")
    acknowledged_by: str | None = Field(None, max_length=100)
    assigned_to: str | None = Field(None, max_length=100, description="Username handling the alert.")
    position_id: str | None = Field(None, max_length=64, description="Operator position it is routed to.")
    outcome: str | None = Field(None, max_length=64)
    dismissed_reason: str | None = Field(None, max_length=500)


class PositionChanged(Payload):
    """An operator position was created, taken or released. ``occupant`` is absent when nobody holds it."""

    position_id: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=100)
    occupant: str | None = Field(None, max_length=100, description="Username of who holds it now.")


class DroneDispatched(Payload):
    """A drone was sent from the center to an incident or a point."""

    drone_id: str = Field(..., min_length=1, max_length=64)
    flight_id: str = Field(..., min_length=1, max_length=64)
    dock_id: str | None = Field(None, max_length=64)
    call_id: str | None = Field(None, max_length=64, description="The call it was sent to, if any.")
    incident_id: str | None = Field(None, max_length=64)
    distance_m: float = Field(..., ge=0, description="Straight-line distance from the dock to the scene.")
    eta_s: float = Field(..., ge=0, description="Estimated time from the dispatch to arrival over the scene.")
    dispatched_by: str = Field(..., min_length=1, max_length=100, description="Username of who sent it.")


P = TypeVar("P", bound="Payload")


class Topic(Generic[P]):
    """A typed topic: an event type bound to its payload model, so engines read payloads as models."""

    def __init__(self, name: str, model: type[P]):
        self.name = name
        self.model = model

    def payload(self, event: Event) -> P:
        if event.type != self.name:
            raise ValueError(f"event {event.id} is {event.type}, not {self.name}")
        return self.model.model_validate(event.payload)

    def __repr__(self) -> str:
        return f"Topic({self.name!r}, {self.model.__name__})"


# The built-in event types. Outside feed adapters add theirs with :func:`register_event_type`.
EVENT_TYPES: dict[str, type[Payload]] = {
    "call.received": CallReceived,
    "incident.status": IncidentStatusChanged,
    "unit.location": UnitLocation,
    "unit.status": UnitStatusChanged,
    "camera.status": CameraStatus,
    "alpr.read": AlprRead,
    "gunshot.pulse": GunshotPulse,
    "sensor.heartbeat": SensorHeartbeat,
    "drone.telemetry": DroneTelemetry,
    "alert.raised": AlertRaised,
    "call.brief": CallBriefReady,
    "call.nearby": CallNearby,
    "call.bulletin": BulletinSent,
    "alert.updated": AlertUpdated,
    "position.changed": PositionChanged,
    "drone.dispatched": DroneDispatched,
}

CALL_RECEIVED = Topic("call.received", CallReceived)
INCIDENT_STATUS = Topic("incident.status", IncidentStatusChanged)
UNIT_LOCATION = Topic("unit.location", UnitLocation)
UNIT_STATUS = Topic("unit.status", UnitStatusChanged)
CAMERA_STATUS = Topic("camera.status", CameraStatus)
ALPR_READ = Topic("alpr.read", AlprRead)
GUNSHOT_PULSE = Topic("gunshot.pulse", GunshotPulse)
SENSOR_HEARTBEAT = Topic("sensor.heartbeat", SensorHeartbeat)
DRONE_TELEMETRY = Topic("drone.telemetry", DroneTelemetry)
ALERT_RAISED = Topic("alert.raised", AlertRaised)
CALL_BRIEF = Topic("call.brief", CallBriefReady)
CALL_NEARBY = Topic("call.nearby", CallNearby)
CALL_BULLETIN = Topic("call.bulletin", BulletinSent)
ALERT_UPDATED = Topic("alert.updated", AlertUpdated)
POSITION_CHANGED = Topic("position.changed", PositionChanged)
DRONE_DISPATCHED = Topic("drone.dispatched", DroneDispatched)

# Types whose events must say where they happened.
LOCATED_TYPES = frozenset(
    {"call.received", "unit.location", "alpr.read", "drone.telemetry", "gunshot.pulse", "drone.dispatched"}
)


def register_event_type(name: str, model: type[Payload], *, located: bool = False) -> None:
    """Register an event type. Re-registering the same model is harmless; a different one is refused."""
    existing = EVENT_TYPES.get(name)
    if existing is not None and existing is not model:
        raise ValueError(f"event type {name!r} is already registered to {existing.__name__}")
    EVENT_TYPES[name] = model
    global LOCATED_TYPES
    if located:
        LOCATED_TYPES = LOCATED_TYPES | {name}


class EventIn(BaseModel):
    """An event as a feed submits it."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="The producer's unique id. Resubmitting an id changes nothing. Derived from content when absent.",
    )
    type: str = Field(..., min_length=1, max_length=64, description="Event type, e.g. unit.location.")
    occurred_at: AwareDatetime = Field(..., description="When it happened, with a UTC offset.")
    location: Location | None = Field(None, description="Where it happened.")
    payload: dict[str, Any] = Field(default_factory=dict, description="Fields of the event type.")


class Event(BaseModel):
    """A stored, accepted event as subscribers receive it."""

    model_config = ConfigDict(frozen=True)

    seq: int = Field(..., description="Store-wide order of acceptance.")
    id: str
    type: str
    source_id: str
    agency_id: str
    occurred_at: datetime
    received_at: datetime
    location: Location | None = None
    payload: dict[str, Any]

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))


def content_id(source_id: str, event: EventIn) -> str:
    """A stable id for an event submitted without one, so an identical resubmission is a duplicate."""
    body = orjson.dumps(
        {
            "s": source_id,
            "t": event.type,
            "o": event.occurred_at.isoformat(),
            "l": event.location.model_dump() if event.location else None,
            "p": event.payload,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return "h-" + hashlib.sha256(body).hexdigest()[:32]


def errors_from_validation(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Turn pydantic's errors into field/reason pairs with dotted paths."""
    out: list[FieldError] = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"])
        field = f"{prefix}.{path}" if prefix and path else (prefix or path or "(root)")
        out.append(FieldError(field=field, reason=err["msg"]))
    return out


def validate_payload(event: EventIn) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate the payload against its type. Returns the normalised payload or the errors."""
    model = EVENT_TYPES.get(event.type)
    if model is None:
        known = ", ".join(sorted(EVENT_TYPES))
        return {}, [FieldError(field="type", reason=f"unknown event type {event.type!r}; known: {known}")]
    errors: list[FieldError] = []
    if event.type in LOCATED_TYPES and event.location is None:
        errors.append(FieldError(field="location", reason=f"required for {event.type} events"))
    try:
        payload = model.model_validate(event.payload).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        return {}, errors + errors_from_validation(exc, "payload")
    return payload, errors

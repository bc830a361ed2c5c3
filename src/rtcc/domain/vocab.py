"""Controlled vocabularies shared by feeds, engines and the API.

Incident types follow APCO ANS 2.103.1 common incident types; priorities follow the NENA EIDO
``priorityIdentifier`` values. Agencies map their own codes onto these.
"""

from __future__ import annotations

from enum import StrEnum


class IncidentType(StrEnum):
    """APCO ANS 2.103.1 common incident types used by the simulator and the CAD feed."""

    SHOOT = "SHOOT"
    ROBBERY = "ROBBERY"
    BURGLARY = "BURGLARY"
    ASSAULT = "ASSAULT"
    DVA = "DVA"
    SUSP = "SUSP"
    VEHSTLN = "VEHSTLN"
    WEAPON = "WEAPON"
    TSTOP = "TSTOP"
    WELFARE = "WELFARE"
    THEFT = "THEFT"
    DISTURB = "DISTURB"
    TRAFFIC = "TRAFFIC"
    ALARM = "ALARM"
    MEDICAL = "MEDICAL"
    FIRE = "FIRE"
    NOISE = "NOISE"
    MISSING = "MISSING"
    VANDAL = "VANDAL"
    OTHER = "OTHER"


class Priority(StrEnum):
    """NENA EIDO call priorityIdentifier."""

    HIGHEST = "highest"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"
    LOWEST = "lowest"


class IncidentStatus(StrEnum):
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLEARED = "cleared"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    OUT_OF_SERVICE = "out_of_service"


class CameraKind(StrEnum):
    CITY_CCTV = "city_cctv"
    TRAFFIC = "traffic"
    SCHOOL = "school"
    BUSINESS = "business"
    RESIDENT = "resident"
    BODY_WORN = "body_worn"
    DASH = "dash"
    DRONE = "drone"


class HealthState(StrEnum):
    UP = "up"
    DOWN = "down"


class AlertSeverity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

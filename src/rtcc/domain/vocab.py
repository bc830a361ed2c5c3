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


class AlertOutcome(StrEnum):
    """What an alert turned out to be, recorded by whoever followed it up."""

    GUNFIRE_CONFIRMED = "gunfire_confirmed"
    NO_EVIDENCE = "no_evidence"
    NOT_GUNFIRE = "not_gunfire"
    PLATE_CONFIRMED = "plate_confirmed"
    MISREAD = "misread"
    ENTRY_INACTIVE = "entry_inactive"
    CONFIRMED = "confirmed"
    FALSE_ALARM = "false_alarm"


# Outcomes that mean the alert was right: the numerator of an alert kind's precision.
CONFIRMED_OUTCOMES = frozenset(
    {AlertOutcome.GUNFIRE_CONFIRMED, AlertOutcome.PLATE_CONFIRMED, AlertOutcome.CONFIRMED}
)

# Which outcomes fit which kind of alert (kinds not listed take the generic pair).
OUTCOMES_BY_KIND: dict[str, frozenset[AlertOutcome]] = {
    "gunshot": frozenset(
        {AlertOutcome.GUNFIRE_CONFIRMED, AlertOutcome.NO_EVIDENCE, AlertOutcome.NOT_GUNFIRE}
    ),
    "alpr.hit": frozenset({AlertOutcome.PLATE_CONFIRMED, AlertOutcome.MISREAD, AlertOutcome.ENTRY_INACTIVE}),
}
GENERIC_OUTCOMES = frozenset({AlertOutcome.CONFIRMED, AlertOutcome.FALSE_ALARM})


def outcomes_for(kind: str) -> frozenset[AlertOutcome]:
    return OUTCOMES_BY_KIND.get(kind, GENERIC_OUTCOMES)

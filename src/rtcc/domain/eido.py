"""NENA EIDO (NENA-STA-021, JSON): export of a CAD incident, and import of EIDO documents from other CADs.

An EIDO document is a set of components, each carrying the common prologue ``$id``, ``lastUpdateTimeStamp``
and ``updatedByAgencyReference``; components point at each other with ``{"$ref": "<$id>"}``. The document
itself carries the prologue too, plus ``eidoVersion`` and ``issuingElementIdentification``, and one array per
kind of component: ``agencyComponent``, ``agentComponent``, ``incidentComponent``, ``callComponent``,
``locationComponent``, ``personComponent``, ``vehicleComponent``, ``emergencyResourceComponent``,
``notesComponent``, ``cautionComponent``, ``mediaComponent`` and ``alarmsSensorsComponent``.

Where each ``CadIncident`` field travels (export writes exactly this; import reads it back):

==================  =================================================================================
CadIncident         EIDO
==================  =================================================================================
agency_id           ``agencyComponent[0]``: its ``$id`` and the ``fn`` of its ``agencyJcard`` (unless an
                    agency name is given); every ``updatedByAgencyReference`` points at it. On import the
                    agency is the one the caller names, not the document's.
call_id             the call component's ``$id``, a NENA call identifier
                    ``urn:emergency:uid:callid:<percent-encoded call_id>:<issuing element>``. On import a
                    ``$id`` of another form is taken whole as the call id.
incident_id         ``incidentComponent.internalIncidentId``
call_type           ``incidentComponent.incidentTypeCommonRegistryText`` (APCO ANS 2.103.1 code). On import
                    a text that is none of ours becomes ``OTHER`` and the text is kept in ``type_code``.
type_code           ``incidentComponent.incidentTypeInternalCode``
priority            ``callComponent.priorityIdentifier`` (highest | high | normal | low | lowest), and also
                    ``incidentComponent.incidentCommonPriorityNumber`` 1 (highest) to 5 (lowest), which
                    import reads only when the call has no ``priorityIdentifier``; with neither, normal.
status              ``incidentComponent.incidentStatusCommonRegistryText`` (one entry: Received,
                    Dispatched, Enroute, OnScene or Cleared; import takes the furthest along of those it
                    recognises, else the latest stage with a time, else received).
description         ``incidentComponent.incidentDescriptionText``
received_at         ``callComponent.callStartTimestamp`` (required on import)
dispatched_at ...   EIDO has no element per lifecycle time, so each one is an entry of the incident's
cleared_at          status history ``incidentStatusHistory[]``:
                    ``{"incidentStatusCommonRegistryText": "OnScene", "statusDateTimeStamp": "..."}``.
lat, lon            ``locationComponent.locationByValue.geo``: a GML point in EPSG:4326,
                    ``{"type": "Point", "srsName": "urn:ogc:def:crs:EPSG::4326", "pos": [lat, lon]}``
                    (latitude first, as GML has it). Written only when both are known.
address             ``locationComponent.locationByValue.civicAddressText``: the one-line address. On
                    import, when there is no such line, the PIDF-LO civic fields of
                    ``locationByValue.civicAddress`` (country, A1 state, A3 city, PRD, RD street, STS
                    suffix, HNO house number) are joined into one line.
                    The location is referenced from the call and the incident (``locationReference``).
disposition         ``incidentComponent.dispositionComponent[0].dispositionDescriptionText``, marked
                    ``dispositionPrimaryIndicator``.
units               one ``emergencyResourceComponent`` per unit: ``emergencyResourceName`` is the unit id,
                    ``activeOnIncidentId`` the incident's ``$id``, ``primaryUnitStatusRegistryText`` the
                    furthest stage reached, and the stage times are its ``unitStatusHistory[]`` of
                    ``{"primaryUnitStatusRegistryText": "Enroute", "statusDateTimeStamp": "..."}``.
notes               one ``notesComponent`` per note: ``noteDateTimeStamp``, ``noteText`` and
                    ``authorReference`` pointing at an ``agentComponent`` whose ``agentJcard`` ``fn`` is
                    the author. The incident lists its notes in ``notesReference``.
==================  =================================================================================

Times are written in UTC as ISO-8601 with an offset (``2026-05-01T14:03:07+00:00``); on import any
ISO-8601 time with an offset is accepted and one without is refused.

Import also reads what other CADs commonly send: ``incidentComponent`` given as a single object,
``locationByValue`` as a PIDF-LO XML string (``gml:pos`` and the civic address elements), ``$ref`` values
written ``"#<id>"``, and common synonyms of the status words (Closed, Arrived, Responding, Assigned ...).
Status words it does not know (Transporting, say) have no place in a ``CadIncident`` and are skipped.
Which components belong to which incident: the incident's ``callReference`` (else calls whose
``incidentReference`` names it, else, in a one-incident document, every call; the first such call is the
one read), units whose ``activeOnIncidentId`` is the incident's ``$id``, ``incidentTrackingIdentifier`` or
``internalIncidentId`` or that are linked by ``incidentReference``/``emergencyResourceReference`` (in a
one-incident document, every unit that names no incident), and notes referenced from the incident, its
call, its units or its location (in a one-incident document, every note). A note's author is the ``fn`` of
the agent its ``authorReference`` (else ``updatedByAgentReference``) points at, else that agent's ``$id``,
else "unknown". Every problem found is reported together in one ``EidoError``, each with the JSON path of
the field at fault.

Not carried, because a ``CadIncident`` has no place for them: the telephony state of the 911 call
(``callStateRegistryText``, ``answerDate``, ``standardPrimaryCallType``), cross streets,
``beatOrDispatchGroupText``, a unit's AVL position (``unitLocationReference``) and ``eta``, and the person,
vehicle, caution, media and alarm components. Export writes those arrays empty; import reads past them,
checking only that their ``$ref`` values point at components of the document.
"""

from __future__ import annotations

import math
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from pydantic import ValidationError

from rtcc.domain.cad import LIFECYCLE, STAMP_FIELD, CadIncident
from rtcc.domain.errors import FieldError
from rtcc.domain.geo import CivicAddress
from rtcc.domain.vocab import IncidentStatus, IncidentType, Priority

EIDO_VERSION = "1.0"

COMPONENT_ARRAYS = (
    "agencyComponent",
    "agentComponent",
    "incidentComponent",
    "callComponent",
    "locationComponent",
    "personComponent",
    "vehicleComponent",
    "emergencyResourceComponent",
    "notesComponent",
    "cautionComponent",
    "mediaComponent",
    "alarmsSensorsComponent",
)

CALL_ID_PREFIX = "urn:emergency:uid:callid:"
INCIDENT_ID_PREFIX = "urn:emergency:uid:incidentid:"
EPSG_4326 = "urn:ogc:def:crs:EPSG::4326"

STATUS_TEXT: dict[IncidentStatus, str] = {
    IncidentStatus.RECEIVED: "Received",
    IncidentStatus.DISPATCHED: "Dispatched",
    IncidentStatus.EN_ROUTE: "Enroute",
    IncidentStatus.ON_SCENE: "OnScene",
    IncidentStatus.CLEARED: "Cleared",
}
UNIT_STAGES = LIFECYCLE[1:]  # a unit has no "received" time

# Status words as they are written by us and by other CADs, lower-cased with separators removed.
_STATUS_WORDS: dict[str, IncidentStatus] = {
    **dict.fromkeys(
        ("received", "new", "pending", "open", "queued", "created", "waiting"), IncidentStatus.RECEIVED
    ),
    **dict.fromkeys(("dispatched", "assigned"), IncidentStatus.DISPATCHED),
    **dict.fromkeys(("enroute", "responding"), IncidentStatus.EN_ROUTE),
    **dict.fromkeys(("onscene", "arrived", "atscene"), IncidentStatus.ON_SCENE),
    **dict.fromkeys(("cleared", "clear", "closed", "completed", "available"), IncidentStatus.CLEARED),
}
PRIORITY_NUMBER: dict[Priority, int] = {
    Priority.HIGHEST: 1,
    Priority.HIGH: 2,
    Priority.NORMAL: 3,
    Priority.LOW: 4,
    Priority.LOWEST: 5,
}
_PRIORITY_BY_NUMBER = {n: p for p, n in PRIORITY_NUMBER.items()}
_INCIDENT_TYPES = {t.value: t for t in IncidentType}
# PIDF-LO civic address element -> CivicAddress field.
_CIVIC_FIELDS = {
    "country": "country",
    "A1": "a1",
    "A3": "a3",
    "PRD": "prd",
    "RD": "rd",
    "STS": "sts",
    "HNO": "hno",
}


class EidoError(ValueError):
    """An EIDO document that cannot become CAD incidents; ``errors`` names every field at fault."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))


# ---- export -----------------------------------------------------------------------------------------------


def _ts(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


def _q(s: str) -> str:
    return quote(s, safe="")


def _jcard(name: str) -> list[Any]:
    return ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]]


def to_eido(
    incident: CadIncident,
    *,
    issuing_element: str,
    agency_name: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The incident as one EIDO document (a JSON-ready dict). ``now`` stamps ``lastUpdateTimeStamp``."""
    if now is None:
        now = datetime.now(UTC)
    elif now.utcoffset() is None:
        raise ValueError("now must carry a UTC offset")
    stamp = _ts(now)
    agency_ref_id = f"urn:rtcc:agency:{_q(incident.agency_id)}"
    base = f"urn:rtcc:{_q(incident.agency_id)}:{_q(incident.call_id)}"
    incident_ref_id = f"{INCIDENT_ID_PREFIX}{_q(incident.call_id)}:{issuing_element}"
    call_ref_id = f"{CALL_ID_PREFIX}{_q(incident.call_id)}:{issuing_element}"

    def prologue(component_id: str) -> dict[str, Any]:
        return {
            "$id": component_id,
            "lastUpdateTimeStamp": stamp,
            "updatedByAgencyReference": {"$ref": agency_ref_id},
        }

    agency = {
        **prologue(agency_ref_id),
        "incidentOwningAgencyIndicator": True,
        "agencyJcard": _jcard(agency_name if agency_name is not None else incident.agency_id),
    }

    locations: list[dict[str, Any]] = []
    by_value: dict[str, Any] = {}
    if incident.address is not None:
        by_value["civicAddressText"] = incident.address
    if incident.lat is not None and incident.lon is not None:
        by_value["geo"] = {"type": "Point", "srsName": EPSG_4326, "pos": [incident.lat, incident.lon]}
    if by_value:
        locations.append(
            {
                **prologue(f"{base}:location:0"),
                "locationTypeDescriptionRegistryText": "Incident",
                "locationByValue": by_value,
            }
        )
    location_refs = [{"$ref": loc["$id"]} for loc in locations]

    call: dict[str, Any] = {
        **prologue(call_ref_id),
        "direction": "incoming",
        "callStartTimestamp": _ts(incident.received_at),
        "priorityIdentifier": incident.priority.value,
    }
    if location_refs:
        call["locationReference"] = location_refs

    agents: list[dict[str, Any]] = []
    agent_of: dict[str, str] = {}
    notes: list[dict[str, Any]] = []
    for n, note in enumerate(incident.notes):
        if note.author not in agent_of:
            agent_id = f"{base}:agent:{len(agents)}"
            agent_of[note.author] = agent_id
            agents.append(
                {
                    **prologue(agent_id),
                    "agencyReference": {"$ref": agency_ref_id},
                    "agentJcard": _jcard(note.author),
                }
            )
        notes.append(
            {
                **prologue(f"{base}:note:{n}"),
                "noteDateTimeStamp": _ts(note.at),
                "noteText": note.text,
                "authorReference": {"$ref": agent_of[note.author]},
            }
        )

    units: list[dict[str, Any]] = []
    for k, unit in enumerate(incident.units):
        history = [
            {"primaryUnitStatusRegistryText": STATUS_TEXT[stage], "statusDateTimeStamp": _ts(t)}
            for stage in UNIT_STAGES
            if (t := getattr(unit, STAMP_FIELD[stage])) is not None
        ]
        units.append(
            {
                **prologue(f"{base}:unit:{k}"),
                "emergencyResourceName": unit.unit_id,
                "primaryUnitStatusRegistryText": history[-1]["primaryUnitStatusRegistryText"]
                if history
                else "Assigned",
                "unitStatusHistory": history,
                "activeOnIncidentId": incident_ref_id,
            }
        )

    inc: dict[str, Any] = {
        **prologue(incident_ref_id),
        "incidentTrackingIdentifier": incident_ref_id,
        "incidentTypeCommonRegistryText": incident.call_type.value,
    }
    if incident.type_code is not None:
        inc["incidentTypeInternalCode"] = incident.type_code
    if incident.incident_id is not None:
        inc["internalIncidentId"] = incident.incident_id
    inc["incidentCommonPriorityNumber"] = PRIORITY_NUMBER[incident.priority]
    inc["incidentStatusCommonRegistryText"] = [STATUS_TEXT[incident.status]]
    inc["incidentStatusHistory"] = [
        {"incidentStatusCommonRegistryText": STATUS_TEXT[stage], "statusDateTimeStamp": _ts(t)}
        for stage in LIFECYCLE[1:]
        if (t := getattr(incident, STAMP_FIELD[stage])) is not None
    ]
    if incident.description:
        inc["incidentDescriptionText"] = incident.description
    if incident.disposition is not None:
        inc["dispositionComponent"] = [
            {
                **prologue(f"{base}:disposition:0"),
                "dispositionPrimaryIndicator": True,
                "dispositionDescriptionText": incident.disposition,
            }
        ]
    inc["callReference"] = [{"$ref": call_ref_id}]
    if location_refs:
        inc["locationReference"] = location_refs
    if notes:
        inc["notesReference"] = [{"$ref": note["$id"]} for note in notes]

    doc_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{incident_ref_id}|{incident.agency_id}|{stamp}")
    return {
        "eidoVersion": EIDO_VERSION,
        **prologue(f"urn:rtcc:eido:{doc_id}"),
        "issuingElementIdentification": issuing_element,
        "agencyComponent": [agency],
        "agentComponent": agents,
        "incidentComponent": [inc],
        "callComponent": [call],
        "locationComponent": locations,
        "personComponent": [],
        "vehicleComponent": [],
        "emergencyResourceComponent": units,
        "notesComponent": notes,
        "cautionComponent": [],
        "mediaComponent": [],
        "alarmsSensorsComponent": [],
    }


# ---- import -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Comp:
    path: str
    data: Mapping[str, Any]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _norm(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def _call_id_of(component_id: str) -> str:
    if component_id.startswith(CALL_ID_PREFIX):
        encoded = component_id[len(CALL_ID_PREFIX) :].split(":", 1)[0]
        if encoded:
            return unquote(encoded)
    return component_id


def _jcard_fn(card: Any) -> str | None:
    if isinstance(card, list) and len(card) >= 2 and isinstance(card[1], list):
        for prop in card[1]:
            if isinstance(prop, list) and len(prop) >= 4 and prop[0] == "fn" and isinstance(prop[3], str):
                return prop[3]
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Reader:
    def __init__(self, doc: Mapping[str, Any]):
        self.doc = doc
        self.errors: list[FieldError] = []
        self.by_id: dict[str, _Comp] = {}
        self._refs: list[tuple[str, Any]] = []

    def err(self, path: str, reason: str) -> None:
        self.errors.append(FieldError(field=path, reason=reason))

    # -- document structure --

    def array(self, key: str) -> list[_Comp]:
        raw = self.doc.get(key)
        if raw is None:
            return []
        if isinstance(raw, Mapping):  # EIDO 1.0 writes the one incident as an object
            return [_Comp(key, raw)]
        if not isinstance(raw, list):
            self.err(key, "must be an array of components")
            return []
        out = []
        for i, item in enumerate(raw):
            if isinstance(item, Mapping):
                out.append(_Comp(f"{key}[{i}]", item))
            else:
                self.err(f"{key}[{i}]", "must be an object")
        return out

    def index(self) -> None:
        """Every ``$id`` in the document, and every ``$ref`` checked against them."""
        self._walk(self.doc, "")
        for path, ref in self._refs:
            if not isinstance(ref, str) or not ref:
                self.err(_join(path, "$ref"), "must be a non-empty string")
            elif self.lookup(ref) is None:
                self.err(path, f"$ref {ref!r} points at no component in this document")

    def _walk(self, value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            if "$id" in value:
                cid = value["$id"]
                if not isinstance(cid, str) or not cid:
                    self.err(_join(path, "$id"), "must be a non-empty string")
                elif cid in self.by_id:
                    first = self.by_id[cid].path or "the document"
                    self.err(_join(path, "$id"), f"duplicate $id {cid!r}, also used at {first}")
                else:
                    self.by_id[cid] = _Comp(path, value)
            if "$ref" in value:
                self._refs.append((path, value["$ref"]))
            for key, item in value.items():
                if key not in ("$id", "$ref"):
                    self._walk(item, _join(path, str(key)))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self._walk(item, f"{path}[{i}]")

    def lookup(self, ref: str) -> _Comp | None:
        found = self.by_id.get(ref)
        if found is None and ref.startswith("#"):
            found = self.by_id.get(ref[1:])
        return found

    def refs(self, comp: _Comp, key: str) -> list[_Comp]:
        """The components that ``comp[key]`` (one reference or an array of them) points at."""
        raw = comp.data.get(key)
        items = raw if isinstance(raw, list) else [raw] if raw is not None else []
        out = []
        for item in items:
            if isinstance(item, Mapping) and isinstance(item.get("$ref"), str):
                found = self.lookup(item["$ref"])
                if found is not None:
                    out.append(found)
        return out

    # -- values --

    def text(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> str | None:
        value = obj.get(key)
        field = _join(path, key)
        if value is None:
            if required:
                self.err(field, "is required")
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.err(field, "must be a string")
            return None
        if required and value == "":
            self.err(field, "must not be empty")
            return None
        return value

    def time(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> datetime | None:
        value = obj.get(key)
        field = _join(path, key)
        if value is None:
            if required:
                self.err(field, "is required")
            return None
        if not isinstance(value, str):
            self.err(field, "must be an ISO-8601 timestamp string")
            return None
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            self.err(field, f"{value!r} is not an ISO-8601 timestamp")
            return None
        if t.utcoffset() is None:
            self.err(field, f"{value!r} has no UTC offset")
            return None
        try:
            return t.astimezone(UTC)
        except OverflowError:
            self.err(field, f"{value!r} is out of range")
            return None

    def history(
        self, obj: Mapping[str, Any], key: str, status_key: str, path: str
    ) -> dict[IncidentStatus, tuple[datetime, str]]:
        """The earliest time each lifecycle stage was reached, with the path it was read from."""
        raw = obj.get(key)
        field = _join(path, key)
        out: dict[IncidentStatus, tuple[datetime, str]] = {}
        if raw is None:
            return out
        if not isinstance(raw, list):
            self.err(field, f"must be an array of {{{status_key}, statusDateTimeStamp}} entries")
            return out
        for h, entry in enumerate(raw):
            entry_path = f"{field}[{h}]"
            if not isinstance(entry, Mapping):
                self.err(entry_path, "must be an object")
                continue
            word = self.text(entry, status_key, entry_path, required=True)
            when = self.time(entry, "statusDateTimeStamp", entry_path, required=True)
            stage = _STATUS_WORDS.get(_norm(word)) if word is not None else None
            if stage is None or when is None:
                continue
            if stage not in out or when < out[stage][0]:
                out[stage] = (when, f"{entry_path}.statusDateTimeStamp")
        return out

    def priority(self, inc: _Comp, call: _Comp | None) -> Priority | None:
        raw = call.data.get("priorityIdentifier") if call is not None else None
        if call is not None and raw is not None:
            if isinstance(raw, str) and raw.strip().lower() in PRIORITY_NUMBER:
                return Priority(raw.strip().lower())
            self.err(
                f"{call.path}.priorityIdentifier",
                f"{raw!r} is not one of {', '.join(p.value for p in Priority)}",
            )
            return None
        number = inc.data.get("incidentCommonPriorityNumber")
        if number is None:
            return Priority.NORMAL
        if isinstance(number, int) and not isinstance(number, bool) and number in _PRIORITY_BY_NUMBER:
            return _PRIORITY_BY_NUMBER[number]
        self.err(f"{inc.path}.incidentCommonPriorityNumber", f"{number!r} is not a whole number 1 to 5")
        return None

    def status(self, inc: _Comp) -> IncidentStatus | None:
        raw = inc.data.get("incidentStatusCommonRegistryText")
        words = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        if raw is not None and not isinstance(raw, str | list):
            self.err(f"{inc.path}.incidentStatusCommonRegistryText", "must be an array of status words")
        known = [s for w in words if isinstance(w, str) and (s := _STATUS_WORDS.get(_norm(w))) is not None]
        return max(known, key=LIFECYCLE.index) if known else None

    def location(self, loc: _Comp, values: dict[str, Any], origin: dict[tuple[str | int, ...], str]) -> None:
        by_value = loc.data.get("locationByValue")
        path = f"{loc.path}.locationByValue"
        if by_value is None:
            return
        if isinstance(by_value, str):
            self._pidf_lo(by_value, path, values, origin)
            return
        if not isinstance(by_value, Mapping):
            self.err(path, "must be an object or a PIDF-LO document")
            return
        geo = by_value.get("geo")
        if geo is not None:
            pos = geo.get("pos") if isinstance(geo, Mapping) else None
            self._pos(pos, f"{path}.geo.pos", values, origin)
        line = self.text(by_value, "civicAddressText", path)
        if line is not None:
            values["address"] = line
            origin[("address",)] = f"{path}.civicAddressText"
            return
        civic = by_value.get("civicAddress")
        if civic is None:
            return
        if not isinstance(civic, Mapping):
            self.err(f"{path}.civicAddress", "must be an object of PIDF-LO civic address fields")
            return
        parts = {}
        for element, name in _CIVIC_FIELDS.items():
            value = self.text(civic, element, f"{path}.civicAddress")
            if value is not None:
                parts[name] = value
        if parts:
            values["address"] = CivicAddress(**parts).one_line()
            origin[("address",)] = f"{path}.civicAddress"

    def _pos(
        self, pos: Any, path: str, values: dict[str, Any], origin: dict[tuple[str | int, ...], str]
    ) -> None:
        numbers: list[float] = []
        if isinstance(pos, str):
            try:
                numbers = [float(p) for p in pos.split()]
            except ValueError:
                numbers = []
        elif isinstance(pos, list) and all(
            isinstance(p, int | float) and not isinstance(p, bool) for p in pos
        ):
            numbers = [float(p) for p in pos]
        if len(numbers) < 2 or not all(math.isfinite(n) for n in numbers[:2]):
            self.err(path, "must be a latitude and a longitude in decimal degrees")
            return
        values["lat"], values["lon"] = numbers[0], numbers[1]
        origin[("lat",)] = origin[("lon",)] = path

    def _pidf_lo(
        self, xml: str, path: str, values: dict[str, Any], origin: dict[tuple[str | int, ...], str]
    ) -> None:
        if "<!DOCTYPE" in xml.upper() or "<!ENTITY" in xml.upper():
            self.err(path, "a PIDF-LO document must not declare a DTD or entities")
            return
        try:
            root = ET.fromstring(xml)  # noqa: S314 - DTDs and entities are refused above
        except ET.ParseError as exc:
            self.err(path, f"is not well-formed PIDF-LO XML: {exc}")
            return
        civic: dict[str, str] = {}
        for element in root.iter():
            name = _local(element.tag) if isinstance(element.tag, str) else ""
            if name == "pos" and "lat" not in values:
                self._pos(element.text or "", f"{path}.pos", values, origin)
            elif name in _CIVIC_FIELDS and element.text and element.text.strip():
                civic.setdefault(_CIVIC_FIELDS[name], element.text.strip())
        if civic:
            values["address"] = CivicAddress(**civic).one_line()
            origin[("address",)] = f"{path}.civicAddress"

    def author(self, note: _Comp) -> str | None:
        for key in ("authorReference", "updatedByAgentReference"):
            if note.data.get(key) is None:
                continue
            found = self.refs(note, key)
            if not found:
                return None  # the dangling reference is already reported
            person = found[0]
            name = _jcard_fn(person.data.get("agentJcard"))
            return name if name is not None else str(person.data["$id"])
        return "unknown"


def from_eido(doc: Mapping[str, Any], *, agency_id: str) -> list[CadIncident]:
    """One ``CadIncident`` per incident component of an EIDO document, all for ``agency_id``.

    Raises ``EidoError`` naming, by JSON path, every field that is missing, malformed or dangling.
    """
    if not isinstance(doc, Mapping):
        raise EidoError([FieldError(field="$", reason="an EIDO document is a JSON object")])
    r = _Reader(doc)
    incidents = r.array("incidentComponent")
    calls = r.array("callComponent")
    locations = r.array("locationComponent")
    units = r.array("emergencyResourceComponent")
    notes = r.array("notesComponent")
    r.index()
    if not incidents and not any(e.field.startswith("incidentComponent") for e in r.errors):
        r.err("incidentComponent", "the document has no incident component")

    call_paths = {c.path for c in calls}
    location_paths = {c.path for c in locations}
    note_paths = {c.path for c in notes}
    incident_at = {c.path: i for i, c in enumerate(incidents)}
    unit_at = {c.path: j for j, c in enumerate(units)}
    single = len(incidents) == 1

    # Which incidents each unit is on.
    names: list[set[str]] = []
    for inc in incidents:
        keys = {inc.data.get(k) for k in ("$id", "incidentTrackingIdentifier", "internalIncidentId")}
        names.append({str(k) for k in keys if isinstance(k, str | int) and not isinstance(k, bool)})
    unit_owners: list[set[int]] = [set() for _ in units]
    for j, unit in enumerate(units):
        active = unit.data.get("activeOnIncidentId")
        if active is not None:
            owners = {i for i, n in enumerate(names) if str(active) in n}
            if not owners:
                r.err(f"{unit.path}.activeOnIncidentId", f"{active!r} names no incident in this document")
            unit_owners[j] |= owners
        linked = {incident_at[c.path] for c in r.refs(unit, "incidentReference") if c.path in incident_at}
        unit_owners[j] |= linked
        if single and active is None and unit.data.get("incidentReference") is None:
            unit_owners[j].add(0)
    for i, inc in enumerate(incidents):
        for c in r.refs(inc, "emergencyResourceReference"):
            if c.path in unit_at:
                unit_owners[unit_at[c.path]].add(i)

    out: list[CadIncident] = []
    for i, inc in enumerate(incidents):
        values: dict[str, Any] = {"agency_id": agency_id}
        origin: dict[tuple[str | int, ...], str] = {(): inc.path}
        p = inc.path

        type_text = r.text(inc.data, "incidentTypeCommonRegistryText", p, required=True)
        internal = r.text(inc.data, "incidentTypeInternalCode", p)
        if type_text is not None:
            known = _INCIDENT_TYPES.get(type_text.strip().upper())
            if known is not None:
                values["call_type"] = known
                if internal is not None:
                    values["type_code"] = internal
                    origin[("type_code",)] = f"{p}.incidentTypeInternalCode"
            else:
                values["call_type"] = IncidentType.OTHER
                values["type_code"] = type_text
                origin[("type_code",)] = f"{p}.incidentTypeCommonRegistryText"
        incident_id = r.text(inc.data, "internalIncidentId", p)
        if incident_id is not None:
            values["incident_id"] = incident_id
            origin[("incident_id",)] = f"{p}.internalIncidentId"
        description = r.text(inc.data, "incidentDescriptionText", p)
        if description is not None:
            values["description"] = description
            origin[("description",)] = f"{p}.incidentDescriptionText"
        disposition = _disposition(r, inc)
        if disposition is not None:
            values["disposition"], origin[("disposition",)] = disposition

        # The call: its id, when it came in, its priority and where.
        own_calls = [c for c in r.refs(inc, "callReference") if c.path in call_paths]
        if not own_calls:
            own_calls = [c for c in calls if any(x.path == p for x in r.refs(c, "incidentReference"))]
        if not own_calls and single:
            own_calls = calls
        call = own_calls[0] if own_calls else None
        received: datetime | None = None
        if call is None:
            r.err(
                f"{p}.callReference",
                "no call component belongs to this incident, so it has no callStartTimestamp",
            )
        else:
            cid = call.data.get("$id")
            if cid is None:
                r.err(f"{call.path}.$id", "is required: it is the call identifier")
            elif isinstance(cid, str) and cid:
                values["call_id"] = _call_id_of(cid)
                origin[("call_id",)] = f"{call.path}.$id"
            received = r.time(call.data, "callStartTimestamp", call.path, required=True)
            if received is not None:
                values["received_at"] = received
                origin[("received_at",)] = f"{call.path}.callStartTimestamp"
        priority = r.priority(inc, call)
        if priority is not None:
            values["priority"] = priority

        place = None
        if call is not None:
            place = next((c for c in r.refs(call, "locationReference") if c.path in location_paths), None)
        if place is None:
            place = next((c for c in r.refs(inc, "locationReference") if c.path in location_paths), None)
        if place is not None:
            r.location(place, values, origin)

        # Lifecycle times, checked in order so that a late stamp names its own entry.
        stamps = r.history(inc.data, "incidentStatusHistory", "incidentStatusCommonRegistryText", p)
        if received is not None:
            last = ("callStartTimestamp", received)
            for stage in LIFECYCLE[1:]:
                if stage not in stamps:
                    continue
                when, where = stamps[stage]
                if when < last[1]:
                    r.err(where, f"{STATUS_TEXT[stage]} at {_ts(when)} is before {last[0]} at {_ts(last[1])}")
                    continue
                values[STAMP_FIELD[stage]] = when
                origin[(STAMP_FIELD[stage],)] = where
                last = (STATUS_TEXT[stage], when)
        status = r.status(inc)
        if status is None:
            reached = [s for s in LIFECYCLE[1:] if STAMP_FIELD[s] in values]
            status = reached[-1] if reached else IncidentStatus.RECEIVED
        values["status"] = status

        # Units on this incident.
        unit_list: list[dict[str, Any]] = []
        for j, unit in enumerate(units):
            if i not in unit_owners[j]:
                continue
            k = len(unit_list)
            origin[("units", k)] = unit.path
            name = r.text(unit.data, "emergencyResourceName", unit.path, required=True)
            times = r.history(unit.data, "unitStatusHistory", "primaryUnitStatusRegistryText", unit.path)
            if name is None:
                continue
            assignment: dict[str, Any] = {"unit_id": name}
            origin[("units", k, "unit_id")] = f"{unit.path}.emergencyResourceName"
            for stage in UNIT_STAGES:
                if stage in times:
                    assignment[STAMP_FIELD[stage]], origin[("units", k, STAMP_FIELD[stage])] = times[stage]
            unit_list.append(assignment)
        values["units"] = unit_list

        # Notes on this incident, in document order.
        wanted: set[str] = set()
        holders = [inc, *own_calls[:1], *(u for j, u in enumerate(units) if i in unit_owners[j])]
        if place is not None:
            holders.append(place)
        for holder in holders:
            wanted |= {c.path for c in r.refs(holder, "notesReference") if c.path in note_paths}
        note_list: list[dict[str, Any]] = []
        for note in notes:
            linked_here = any(x.path == p for x in r.refs(note, "incidentReference"))
            if not (single or note.path in wanted or linked_here):
                continue
            at = r.time(note.data, "noteDateTimeStamp", note.path, required=True)
            text = r.text(note.data, "noteText", note.path, required=True)
            author = r.author(note)
            if at is None or text is None or author is None:
                continue
            k = len(note_list)
            origin[("notes", k)] = note.path
            origin[("notes", k, "at")] = f"{note.path}.noteDateTimeStamp"
            origin[("notes", k, "text")] = f"{note.path}.noteText"
            origin[("notes", k, "author")] = f"{note.path}.authorReference"
            note_list.append({"at": at, "author": author, "text": text})
        values["notes"] = note_list

        if not all(k in values for k in ("call_id", "call_type", "priority", "received_at")):
            continue
        try:
            out.append(CadIncident.model_validate(values))
        except ValidationError as exc:
            for e in exc.errors():
                loc = tuple(e["loc"])
                where = next(origin[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in origin)
                r.err(where, str(e["msg"]).removeprefix("Value error, "))
    if r.errors:
        # A component shared by two incidents is read twice: report each problem once.
        unique = {(e.field, e.reason): e for e in r.errors}
        raise EidoError(list(unique.values()))
    return out


def _disposition(r: _Reader, inc: _Comp) -> tuple[str, str] | None:
    """The primary disposition's text and its path (the first one when none is marked primary)."""
    raw = inc.data.get("dispositionComponent")
    field = f"{inc.path}.dispositionComponent"
    if raw is None:
        return None
    items = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else None
    if items is None:
        r.err(field, "must be an array of dispositions")
        return None
    chosen: tuple[str, str] | None = None
    for d, item in enumerate(items):
        path = f"{field}[{d}]"
        if not isinstance(item, Mapping):
            r.err(path, "must be an object")
            continue
        found: tuple[str, str] | None = None
        for key in ("dispositionDescriptionText", "dispositionCategoryText", "dispositionCommonRegistryCode"):
            text = r.text(item, key, path)
            if text is not None:
                found = (text, f"{path}.{key}")
                break
        if found is None:
            continue
        if item.get("dispositionPrimaryIndicator") is True:
            return found
        if chosen is None:
            chosen = found
    return chosen

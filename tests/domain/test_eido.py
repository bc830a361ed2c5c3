from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtcc.domain.cad import CadIncident, CallNote, UnitAssignment
from rtcc.domain.eido import COMPONENT_ARRAYS, EIDO_VERSION, EidoError, from_eido, to_eido
from rtcc.domain.vocab import IncidentStatus, IncidentType, Priority

T0 = datetime(2026, 5, 1, 14, 3, 7, tzinfo=UTC)
NOW = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def robbery() -> CadIncident:
    return CadIncident(
        agency_id="cpd",
        call_id="C-2026-000123",
        incident_id="I-2026-77",
        call_type=IncidentType.ROBBERY,
        type_code="211A",
        priority=Priority.HIGH,
        status=IncidentStatus.CLEARED,
        description="Caller reports an armed robbery at the corner store; suspect left on foot.",
        received_at=T0,
        dispatched_at=at(45),
        en_route_at=at(60),
        on_scene_at=at(380),
        cleared_at=at(3600),
        lat=39.9612,
        lon=-82.9988,
        address="100 N HIGH ST, COLUMBUS, OH",
        disposition="Report taken",
        units=[
            UnitAssignment(
                unit_id="1A12",
                dispatched_at=at(45),
                en_route_at=at(60),
                on_scene_at=at(380),
                cleared_at=at(3600),
            ),
            UnitAssignment(unit_id="1A15", dispatched_at=at(50), en_route_at=at(70), on_scene_at=at(420)),
        ],
        notes=[
            CallNote(at=at(20), author="ct.jones", text="Suspect: male, red hoodie, northbound on foot."),
            CallNote(at=at(400), author="1A12", text="On scene, clerk uninjured."),
            CallNote(at=at(900), author="ct.jones", text="Store video requested."),
        ],
    )


def export(incident: CadIncident) -> dict[str, Any]:
    return to_eido(incident, issuing_element="cad.cpd.example.gov", agency_name="Columbus Police", now=NOW)


def errors_of(doc: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(EidoError) as exc:
        from_eido(doc, agency_id="cpd")
    return {e.field: e.reason for e in exc.value.errors}


# ---- round trip -------------------------------------------------------------------------------------------

OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))])
INSTANTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=OFFSETS)
GAPS = st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=8))
IDS = st.text(min_size=1, max_size=64)


@st.composite
def unit_assignments(draw: st.DrawFn) -> UnitAssignment:
    times = {
        name: draw(st.none() | INSTANTS)
        for name in ("dispatched_at", "en_route_at", "on_scene_at", "cleared_at")
    }
    return UnitAssignment(unit_id=draw(IDS), **times)


@st.composite
def cad_incidents(draw: st.DrawFn) -> CadIncident:
    received = draw(INSTANTS)
    times: dict[str, datetime] = {}
    last = received
    for name in ("dispatched_at", "en_route_at", "on_scene_at", "cleared_at"):
        gap = draw(GAPS)
        if gap is not None:
            last = last + gap
            times[name] = last
    point = draw(st.none() | st.tuples(st.floats(-90, 90), st.floats(-180, 180)))
    notes = draw(
        st.lists(
            st.builds(
                CallNote,
                at=INSTANTS,
                author=st.text(min_size=1, max_size=100),
                text=st.text(min_size=1, max_size=200),
            ),
            max_size=4,
        )
    )
    return CadIncident(
        agency_id=draw(IDS),
        call_id=draw(IDS),
        incident_id=draw(st.none() | st.text(max_size=64)),
        call_type=draw(st.sampled_from(IncidentType)),
        type_code=draw(st.none() | st.text(max_size=100)),
        priority=draw(st.sampled_from(Priority)),
        status=draw(st.sampled_from(IncidentStatus)),
        description=draw(st.text(max_size=200)),
        received_at=received,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        address=draw(st.none() | st.text(max_size=300)),
        disposition=draw(st.none() | st.text(max_size=200)),
        units=draw(st.lists(unit_assignments(), max_size=3)),
        notes=notes,
        **times,
    )


@settings(max_examples=300, deadline=None)
@given(incident=cad_incidents(), element=st.text(min_size=1, max_size=40))
def test_every_incident_survives_export_and_import_through_json(incident: CadIncident, element: str) -> None:
    doc = to_eido(incident, issuing_element=element, now=NOW)
    wire = json.loads(json.dumps(doc, ensure_ascii=False))
    assert from_eido(wire, agency_id=incident.agency_id) == [incident]


def test_an_incident_with_two_units_notes_and_a_disposition_round_trips() -> None:
    incident = robbery()
    doc = export(incident)
    back = from_eido(json.loads(json.dumps(doc)), agency_id="cpd")
    assert back == [incident]
    assert [u.unit_id for u in back[0].units] == ["1A12", "1A15"]
    assert back[0].units[1].cleared_at is None
    assert [(n.author, n.text) for n in back[0].notes] == [(n.author, n.text) for n in incident.notes]


def test_a_bare_incident_round_trips() -> None:
    incident = CadIncident(
        agency_id="a",
        call_id="c:1/2 3",
        call_type=IncidentType.OTHER,
        priority=Priority.LOWEST,
        received_at=T0,
    )
    assert from_eido(export(incident), agency_id="a") == [incident]


def test_times_are_written_in_utc_with_an_offset() -> None:
    local = timezone(timedelta(hours=-4))
    incident = robbery().model_copy(update={"received_at": T0.astimezone(local)})
    doc = export(incident)
    assert doc["callComponent"][0]["callStartTimestamp"] == "2026-05-01T14:03:07+00:00"
    assert doc["incidentComponent"][0]["incidentStatusHistory"][0] == {
        "incidentStatusCommonRegistryText": "Dispatched",
        "statusDateTimeStamp": "2026-05-01T14:03:52+00:00",
    }
    assert doc["notesComponent"][0]["noteDateTimeStamp"] == "2026-05-01T14:03:27+00:00"


# ---- shape of the exported document -----------------------------------------------------------------------


def components(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = [doc]
    for key in COMPONENT_ARRAYS:
        for component in doc[key]:
            out.append(component)
            out.extend(component.get("dispositionComponent", []))
    return out


def test_the_document_has_the_top_level_keys_and_every_component_its_prologue() -> None:
    doc = export(robbery())
    assert doc["eidoVersion"] == EIDO_VERSION == "1.0"
    assert doc["issuingElementIdentification"] == "cad.cpd.example.gov"
    for key in COMPONENT_ARRAYS:
        assert isinstance(doc[key], list), key
    assert {k: len(doc[k]) for k in COMPONENT_ARRAYS if doc[k]} == {
        "agencyComponent": 1,
        "agentComponent": 2,  # ct.jones and 1A12 wrote the notes
        "incidentComponent": 1,
        "callComponent": 1,
        "locationComponent": 1,
        "emergencyResourceComponent": 2,
        "notesComponent": 3,
    }
    agency_id = doc["agencyComponent"][0]["$id"]
    ids = []
    for component in components(doc):
        assert isinstance(component["$id"], str) and component["$id"]
        assert component["lastUpdateTimeStamp"] == "2026-05-01T18:00:00+00:00"
        assert component["updatedByAgencyReference"] == {"$ref": agency_id}
        ids.append(component["$id"])
    assert len(ids) == len(set(ids))


def test_the_exported_components_carry_the_cad_fields_where_the_module_says() -> None:
    doc = export(robbery())
    incident = doc["incidentComponent"][0]
    call = doc["callComponent"][0]
    location = doc["locationComponent"][0]
    unit = doc["emergencyResourceComponent"][0]
    note = doc["notesComponent"][0]
    assert incident["incidentTypeCommonRegistryText"] == "ROBBERY"
    assert incident["incidentTypeInternalCode"] == "211A"
    assert incident["internalIncidentId"] == "I-2026-77"
    assert incident["incidentStatusCommonRegistryText"] == ["Cleared"]
    assert incident["incidentCommonPriorityNumber"] == 2
    assert incident["dispositionComponent"][0]["dispositionDescriptionText"] == "Report taken"
    assert incident["callReference"] == [{"$ref": call["$id"]}]
    assert call["$id"] == "urn:emergency:uid:callid:C-2026-000123:cad.cpd.example.gov"
    assert call["priorityIdentifier"] == "high"
    assert call["locationReference"] == [{"$ref": location["$id"]}]
    assert location["locationByValue"] == {
        "civicAddressText": "100 N HIGH ST, COLUMBUS, OH",
        "geo": {"type": "Point", "srsName": "urn:ogc:def:crs:EPSG::4326", "pos": [39.9612, -82.9988]},
    }
    assert unit["emergencyResourceName"] == "1A12"
    assert unit["activeOnIncidentId"] == incident["$id"]
    assert unit["primaryUnitStatusRegistryText"] == "Cleared"
    assert [h["primaryUnitStatusRegistryText"] for h in unit["unitStatusHistory"]] == [
        "Dispatched",
        "Enroute",
        "OnScene",
        "Cleared",
    ]
    author = next(a for a in doc["agentComponent"] if a["$id"] == note["authorReference"]["$ref"])
    assert author["agentJcard"][1][1] == ["fn", {}, "text", "ct.jones"]
    assert doc["agencyComponent"][0]["agencyJcard"][1][1] == ["fn", {}, "text", "Columbus Police"]


def test_export_refuses_a_now_without_offset() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        to_eido(robbery(), issuing_element="x", now=datetime(2026, 1, 1))


# ---- import from another CAD ------------------------------------------------------------------------------


def other_cad() -> dict[str, Any]:
    """An EIDO as another vendor's CAD writes it: its own type code, a civic address and no coordinates."""
    agency = {"$ref": "agency-franklin-so"}
    return {
        "eidoVersion": "1.0",
        "$id": "eido-58812",
        "lastUpdateTimeStamp": "2026-03-09T02:15:00Z",
        "updatedByAgencyReference": agency,
        "issuingElementIdentification": "cad.franklinso.example.gov",
        "agencyComponent": [
            {
                "$id": "agency-franklin-so",
                "lastUpdateTimeStamp": "2026-03-09T02:15:00Z",
                "updatedByAgencyReference": agency,
                "agencyJcard": ["vcard", [["fn", {}, "text", "Franklin County Sheriff"]]],
            }
        ],
        "agentComponent": [
            {
                "$id": "agent-4471",
                "lastUpdateTimeStamp": "2026-03-09T02:15:00Z",
                "updatedByAgencyReference": agency,
                "agentRoleRegistryText": ["CallTaking"],
                "agencyReference": agency,
                "agentJcard": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "D. Ruiz"]]],
            }
        ],
        "incidentComponent": [
            {
                "$id": "inc-2026-004417",
                "lastUpdateTimeStamp": "2026-03-09T02:15:00Z",
                "updatedByAgencyReference": agency,
                "incidentTypeCommonRegistryText": "Animal Complaint",
                "incidentTypeInternalCode": "10-91",
                "internalIncidentId": "26-004417",
                "incidentStatusCommonRegistryText": ["Dispatched", "Closed"],
                "incidentStatusHistory": [
                    {
                        "incidentStatusCommonRegistryText": "Dispatched",
                        "statusDateTimeStamp": "2026-03-08T21:04:10-05:00",
                    },
                    {
                        "incidentStatusCommonRegistryText": "Arrived",
                        "statusDateTimeStamp": "2026-03-09T02:19:45Z",
                    },
                    {
                        "incidentStatusCommonRegistryText": "Closed",
                        "statusDateTimeStamp": "2026-03-09T02:51:00Z",
                    },
                ],
                "beatOrDispatchGroupText": "Z4",
                "dispositionComponent": [
                    {"dispositionCommonRegistryCode": "GOA"},
                    {
                        "dispositionCommonRegistryCode": "ADV",
                        "dispositionDescriptionText": "Owner advised",
                        "dispositionPrimaryIndicator": True,
                    },
                ],
                "notesReference": [{"$ref": "note-1"}],
            }
        ],
        "callComponent": [
            {
                "$id": "urn:emergency:uid:callid:a81f2c90d1:bcf.state.oh.example",
                "lastUpdateTimeStamp": "2026-03-09T02:15:00Z",
                "updatedByAgencyReference": agency,
                "callStateRegistryText": "callEnd",
                "standardPrimaryCallType": "emergency",
                "direction": "incoming",
                "callStartTimestamp": "2026-03-08T21:01:33-05:00",
                "answerDate": "2026-03-08T21:01:40-05:00",
                "priorityIdentifier": "Low",
                "locationReference": [{"$ref": "#loc-1"}],
            }
        ],
        "locationComponent": [
            {
                "$id": "loc-1",
                "lastUpdateTimeStamp": "2026-03-09T02:15:00Z",
                "updatedByAgencyReference": agency,
                "locationTypeDescriptionRegistryText": "Caller",
                "locationByValue": {
                    "civicAddress": {
                        "country": "US",
                        "A1": "OH",
                        "A3": "Grove City",
                        "PRD": "N",
                        "RD": "Broadway",
                        "STS": "Ave",
                        "HNO": 4120,
                    }
                },
                "crossStreetByValue": ["Park St"],
            },
            {
                "$id": "avl-2C31",
                "lastUpdateTimeStamp": "2026-03-09T02:15:00Z",
                "updatedByAgencyReference": agency,
                "locationTypeDescriptionRegistryText": "Unit",
                "locationByValue": {"geo": {"pos": "39.88 -83.09"}},
            },
        ],
        "emergencyResourceComponent": [
            {
                "$id": "unit-2C31",
                "lastUpdateTimeStamp": "2026-03-09T02:15:00Z",
                "updatedByAgencyReference": agency,
                "emergencyResourceName": "2C31",
                "primaryUnitStatusRegistryText": "Available",
                "unitLocationReference": {"$ref": "avl-2C31"},
                "eta": "2026-03-09T02:20:00Z",
                "activeOnIncidentId": "26-004417",
                "unitStatusHistory": [
                    {
                        "primaryUnitStatusRegistryText": "Assigned",
                        "statusDateTimeStamp": "2026-03-09T02:04:10Z",
                    },
                    {
                        "primaryUnitStatusRegistryText": "Enroute",
                        "statusDateTimeStamp": "2026-03-09T02:05:02Z",
                    },
                    {
                        "primaryUnitStatusRegistryText": "OnScene",
                        "statusDateTimeStamp": "2026-03-09T02:19:45Z",
                    },
                    {
                        "primaryUnitStatusRegistryText": "Transporting",
                        "statusDateTimeStamp": "2026-03-09T02:40:00Z",
                    },
                    {
                        "primaryUnitStatusRegistryText": "Available",
                        "statusDateTimeStamp": "2026-03-09T02:51:00Z",
                    },
                ],
            }
        ],
        "notesComponent": [
            {
                "$id": "note-1",
                "lastUpdateTimeStamp": "2026-03-09T02:15:00Z",
                "updatedByAgencyReference": agency,
                "noteDateTimeStamp": "2026-03-09T02:02:55Z",
                "noteText": "Loose dog, aggressive, in the front yard.",
                "authorReference": {"$ref": "agent-4471"},
            }
        ],
        "personComponent": [],
        "vehicleComponent": [],
        "cautionComponent": [],
        "mediaComponent": [],
        "alarmsSensorsComponent": [],
    }


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_an_eido_from_another_cad_imports() -> None:
    [incident] = from_eido(other_cad(), agency_id="fcso")
    assert incident.agency_id == "fcso"
    assert incident.call_id == "a81f2c90d1"
    assert incident.incident_id == "26-004417"
    assert incident.call_type is IncidentType.OTHER
    assert incident.type_code == "Animal Complaint"
    assert incident.priority is Priority.LOW
    assert incident.status is IncidentStatus.CLEARED
    assert incident.description == ""
    assert incident.received_at == utc("2026-03-09T02:01:33Z")
    assert incident.dispatched_at == utc("2026-03-09T02:04:10Z")
    assert incident.en_route_at is None
    assert incident.on_scene_at == utc("2026-03-09T02:19:45Z")
    assert incident.cleared_at == utc("2026-03-09T02:51:00Z")
    assert (incident.lat, incident.lon) == (None, None)
    assert incident.address == "4120 N Broadway Ave, Grove City, OH"
    assert incident.disposition == "Owner advised"
    assert incident.units == [
        UnitAssignment(
            unit_id="2C31",
            dispatched_at=utc("2026-03-09T02:04:10Z"),
            en_route_at=utc("2026-03-09T02:05:02Z"),
            on_scene_at=utc("2026-03-09T02:19:45Z"),
            cleared_at=utc("2026-03-09T02:51:00Z"),
        )
    ]
    assert incident.notes == [
        CallNote(
            at=utc("2026-03-09T02:02:55Z"), author="D. Ruiz", text="Loose dog, aggressive, in the front yard."
        )
    ]


def test_a_known_type_in_another_case_keeps_the_internal_code() -> None:
    doc = other_cad()
    doc["incidentComponent"][0]["incidentTypeCommonRegistryText"] = "robbery"
    [incident] = from_eido(doc, agency_id="fcso")
    assert (incident.call_type, incident.type_code) == (IncidentType.ROBBERY, "10-91")


def test_a_single_incident_object_and_unlinked_components_are_read_as_one_incident() -> None:
    doc = other_cad()
    doc["incidentComponent"] = doc["incidentComponent"][0]
    del doc["incidentComponent"]["notesReference"]
    del doc["emergencyResourceComponent"][0]["activeOnIncidentId"]
    [incident] = from_eido(doc, agency_id="fcso")
    assert [u.unit_id for u in incident.units] == ["2C31"]
    assert len(incident.notes) == 1


def test_a_pidf_lo_location_by_value_is_read() -> None:
    doc = other_cad()
    doc["locationComponent"][0]["locationByValue"] = (
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"'
        ' xmlns:gml="http://www.opengis.net/gml" xmlns:ca="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"'
        ' entity="pres:caller@example.com"><tuple id="t1"><status><gp:geopriv><gp:location-info>'
        '<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>39.8801 -83.0930</gml:pos></gml:Point>'
        "<ca:civicAddress><ca:country>US</ca:country><ca:A1>OH</ca:A1><ca:A3>Grove City</ca:A3>"
        "<ca:RD>Broadway</ca:RD><ca:STS>Ave</ca:STS><ca:HNO>4120</ca:HNO></ca:civicAddress>"
        "</gp:location-info></gp:geopriv></status></tuple></presence>"
    )
    [incident] = from_eido(doc, agency_id="fcso")
    assert (incident.lat, incident.lon) == (39.8801, -83.093)
    assert incident.address == "4120 Broadway Ave, Grove City, OH"


def test_a_pidf_lo_with_a_dtd_is_refused() -> None:
    doc = other_cad()
    doc["locationComponent"][0]["locationByValue"] = '<!DOCTYPE x [<!ENTITY a "b">]><presence>&a;</presence>'
    assert "DTD" in errors_of(doc)["locationComponent[0].locationByValue"]


def test_a_document_with_several_incidents_gives_several_cad_incidents() -> None:
    first = robbery()
    second = CadIncident(
        agency_id="cpd",
        call_id="C-2026-000124",
        call_type=IncidentType.ALARM,
        priority=Priority.NORMAL,
        status=IncidentStatus.DISPATCHED,
        received_at=at(100),
        dispatched_at=at(160),
        units=[UnitAssignment(unit_id="1A20", dispatched_at=at(160))],
        notes=[CallNote(at=at(110), author="ct.jones", text="Rear door contact.")],
    )
    a, b = export(first), export(second)
    merged = copy.deepcopy(a)
    for key in COMPONENT_ARRAYS:
        if key != "agencyComponent":
            merged[key] = a[key] + b[key]
    assert from_eido(merged, agency_id="cpd") == [first, second]


# ---- errors -----------------------------------------------------------------------------------------------


def test_a_missing_incident_type_is_named() -> None:
    doc = export(robbery())
    del doc["incidentComponent"][0]["incidentTypeCommonRegistryText"]
    assert errors_of(doc) == {"incidentComponent[0].incidentTypeCommonRegistryText": "is required"}


def test_a_missing_call_start_is_named() -> None:
    doc = export(robbery())
    del doc["callComponent"][0]["callStartTimestamp"]
    assert errors_of(doc) == {"callComponent[0].callStartTimestamp": "is required"}


def test_an_incident_without_a_call_is_named() -> None:
    doc = export(robbery())
    doc["callComponent"] = []
    del doc["incidentComponent"][0]["callReference"]
    assert "callStartTimestamp" in errors_of(doc)["incidentComponent[0].callReference"]


def test_a_reference_to_nothing_is_named() -> None:
    doc = export(robbery())
    doc["notesComponent"][1]["authorReference"] = {"$ref": "agent-who-is-not-here"}
    doc["callComponent"][0]["locationReference"] = [{"$ref": "nowhere"}]
    errors = errors_of(doc)
    assert set(errors) == {"notesComponent[1].authorReference", "callComponent[0].locationReference[0]"}
    assert "'nowhere' points at no component" in errors["callComponent[0].locationReference[0]"]


def test_an_unparseable_timestamp_is_named() -> None:
    doc = export(robbery())
    doc["notesComponent"][0]["noteDateTimeStamp"] = "yesterday at noon"
    doc["emergencyResourceComponent"][1]["unitStatusHistory"][0]["statusDateTimeStamp"] = (
        "2026-05-01T14:04:00"
    )
    errors = errors_of(doc)
    assert "not an ISO-8601 timestamp" in errors["notesComponent[0].noteDateTimeStamp"]
    assert "no UTC offset" in errors["emergencyResourceComponent[1].unitStatusHistory[0].statusDateTimeStamp"]


def test_a_priority_outside_the_five_values_is_named() -> None:
    doc = export(robbery())
    doc["callComponent"][0]["priorityIdentifier"] = "urgent"
    assert errors_of(doc) == {
        "callComponent[0].priorityIdentifier": "'urgent' is not one of highest, high, normal, low, lowest"
    }


def test_a_priority_number_outside_one_to_five_is_named_when_there_is_no_identifier() -> None:
    doc = export(robbery())
    del doc["callComponent"][0]["priorityIdentifier"]
    doc["incidentComponent"][0]["incidentCommonPriorityNumber"] = 9
    assert set(errors_of(doc)) == {"incidentComponent[0].incidentCommonPriorityNumber"}
    doc["incidentComponent"][0]["incidentCommonPriorityNumber"] = 1
    assert from_eido(doc, agency_id="cpd")[0].priority is Priority.HIGHEST


def test_a_lifecycle_time_out_of_order_names_its_history_entry() -> None:
    doc = export(robbery())
    doc["incidentComponent"][0]["incidentStatusHistory"][2]["statusDateTimeStamp"] = "2026-05-01T14:00:00Z"
    errors = errors_of(doc)
    assert list(errors) == ["incidentComponent[0].incidentStatusHistory[2].statusDateTimeStamp"]
    assert "before Enroute" in errors["incidentComponent[0].incidentStatusHistory[2].statusDateTimeStamp"]


def test_a_unit_on_no_incident_of_the_document_is_named() -> None:
    doc = export(robbery())
    doc["emergencyResourceComponent"][0]["activeOnIncidentId"] = "inc-elsewhere"
    assert set(errors_of(doc)) == {"emergencyResourceComponent[0].activeOnIncidentId"}


def test_values_too_long_for_the_record_are_named_where_they_came_from() -> None:
    doc = export(robbery())
    doc["incidentComponent"][0]["incidentTypeCommonRegistryText"] = "X" * 101
    doc["emergencyResourceComponent"][0]["emergencyResourceName"] = "U" * 65
    errors = errors_of(doc)
    assert set(errors) == {
        "incidentComponent[0].incidentTypeCommonRegistryText",
        "emergencyResourceComponent[0].emergencyResourceName",
    }
    assert "at most 100 characters" in errors["incidentComponent[0].incidentTypeCommonRegistryText"]


def test_every_error_is_collected_not_just_the_first() -> None:
    doc = export(robbery())
    del doc["incidentComponent"][0]["incidentTypeCommonRegistryText"]
    del doc["callComponent"][0]["callStartTimestamp"]
    doc["callComponent"][0]["priorityIdentifier"] = 1
    doc["notesComponent"][2]["noteDateTimeStamp"] = "not a time"
    doc["emergencyResourceComponent"][0]["activeOnIncidentId"] = "nope"
    doc["locationComponent"][0]["locationByValue"]["geo"]["pos"] = ["north", "west"]
    doc["incidentComponent"][0]["notesReference"].append({"$ref": "note-missing"})
    with pytest.raises(EidoError) as exc:
        from_eido(doc, agency_id="cpd")
    assert isinstance(exc.value, ValueError)
    assert {e.field for e in exc.value.errors} == {
        "incidentComponent[0].incidentTypeCommonRegistryText",
        "callComponent[0].callStartTimestamp",
        "callComponent[0].priorityIdentifier",
        "notesComponent[2].noteDateTimeStamp",
        "emergencyResourceComponent[0].activeOnIncidentId",
        "locationComponent[0].locationByValue.geo.pos",
        "incidentComponent[0].notesReference[3]",
    }
    assert "incidentComponent[0].incidentTypeCommonRegistryText: is required" in str(exc.value)


def test_errors_in_the_second_incident_carry_its_index() -> None:
    a = export(robbery())
    b = export(robbery().model_copy(update={"call_id": "C-2"}))
    merged = copy.deepcopy(a)
    for key in COMPONENT_ARRAYS:
        if key != "agencyComponent":
            merged[key] = a[key] + b[key]
    del merged["incidentComponent"][1]["incidentTypeCommonRegistryText"]
    assert set(errors_of(merged)) == {"incidentComponent[1].incidentTypeCommonRegistryText"}


def test_a_document_without_incidents_or_not_an_object_is_refused() -> None:
    assert errors_of({"eidoVersion": "1.0"}) == {
        "incidentComponent": "the document has no incident component"
    }
    with pytest.raises(EidoError) as exc:
        from_eido([], agency_id="cpd")  # type: ignore[arg-type]
    assert exc.value.errors[0].field == "$"


def test_duplicate_ids_are_named() -> None:
    doc = export(robbery())
    doc["notesComponent"][1]["$id"] = doc["notesComponent"][0]["$id"]
    errors = errors_of(doc)
    assert "duplicate $id" in errors["notesComponent[1].$id"]

import pytest
from pydantic import ValidationError

from rtcc.domain.events import EventIn, content_id, validate_payload
from rtcc.domain.geo import CivicAddress, Location, haversine_m


def make(**over: object) -> EventIn:
    base: dict[str, object] = {
        "id": "e1",
        "type": "unit.location",
        "occurred_at": "2026-11-21T20:00:00Z",
        "location": {"lat": 39.96, "lon": -82.99},
        "payload": {"unit_id": "1A12", "heading_deg": 90},
    }
    base.update(over)
    return EventIn.model_validate(base)


def test_a_valid_event_passes_with_its_payload_normalised() -> None:
    payload, errors = validate_payload(make())
    assert errors == []
    assert payload == {"unit_id": "1A12", "heading_deg": 90.0}


def test_coordinates_out_of_range_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as exc:
        make(location={"lat": 91, "lon": -82.99})
    assert exc.value.errors()[0]["loc"] == ("location", "lat")


def test_times_without_a_utc_offset_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        make(occurred_at="2026-11-21T20:00:00")
    assert exc.value.errors()[0]["loc"] == ("occurred_at",)


def test_unknown_types_and_bad_payload_fields_are_named() -> None:
    _, errors = validate_payload(make(type="unit.teleported"))
    assert errors[0].field == "type" and "unknown event type" in errors[0].reason
    _, errors = validate_payload(make(payload={"unit_id": "1A12", "heading_deg": "east"}))
    assert [e.field for e in errors] == ["payload.heading_deg"]
    _, errors = validate_payload(make(payload={"unit_id": "1A12", "colour": "blue"}))
    assert [e.field for e in errors] == ["payload.colour"]


def test_located_types_need_a_location() -> None:
    _, errors = validate_payload(make(location=None))
    assert [e.field for e in errors] == ["location"]
    # a status change says nothing about where the unit is, and needs no location
    status = make(type="unit.status", location=None, payload={"unit_id": "1A12", "status": "available"})
    assert validate_payload(status)[1] == []


def test_content_id_is_stable_and_distinguishes_sources_and_content() -> None:
    a = make(id=None)
    assert content_id("s1", a) == content_id("s1", make(id=None))
    assert content_id("s1", a) != content_id("s2", a)
    assert content_id("s1", a) != content_id("s1", make(id=None, payload={"unit_id": "1A13"}))


def test_civic_address_reads_as_one_line() -> None:
    addr = CivicAddress(hno="90", prd="W", rd="BROAD", sts="ST", a3="Columbus", a1="OH")
    assert addr.one_line() == "90 W BROAD ST, Columbus, OH"
    assert Location(lat=1, lon=2, address=CivicAddress(text="N HIGH ST & E BROAD ST")).address.one_line() == (  # type: ignore[union-attr]
        "N HIGH ST & E BROAD ST"
    )


def test_haversine_distance_matches_a_known_span() -> None:
    # One degree of latitude is about 111.2 km anywhere.
    assert haversine_m(39.0, -83.0, 40.0, -83.0) == pytest.approx(111_195, rel=1e-3)


def test_typed_topics_read_payloads_as_models() -> None:
    from datetime import UTC, datetime

    from rtcc.domain.events import ALPR_READ, UNIT_LOCATION, Event

    now = datetime.now(UTC)
    event = Event(
        seq=1,
        id="e",
        type="unit.location",
        source_id="s",
        agency_id="a",
        occurred_at=now,
        received_at=now,
        payload={"unit_id": "1A12", "speed_mps": 12.5},
    )
    ping = UNIT_LOCATION.payload(event)
    assert (ping.unit_id, ping.speed_mps, ping.heading_deg) == ("1A12", 12.5, None)
    with pytest.raises(ValueError, match=r"not alpr\.read"):
        ALPR_READ.payload(event)

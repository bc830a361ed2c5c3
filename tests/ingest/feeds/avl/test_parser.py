import pytest

from rtcc.domain.errors import FeedParseError
from rtcc.ingest.feeds.avl import ADAPTER
from rtcc.ingest.feeds.avl.config import AvlConfig


def test_a_ping_becomes_a_location_event_in_metres_per_second() -> None:
    [event] = ADAPTER.parse(
        {"unit": "1A12", "time": 1763755200, "lat": "39.96", "lon": -82.99, "heading": 450, "speed": 36},
        AvlConfig(),
    )
    assert event.type == "unit.location"
    assert event.payload == {"unit_id": "1A12", "heading_deg": 90.0, "speed_mps": 10.0}
    assert event.location is not None and event.location.lat == 39.96
    assert event.occurred_at.isoformat() == "2025-11-21T20:00:00+00:00"


def test_a_ping_with_a_status_also_changes_the_unit_status() -> None:
    events = ADAPTER.parse(
        {
            "unit": "7",
            "time": "2026-11-21T20:00:00Z",
            "lat": 39.9,
            "lon": -83.0,
            "status": "EN_ROUTE",
            "incident": "I1",
        },
        AvlConfig(unit_prefix="CPD-", speed_unit="mph"),
    )
    assert [e.type for e in events] == ["unit.location", "unit.status"]
    assert events[1].payload == {"unit_id": "CPD-7", "status": "en_route", "incident_id": "I1"}


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"time": 1, "lat": 1, "lon": 1}, "unit"),
        ({"unit": "1", "lat": 1, "lon": 1}, "time"),
        ({"unit": "1", "time": "yesterday", "lat": 1, "lon": 1}, "time"),
        ({"unit": "1", "time": "2026-11-21T20:00:00", "lat": 1, "lon": 1}, "time"),
        ({"unit": "1", "time": 1, "lat": "north", "lon": 1}, "lat"),
        ({"unit": "1", "time": 1, "lat": 1}, "lon"),
        ({"unit": "1", "time": 1, "lat": 100, "lon": 1}, "location.lat"),
    ],
)
def test_bad_pings_name_the_field(item: dict[str, object], field: str) -> None:
    with pytest.raises(FeedParseError) as exc:
        ADAPTER.parse(item, AvlConfig())
    assert exc.value.errors[0].field == field

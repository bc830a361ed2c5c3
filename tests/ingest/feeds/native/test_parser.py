import pytest

from rtcc.domain.errors import FeedParseError
from rtcc.ingest.feeds.native import ADAPTER
from rtcc.ingest.feeds.native.config import NativeConfig


def test_an_envelope_passes_through() -> None:
    [event] = ADAPTER.parse(
        {
            "id": "x",
            "type": "unit.status",
            "occurred_at": "2026-11-21T20:00:00Z",
            "payload": {"unit_id": "1"},
        },
        NativeConfig(),
    )
    assert event.id == "x" and event.type == "unit.status"


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"type": "unit.status", "payload": {}}, "occurred_at"),
        ({"occurred_at": "2026-11-21T20:00:00Z"}, "type"),
        ({"type": "x", "occurred_at": "2026-11-21T20:00:00Z", "colour": "red"}, "colour"),
        ({"type": "x", "occurred_at": "2026-11-21T20:00:00Z", "payload": []}, "payload"),
        ([1, 2], "(item)"),
    ],
)
def test_malformed_envelopes_name_the_field(item: object, field: str) -> None:
    with pytest.raises(FeedParseError) as exc:
        ADAPTER.parse(item, NativeConfig())
    assert exc.value.errors[0].field == field

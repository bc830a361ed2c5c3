import pytest

from rtcc.domain.errors import FeedParseError
from rtcc.ingest.feeds.alpr import ADAPTER
from rtcc.ingest.feeds.alpr.config import AlprConfig
from rtcc.ingest.feeds.alpr.parser import normalise_plate

ROW = {
    "plate": "hjk-4821",
    "state": "oh",
    "time": "2026-11-21T20:00:00Z",
    "latitude": "39.961",
    "longitude": "-82.998",
    "reader_id": "R-17",
    "confidence": "87.5",
    "colour": "blue",
}


def test_a_row_becomes_a_read_with_the_plate_normalised() -> None:
    [event] = ADAPTER.parse(ROW, AlprConfig())
    assert event.type == "alpr.read"
    assert event.payload == {
        "reader_id": "R-17",
        "plate": "HJK4821",
        "state": "OH",
        "confidence": 87.5,
        "vehicle_colour": "blue",
    }


@pytest.mark.parametrize("raw", ["HJK 4821", "hjk-4821", "H.J.K 48-21"])
def test_spacing_case_and_dashes_do_not_matter(raw: str) -> None:
    assert normalise_plate(raw) == "HJK4821"


@pytest.mark.parametrize("raw", [None, "", "  ", "?", "HJK#4821", "ABCDEFGHIJKL"])
def test_a_read_with_no_usable_plate_is_refused_with_a_reason(raw: object) -> None:
    with pytest.raises(FeedParseError) as exc:
        ADAPTER.parse({**ROW, "plate": raw}, AlprConfig())
    assert exc.value.errors[0].field == "plate"


def test_the_default_state_fills_a_missing_one() -> None:
    [event] = ADAPTER.parse({**ROW, "state": ""}, AlprConfig(default_state="OH"))
    assert event.payload["state"] == "OH"


def test_a_missing_reader_is_named() -> None:
    with pytest.raises(FeedParseError) as exc:
        ADAPTER.parse({k: v for k, v in ROW.items() if k != "reader_id"}, AlprConfig())
    assert exc.value.errors[0].field == "reader_id"

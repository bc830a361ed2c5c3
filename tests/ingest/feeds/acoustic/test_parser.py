import pytest

from rtcc.domain.errors import FeedParseError
from rtcc.ingest.feeds.acoustic import ADAPTER
from rtcc.ingest.feeds.acoustic.config import AcousticConfig, SensorPosition

CONFIG = AcousticConfig(sensors={"S1": SensorPosition(lat=39.96, lon=-82.99, elevation_m=240)})


def test_nanosecond_arrival_times_keep_their_precision() -> None:
    t_ns = 1_763_755_200_123_456_789
    [event] = ADAPTER.parse({"sensor_id": "S1", "t_ns": t_ns, "snr": 18.5}, CONFIG)
    assert event.type == "gunshot.pulse"
    assert event.payload == {"sensor_id": "S1", "arrival_ns": t_ns, "elevation_m": 240, "snr_db": 18.5}
    assert event.occurred_at.microsecond == 123_456
    assert event.location is not None and event.location.lat == 39.96  # surveyed position from the config


def test_heartbeats_are_told_apart_from_pulses() -> None:
    [event] = ADAPTER.parse(
        {
            "sensor_id": "S9",
            "kind": "heartbeat",
            "t": 1763755200,
            "lat": 40.0,
            "lon": -83.0,
            "battery_pct": 80,
        },
        CONFIG,
    )
    assert event.type == "sensor.heartbeat"
    assert event.payload == {"sensor_id": "S9", "battery_pct": 80.0}


def test_a_message_is_idempotent_by_sensor_and_time() -> None:
    item = {"sensor_id": "S1", "t_ns": 1_763_755_200_000_000_001}
    assert ADAPTER.parse(item, CONFIG)[0].id == ADAPTER.parse(dict(item), CONFIG)[0].id


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"t": 1}, "sensor_id"),
        ({"sensor_id": "S1", "t_ns": -5}, "t_ns"),
        ({"sensor_id": "S1", "t_ns": "soon"}, "t_ns"),
        ({"sensor_id": "S1"}, "t"),
        ({"sensor_id": "UNSURVEYED", "t": 1}, "lat"),
        ({"sensor_id": "S1", "t": 1, "snr": "loud"}, "snr"),
    ],
)
def test_bad_messages_name_the_field(item: dict[str, object], field: str) -> None:
    with pytest.raises(FeedParseError) as exc:
        ADAPTER.parse(item, CONFIG)
    assert exc.value.errors[0].field == field

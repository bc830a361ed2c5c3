"""The MQTT transport against the real Mosquitto broker on loopback."""

import asyncio
import uuid
from collections.abc import Callable

import aiomqtt
import orjson
import pytest

from rtcc.ingest.mqtt import MqttIngest
from rtcc.ingest.pipeline import IngestService
from rtcc.ingest.registry import AdapterRegistry
from rtcc.storage.accounts import Accounts
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from tests.conftest import World, need_service

pytestmark = pytest.mark.mqtt


def pulse(sensor: str, t_ns: int) -> dict[str, object]:
    return {"sensor_id": sensor, "t_ns": t_ns, "lat": 39.96, "lon": -82.99, "snr": 20}


async def wait_for(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not check():
            await asyncio.sleep(0.05)


def test_sensor_messages_good_and_bad(db: Database, world: World) -> None:
    need_service("Mosquitto", "127.0.0.1", 1883)
    store = SqlEventStore(db)
    service = IngestService(store, AdapterRegistry.discover())
    prefix = f"rtcc-test/{uuid.uuid4().hex[:8]}"
    accounts = Accounts(db)
    mqtt = MqttIngest(
        service,
        accounts.source_by_name,
        url="mqtt://127.0.0.1:1883",
        topic_prefix=prefix,
        client_id=f"rtcc-test-{uuid.uuid4().hex[:8]}",
        max_bytes=10_000,
    )

    async def run() -> None:
        task = asyncio.create_task(mqtt.run())
        try:
            await asyncio.wait_for(mqtt.connected.wait(), 10)
            async with aiomqtt.Client("127.0.0.1", 1883) as pub:
                t = 1_763_755_200_000_000_000
                await pub.publish(f"{prefix}/sensors", orjson.dumps(pulse("S1", t)), qos=1)
                await pub.publish(
                    f"{prefix}/sensors",
                    orjson.dumps([pulse("S2", t + 1_000_000), pulse("S3", t + 2_000_000)]),
                    qos=1,
                )
                await pub.publish(f"{prefix}/sensors", b"{not json", qos=1)
                await pub.publish(
                    f"{prefix}/sensors",
                    orjson.dumps({"sensor_id": "S4", "t": "noon", "lat": 39.9, "lon": -83.0}),
                    qos=1,
                )
                await pub.publish(f"{prefix}/nosuchsource", orjson.dumps(pulse("S5", t)), qos=1)
                await pub.publish(f"{prefix}/sensors", b"[" + b"1," * 6000 + b"1]", qos=1)  # over 10 kB
                await pub.publish(f"{prefix}/sensors", orjson.dumps(pulse("S6", t) | {"lat": 123.0}), qos=1)
                await pub.publish(
                    f"{prefix}/sensors", orjson.dumps(pulse("S7", 4_102_444_800_000_000_000)), qos=1
                )
            await wait_for(lambda: mqtt.received >= 8)
            await wait_for(lambda: store.dead_letter_count() >= 6)
        finally:
            task.cancel()

    asyncio.run(run())
    pulses = store.query(types=["gunshot.pulse"])
    assert sorted(e.payload["sensor_id"] for e in pulses) == ["S1", "S2", "S3"]
    assert sorted(e.payload["arrival_ns"] for e in pulses)[0] == 1_763_755_200_000_000_000
    letters = {(d.errors[0]["field"], d.transport) for d in store.dead_letters()}
    assert letters == {
        ("(item)", "mqtt"),  # not JSON
        ("t", "mqtt"),  # not a time
        ("topic", "mqtt"),  # no such source
        ("(message)", "mqtt"),  # too large
        ("location.lat", "mqtt"),  # out of range
        ("occurred_at", "mqtt"),  # the year 2100
    }
    reasons = " ".join(d.errors[0]["reason"] for d in store.dead_letters())
    assert "not valid JSON" in reasons and "nosuchsource" in reasons and "at most 10000" in reasons

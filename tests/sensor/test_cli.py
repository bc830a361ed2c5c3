"""`rtcc sensor listen`: JSON Lines out, HTTP batch ingest into a running server, MQTT to the real broker."""

import asyncio
import json
import threading
import time
import uuid
from calendar import timegm
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import numpy as np
import pytest
import uvicorn
from typer.testing import CliRunner

from rtcc.app import create_app
from rtcc.cli.sensor import sensor_app
from rtcc.config import Settings
from rtcc.ingest.feeds.acoustic import ADAPTER
from rtcc.ingest.feeds.acoustic.config import AcousticConfig
from rtcc.sensor import detect_impulses, read_wav
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from tests.conftest import World, free_port, need_service
from tests.sensor.wavs import d5_files, gunshot, wav_bytes

runner = CliRunner()
EPOCH_2026_11_21T20 = timegm((2026, 11, 21, 20, 0, 0, 0, 0, 0)) * 1_000_000_000
PULSE_KEYS = {"sensor_id", "t_ns", "snr", "power", "lat", "lon", "elevation_m", "temperature_c"}


def listen(*args: str, input: bytes | None = None, code: int = 0) -> Any:
    result = runner.invoke(sensor_app, ["listen", *args], input=input, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_lines_contract() -> None:
    files = [str(p) for p in d5_files()]
    result = listen(*files, "--json")
    pulses = json_lines(result.stdout)
    assert len(pulses) == 6
    for p in pulses:
        assert set(p) == PULSE_KEYS
        assert isinstance(p["t_ns"], int) and 1_663_478_453 * 10**9 < p["t_ns"] < 1_663_478_457 * 10**9
        assert isinstance(p["snr"], float) and p["snr"] >= 12
        assert p["temperature_c"] == 25.0
    assert [p["sensor_id"] for p in pulses] == [
        "SCP-00-BNG-4089",
        "SCP-00-BNG-3866",
        "SCP-00-BNG-4922",
        "SCP-00-BNG-4922",
        "SCP-00-BNG-4827",
        "SCP-00-BNG-4827",
    ]
    first = read_wav(d5_files()[0]).metadata
    assert (pulses[0]["lat"], pulses[0]["lon"]) == (first.latitude, first.longitude)
    # the acoustic feed adapter accepts every one of them as a gunshot pulse, keeping the nanoseconds
    for p in pulses:
        (event,) = ADAPTER.parse(p, AcousticConfig())
        assert event.type == "gunshot.pulse"
        assert event.payload["arrival_ns"] == p["t_ns"]
        assert event.payload["snr_db"] == p["snr"]
    # status goes to standard error, so standard output is only the pulses
    assert "SCP-00-BNG-4089" in result.stderr and "impulses" in result.stderr


def test_no_destination_prints_json_lines() -> None:
    result = listen(str(d5_files()[0]))
    assert len(json_lines(result.stdout)) == 1


def test_usage_errors() -> None:
    f = str(d5_files()[0])
    assert "api-key" in listen(f, "--url", "http://127.0.0.1:9", code=2).output
    assert "topic" in listen(f, "--mqtt", "mqtt://127.0.0.1:1883", code=2).output
    both = ("--url", "http://x", "--api-key", "k", "--mqtt", "mqtt://x", "--topic", "t")
    assert "not both" in listen(f, *both, code=2).output
    assert "lon" in listen(f, "--lat", "41.8", code=2).output
    assert "ISO 8601" in listen(f, "--start", "yesterday", code=2).output
    assert "standard input" in listen(f, "-", code=2).output


def test_file_without_metadata_needs_a_start_time(tmp_path: Path) -> None:
    path = tmp_path / "pole-9.wav"
    path.write_bytes(wav_bytes(gunshot(12000, 2.0, [1.0]), 12000))
    result = listen(str(path), code=1)
    assert "no start time" in result.stderr
    result = listen(str(path), "--start", "2026-11-21T20:00:00Z", "--lat", "39.96", "--lon", "-82.99")
    (p,) = json_lines(result.stdout)
    assert p["sensor_id"] == "pole-9"
    assert abs(p["t_ns"] - (EPOCH_2026_11_21T20 + 1_000_000_000)) < 200_000
    assert (p["lat"], p["lon"]) == (39.96, -82.99)
    assert set(p) == {"sensor_id", "t_ns", "snr", "power", "lat", "lon"}


def test_unreadable_file_stops_before_publishing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav file")
    result = listen(str(d5_files()[0]), str(bad), code=1)
    assert result.stdout == ""
    assert "bad.wav" in result.stderr


def test_live_stream_on_standard_input() -> None:
    onsets = [0.8, 1.6, 2.4]
    audio = gunshot(12000, 3.0, onsets)
    stream = wav_bytes(audio, 12000, data_size=0xFFFFFFFF)  # what a recorder writes to a pipe
    args = (
        "-",
        "--start",
        "2026-11-21T20:00:00.5Z",
        "--sensor-id",
        "roof-1",
        "--lat",
        "39.9",
        "--lon",
        "-83",
    )
    pulses = json_lines(listen(*args, input=stream).stdout)
    start = EPOCH_2026_11_21T20 + 500_000_000
    assert [p["sensor_id"] for p in pulses] == ["roof-1"] * 3
    for p, t in zip(pulses, onsets, strict=True):
        assert abs(p["t_ns"] - (start + round(t * 1e9))) < 200_000


@pytest.fixture
def server(settings: Settings, world: World) -> Iterator[str]:
    """The real application on a loopback port."""
    port = free_port()
    # The recordings are from 2022: keep the retention run at start-up from purging them mid-test.
    settings = settings.model_copy(update={"retention_events_days": 36500})
    srv = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_http_ingest_into_the_server(server: str, world: World, db: Database) -> None:
    files = [str(p) for p in d5_files()]
    key = world.keys["sensors"]  # a source using the acoustic adapter
    result = listen(*files, "--url", server, "--api-key", key, "--batch", "4")
    assert "accepted 6, duplicates 0, rejected 0" in result.stderr
    assert result.stdout == ""
    pulses = SqlEventStore(db).query(types=["gunshot.pulse"])
    assert len(pulses) == 6
    expected = json_lines(listen(*files).stdout)
    assert sorted(e.payload["arrival_ns"] for e in pulses) == sorted(p["t_ns"] for p in expected)
    assert {e.payload["temperature_c"] for e in pulses} == {25.0}
    # sending the same audio again stores nothing twice
    again = listen(*files, "--url", server, "--api-key", key)
    assert "accepted 0, duplicates 6" in again.stderr
    wrong = listen(files[0], "--url", server, "--api-key", "not-a-key", code=1)
    assert "401" in wrong.stderr


def test_http_server_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = listen(str(d5_files()[0]), "--url", url, "--api-key", "k", code=1)
    assert "could not reach" in result.stderr


@pytest.mark.mqtt
def test_mqtt_publish_to_the_broker() -> None:
    need_service("Mosquitto", "127.0.0.1", 1883)
    topic = f"rtcc-test/{uuid.uuid4().hex[:8]}/acoustic"
    files = [str(p) for p in d5_files()]
    received: list[tuple[str, int, list[dict[str, Any]]]] = []

    async def run() -> Any:
        async with aiomqtt.Client("127.0.0.1", 1883, identifier=f"rtcc-test-{uuid.uuid4().hex[:8]}") as sub:
            await sub.subscribe(topic, qos=1)
            result = await asyncio.to_thread(
                runner.invoke,
                sensor_app,
                ["listen", *files, "--mqtt", "mqtt://127.0.0.1:1883", "--topic", topic],
            )
            async with asyncio.timeout(10):
                async for message in sub.messages:
                    payload = message.payload
                    assert isinstance(payload, bytes)
                    received.append((str(message.topic), message.qos, json.loads(payload)))
                    if sum(len(r[2]) for r in received) >= 6:
                        break
            return result

    result = asyncio.run(run())
    assert result.exit_code == 0, result.output
    assert f"published 6 pulses in 4 messages to {topic}" in result.stderr
    assert [(t, q) for t, q, _ in received] == [(topic, 1)] * 4  # one message per file
    pulses = [p for _, _, batch in received for p in batch]
    assert pulses == json_lines(listen(*files).stdout)


def test_mqtt_broker_unreachable() -> None:
    url = f"mqtt://127.0.0.1:{free_port()}"
    result = listen(str(d5_files()[0]), "--mqtt", url, "--topic", "t/x", code=1)
    assert "MQTT" in result.stderr


def test_stream_block_boundaries_do_not_matter() -> None:
    audio = gunshot(12000, 3.0, [0.9, 2.1], seed=9)
    samples = np.round(audio * 32768) / 32768  # as 16-bit PCM holds them
    whole = detect_impulses(samples, 12000, start_ns=0)
    streamed = json_lines(
        listen("-", "--start", "1970-01-01T00:00:00Z", input=wav_bytes(audio, 12000, data_size=0)).stdout
    )
    assert [p["t_ns"] for p in streamed] == [i.t_ns for i in whole]

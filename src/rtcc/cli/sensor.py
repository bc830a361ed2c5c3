"""`rtcc sensor listen`: find impulses in sensor audio and publish them as acoustic pulses."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Protocol
from urllib.parse import urlparse

import aiomqtt
import httpx
import typer
from rich.console import Console

from rtcc.sensor import (
    DetectorConfig,
    MissingStartTime,
    WavError,
    listen_file,
    listen_stream,
    open_wav_stream,
    parse_time_ns,
)

sensor_app = typer.Typer(
    help="The sensor side of gunshot location: audio in, timed pulses out.", no_args_is_help=True
)
err_console = Console(stderr=True)


@sensor_app.callback()
def sensor() -> None:
    """The sensor side of gunshot location: audio in, timed pulses out."""


Pulse = dict[str, Any]


class Sink(Protocol):
    async def send(self, pulses: list[Pulse]) -> None: ...

    def summary(self) -> str: ...


class PublishError(Exception):
    pass


class JsonLinesSink:
    """Pulses as JSON Lines on standard output."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, pulses: list[Pulse]) -> None:
        for p in pulses:
            sys.stdout.write(json.dumps(p, separators=(",", ":")) + "\n")
        sys.stdout.flush()
        self.count += len(pulses)

    def summary(self) -> str:
        return f"printed {self.count} pulses"


class HttpSink:
    """Batches POSTed to a server's /api/v1/ingest with the source's API key."""

    def __init__(self, client: httpx.AsyncClient, url: str, api_key: str, batch: int):
        self.client = client
        self.endpoint = url.rstrip("/") + "/api/v1/ingest"
        self.api_key = api_key
        self.batch = batch
        self.accepted = self.duplicates = self.rejected = 0
        self.reasons: list[str] = []

    async def send(self, pulses: list[Pulse]) -> None:
        for i in range(0, len(pulses), self.batch):
            part = pulses[i : i + self.batch]
            try:
                resp = await self.client.post(
                    self.endpoint,
                    content=json.dumps(part).encode(),
                    headers={"X-API-Key": self.api_key, "Content-Type": "application/json"},
                )
            except httpx.HTTPError as exc:
                raise PublishError(f"could not reach {self.endpoint}: {exc}") from exc
            if resp.status_code != 200:
                raise PublishError(f"server refused the batch: {resp.status_code} {resp.text[:500]}")
            body = resp.json()
            self.accepted += int(body.get("accepted", 0))
            self.duplicates += int(body.get("duplicates", 0))
            refused = body.get("rejected") or []
            self.rejected += len(refused)
            for r in refused[:5]:
                self.reasons.append(json.dumps(r)[:300])

    def summary(self) -> str:
        text = f"accepted {self.accepted}, duplicates {self.duplicates}, rejected {self.rejected}"
        return text + "".join(f"\n  refused: {r}" for r in self.reasons[:5])


class MqttSink:
    """One QoS 1 message (a JSON array) per batch, confirmed by the broker before the next."""

    def __init__(self, client: aiomqtt.Client, topic: str, batch: int):
        self.client = client
        self.topic = topic
        self.batch = batch
        self.messages = self.count = 0

    async def send(self, pulses: list[Pulse]) -> None:
        for i in range(0, len(pulses), self.batch):
            part = pulses[i : i + self.batch]
            try:
                await self.client.publish(self.topic, json.dumps(part).encode(), qos=1)
            except aiomqtt.MqttError as exc:
                raise PublishError(f"MQTT publish to {self.topic!r} failed: {exc}") from exc
            self.messages += 1
            self.count += len(part)

    def summary(self) -> str:
        return f"published {self.count} pulses in {self.messages} messages to {self.topic}"


def mqtt_client(url: str) -> aiomqtt.Client:
    """A client for mqtt://[user:password@]host[:port] (or mqtts:// for TLS)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise typer.BadParameter(f"expected mqtt://host:port, got {url!r}", param_hint="--mqtt")
    tls = parsed.scheme in ("mqtts", "ssl")
    return aiomqtt.Client(
        parsed.hostname or "127.0.0.1",
        parsed.port or (8883 if tls else 1883),
        username=parsed.username,
        password=parsed.password,
        identifier=f"rtcc-sensor-{uuid.uuid4().hex[:12]}",
        tls_context=ssl.create_default_context() if tls else None,
        timeout=10,
    )


def _overrides(
    sensor_id: str | None,
    lat: float | None,
    lon: float | None,
    elevation: float | None,
    start: str | None,
    temperature: float | None,
) -> dict[str, Any]:
    start_ns = None
    if start is not None:
        try:
            start_ns = parse_time_ns(start)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--start") from None
    return {
        "sensor_id": sensor_id,
        "latitude": lat,
        "longitude": lon,
        "elevation_m": elevation,
        "start_ns": start_ns,
        "temperature_c": temperature,
    }


def _iso(t_ns: int) -> str:
    seconds, ns = divmod(t_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ns // 1000:06d}Z"


def _file_pulses(files: list[Path], config: DetectorConfig, overrides: dict[str, Any]) -> list[list[Pulse]]:
    """Read every file first, so that nothing is published when one of them cannot be used."""
    out: list[list[Pulse]] = []
    failed = False
    for path in files:
        try:
            result = listen_file(path, config=config, overrides=overrides)
            pulses = result.pulses
        except (OSError, WavError, MissingStartTime, ValueError) as exc:
            err_console.print(f"[red]{path}: {exc}[/red]", soft_wrap=True)
            failed = True
            continue
        m = result.metadata
        where = f"{m.latitude:.6f}, {m.longitude:.6f}" if m.has_position else "no position"
        first = f", first at {_iso(pulses[0]['t_ns'])}" if pulses else ""
        err_console.print(
            f"{path.name}: sensor [bold]{m.sensor_id}[/bold] ({where}), "
            f"{result.recording.duration_s:.2f} s at {result.recording.sample_rate} Hz: "
            f"{len(pulses)} impulses{first}",
            soft_wrap=True,
            highlight=False,
        )
        out.append(pulses)
    if failed:
        raise typer.Exit(1)
    return out


def _stdin_pulses(config: DetectorConfig, overrides: dict[str, Any], block_s: float) -> Iterator[Pulse]:
    stream = typer.get_binary_stream("stdin")
    try:
        wav = open_wav_stream(stream, fallback_id="stdin")
    except WavError as exc:
        err_console.print(f"[red]standard input: {exc}[/red]")
        raise typer.Exit(1) from None
    meta = wav.metadata.with_overrides(**overrides)
    if meta.start_ns is None:
        meta = meta.with_overrides(start_ns=time.time_ns())
        err_console.print(
            "[yellow]no start time in the stream or --start: using this computer's clock now; "
            "arrival times are only as good as that[/yellow]"
        )
    err_console.print(
        f"listening on standard input: sensor [bold]{meta.sensor_id}[/bold], {wav.sample_rate} Hz",
        highlight=False,
    )
    frames = max(1, round(block_s * wav.sample_rate))
    yield from listen_stream(wav.blocks(frames), wav.sample_rate, meta, config=config)


async def _run(
    sources: list[list[Pulse]] | Iterator[Pulse],
    *,
    as_json: bool,
    url: str | None,
    api_key: str | None,
    mqtt: str | None,
    topic: str | None,
    batch: int,
) -> list[Sink]:
    async with contextlib.AsyncExitStack() as stack:
        sinks: list[Sink] = []
        if as_json:
            sinks.append(JsonLinesSink())
        if url:
            client = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
            sinks.append(HttpSink(client, url, api_key or "", batch))
        if mqtt:
            try:
                mq = await stack.enter_async_context(mqtt_client(mqtt))
            except aiomqtt.MqttError as exc:
                raise PublishError(f"cannot connect to the MQTT broker at {mqtt}: {exc}") from exc
            sinks.append(MqttSink(mq, topic or "", batch))
        if isinstance(sources, list):
            for pulses in sources:
                for sink in sinks:
                    await sink.send(pulses)
        else:
            live = sources

            def next_pulse() -> Pulse | None:
                return next(live, None)

            while (pulse := await asyncio.to_thread(next_pulse)) is not None:
                for sink in sinks:
                    await sink.send([pulse])
                if not as_json:
                    err_console.print(
                        f"pulse {_iso(pulse['t_ns'])}  snr {pulse['snr']:.1f} dB", highlight=False
                    )
        return sinks


@sensor_app.command("listen")
def listen(
    files: Annotated[
        list[Path],
        typer.Argument(help="WAV files; '-' reads one WAV stream from standard input (live input)."),
    ],
    url: Annotated[str | None, typer.Option(help="Server to POST pulses to (its /api/v1/ingest).")] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="RTCC_API_KEY", help="The acoustic source's API key (with --url).")
    ] = None,
    mqtt: Annotated[
        str | None, typer.Option(help="MQTT broker to publish to, e.g. mqtt://127.0.0.1:1883.")
    ] = None,
    topic: Annotated[
        str | None, typer.Option(help="MQTT topic, <prefix>/<source name>, e.g. rtcc/ingest/acoustic.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print pulses as JSON Lines (the default with no destination).")
    ] = False,
    snr_db: Annotated[float, typer.Option(help="Impulse threshold above the noise floor, dB.")] = 12.0,
    min_gap_ms: Annotated[float, typer.Option(help="Least time between two impulses, ms.")] = 60.0,
    sensor_id: Annotated[str | None, typer.Option(help="Sensor id, instead of the file's.")] = None,
    lat: Annotated[float | None, typer.Option(help="Sensor latitude, instead of the file's.")] = None,
    lon: Annotated[float | None, typer.Option(help="Sensor longitude, instead of the file's.")] = None,
    elevation: Annotated[
        float | None, typer.Option(help="Sensor elevation (m), instead of the file's.")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="UTC time of the first sample (ISO 8601), instead of the file's.")
    ] = None,
    temperature: Annotated[float | None, typer.Option(help="Air temperature (Celsius) to report.")] = None,
    batch: Annotated[int, typer.Option(min=1, help="Most pulses per HTTP request or MQTT message.")] = 500,
) -> None:
    """Find impulses in sensor audio and publish them as pulses with GPS-derived UTC times."""
    if url and mqtt:
        raise typer.BadParameter("give --url or --mqtt, not both", param_hint="--url/--mqtt")
    if url and not api_key:
        raise typer.BadParameter("--url needs --api-key (or RTCC_API_KEY)", param_hint="--api-key")
    if mqtt and not topic:
        raise typer.BadParameter("--mqtt needs --topic (<prefix>/<source name>)", param_hint="--topic")
    live = [str(f) for f in files] == ["-"]
    if "-" in [str(f) for f in files] and not live:
        raise typer.BadParameter("'-' (standard input) cannot be mixed with files", param_hint="FILE")
    if (lat is None) != (lon is None):
        raise typer.BadParameter("give both --lat and --lon", param_hint="--lat/--lon")
    try:
        config = DetectorConfig(snr_db=snr_db, min_gap_s=min_gap_ms / 1000.0)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    overrides = _overrides(sensor_id, lat, lon, elevation, start, temperature)
    as_json = as_json or not (url or mqtt)
    sources: list[list[Pulse]] | Iterator[Pulse] = (
        _stdin_pulses(config, overrides, block_s=0.1) if live else _file_pulses(files, config, overrides)
    )
    try:
        sinks = asyncio.run(
            _run(sources, as_json=as_json, url=url, api_key=api_key, mqtt=mqtt, topic=topic, batch=batch)
        )
    except PublishError as exc:
        err_console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    except MissingStartTime as exc:
        err_console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    for sink in sinks:
        if not isinstance(sink, JsonLinesSink):
            err_console.print(sink.summary(), soft_wrap=True, highlight=False)

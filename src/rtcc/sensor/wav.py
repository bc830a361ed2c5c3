"""WAV files from acoustic sensors, with the sensor's own metadata chunk.

A RIFF/WAVE file is a sequence of chunks: ``fmt `` (sample format), ``data`` (samples) and any others.
ShotSpotter sensors add a chunk whose id starts with ``smj`` (``smj0`` in the files seen so far) holding
a zlib-compressed JSON document (schema ``smj0.schema.json``): the serial number, the position
(``geolocation``: WGS84 latitude and longitude, elevation in metres above mean sea level), the weather
(air temperature in Celsius) and ``startTimeUTC``, the time of the first sample as ISO 8601 text such
as ``2022-09-18T05:20:54.178Z``. Plain JSON (not compressed) is accepted as well.

The standard library's ``wave`` module opens such files (it skips chunks it does not know), but it
stops reading at ``data`` (the ``smj0`` chunk comes after it), reads integer PCM only and offers no
access to other chunks, so the chunks are walked here directly.

Time scale. The start time is labelled UTC (field name ``startTimeUTC``, suffix ``Z``); the sensors'
clocks are disciplined by GPS, but the time written is already UTC, so no leap-second correction is
applied to it. If a document gives GPS time instead (``startTimeGPS``, or ``startTime`` with
``timeScale: "GPS"``), the GPS-UTC offset (18 s since 2017-01-01) is subtracted. Start times are kept
as integer nanoseconds since the Unix epoch, parsed from the text without going through a float.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from calendar import timegm
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_IEEE_FLOAT = 0x0003
WAVE_FORMAT_EXTENSIBLE = 0xFFFE

NS_PER_S = 1_000_000_000

# GPS time minus UTC, in seconds, from each UTC date on (GPS time began equal to UTC on 1980-01-06).
_GPS_UTC_STEPS: tuple[tuple[int, int, int, int], ...] = (
    (1981, 7, 1, 1),
    (1982, 7, 1, 2),
    (1983, 7, 1, 3),
    (1985, 7, 1, 4),
    (1988, 1, 1, 5),
    (1990, 1, 1, 6),
    (1991, 1, 1, 7),
    (1992, 7, 1, 8),
    (1993, 7, 1, 9),
    (1994, 7, 1, 10),
    (1996, 1, 1, 11),
    (1997, 7, 1, 12),
    (1999, 1, 1, 13),
    (2006, 1, 1, 14),
    (2009, 1, 1, 15),
    (2012, 7, 1, 16),
    (2015, 7, 1, 17),
    (2017, 1, 1, 18),
)

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9})\d*)?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2})?\s*$"
)


class WavError(ValueError):
    """The file is not a WAV file this module can read."""


@dataclass(frozen=True)
class SensorMetadata:
    """Who recorded the audio, where, and when its first sample was taken."""

    sensor_id: str
    latitude: float | None = None
    longitude: float | None = None
    elevation_m: float | None = None
    start_ns: int | None = None
    """UTC time of the first sample, integer nanoseconds since the Unix epoch."""
    time_scale: str | None = None
    """The time scale the file stated its start time in ("UTC" or "GPS"); ``start_ns`` is UTC either way."""
    temperature_c: float | None = None
    name: str | None = None
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The whole metadata document as found in the file."""

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def with_overrides(
        self,
        *,
        sensor_id: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        elevation_m: float | None = None,
        start_ns: int | None = None,
        temperature_c: float | None = None,
    ) -> SensorMetadata:
        """A copy with the given values replacing the file's (None keeps the file's value)."""
        changes: dict[str, Any] = {
            k: v
            for k, v in {
                "sensor_id": sensor_id,
                "latitude": latitude,
                "longitude": longitude,
                "elevation_m": elevation_m,
                "start_ns": start_ns,
                "temperature_c": temperature_c,
            }.items()
            if v is not None
        }
        if start_ns is not None:
            changes["time_scale"] = "UTC"
        return replace(self, **changes)


@dataclass(frozen=True)
class WavFormat:
    format_tag: int
    channels: int
    sample_rate: int
    bits_per_sample: int
    block_align: int

    @property
    def is_float(self) -> bool:
        return self.format_tag == WAVE_FORMAT_IEEE_FLOAT

    def decode(self, raw: bytes, channel: int | None = 0) -> FloatArray:
        """Samples scaled to [-1, 1); one channel, or the mean of all when ``channel`` is None."""
        frames = len(raw) // self.block_align
        raw = raw[: frames * self.block_align]
        width = self.bits_per_sample // 8
        if self.is_float:
            if width not in (4, 8):
                raise WavError(f"unsupported float width {self.bits_per_sample} bits")
            data = np.frombuffer(raw, dtype="<f4" if width == 4 else "<f8").astype(np.float64)
        elif width == 1:
            data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
        elif width == 2:
            data = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
        elif width == 3:
            b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
            ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
            ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
            data = ints.astype(np.float64) / float(1 << 23)
        elif width == 4:
            data = np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)
        else:
            raise WavError(f"unsupported sample width {self.bits_per_sample} bits")
        data = data.reshape(-1, self.channels)
        if channel is None:
            return np.ascontiguousarray(data.mean(axis=1))
        if not 0 <= channel < self.channels:
            raise WavError(f"no channel {channel}: the file has {self.channels}")
        return np.ascontiguousarray(data[:, channel])


@dataclass(frozen=True)
class WavRecording:
    samples: FloatArray
    """One channel, as float64 scaled to [-1, 1)."""
    sample_rate: int
    channels: int
    metadata: SensorMetadata
    path: Path | None = None

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def parse_time_ns(text: str) -> int:
    """ISO 8601 date and time (UTC unless an offset is given) to integer nanoseconds since the epoch."""
    m = _ISO.match(text)
    if not m:
        raise ValueError(f"not an ISO 8601 date and time: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    seconds = timegm((year, month, day, hour, minute, second, 0, 0, 0))
    fraction = int((m.group(7) or "").ljust(9, "0"))
    zone = m.group(8)
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds * NS_PER_S + fraction


def gps_minus_utc_s(utc_ns: int) -> int:
    """Leap seconds between GPS time and UTC at a UTC instant (0 before 1981-07-01)."""
    offset = 0
    for year, month, day, value in _GPS_UTC_STEPS:
        if utc_ns >= timegm((year, month, day, 0, 0, 0, 0, 0, 0)) * NS_PER_S:
            offset = value
    return offset


def gps_to_utc_ns(gps_ns: int) -> int:
    """A GPS-scale time written as a calendar date (or counted as such) converted to UTC."""
    offset = gps_minus_utc_s(gps_ns)
    # Near a leap second the offset looked up from the GPS value can be one too high; check once more.
    return gps_ns - gps_minus_utc_s(gps_ns - offset * NS_PER_S) * NS_PER_S


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    v = float(value)
    return v if np.isfinite(v) else None


def _start_time(doc: Mapping[str, Any]) -> tuple[int | None, str | None]:
    if isinstance(doc.get("startTimeUTC"), str):
        return parse_time_ns(doc["startTimeUTC"]), "UTC"
    if isinstance(doc.get("startTimeGPS"), str):
        return gps_to_utc_ns(parse_time_ns(doc["startTimeGPS"])), "GPS"
    if isinstance(doc.get("startTime"), str):
        scale = str(doc.get("timeScale") or doc.get("timescale") or "UTC").upper()
        t = parse_time_ns(doc["startTime"])
        return (gps_to_utc_ns(t), "GPS") if scale == "GPS" else (t, "UTC")
    return None, None


def metadata_from_document(doc: Mapping[str, Any], fallback_id: str) -> SensorMetadata:
    """The typed view of a sensor metadata document (smj0 schema); missing fields stay None."""
    geo = doc.get("geolocation")
    geo = geo if isinstance(geo, Mapping) else {}
    weather = doc.get("weather")
    weather = weather if isinstance(weather, Mapping) else {}
    try:
        start_ns, scale = _start_time(doc)
    except ValueError as exc:
        raise WavError(f"metadata start time: {exc}") from None
    sensor_id = next(
        (
            str(doc[k]).strip()
            for k in ("serialNumber", "sensorId", "sensor_id")
            if str(doc.get(k) or "").strip()
        ),
        fallback_id,
    )
    name = doc.get("friendlyName")
    return SensorMetadata(
        sensor_id=sensor_id,
        latitude=_number(geo.get("latitude")),
        longitude=_number(geo.get("longitude")),
        elevation_m=_number(geo.get("elevation")),
        start_ns=start_ns,
        time_scale=scale,
        temperature_c=_number(weather.get("temperature")),
        name=name if isinstance(name, str) and name else None,
        document=doc,
    )


def decode_metadata_chunk(payload: bytes) -> dict[str, Any]:
    """The JSON document of an ``smj`` chunk: zlib-compressed (as the sensors write it) or plain."""
    body = payload.rstrip(b"\x00")
    if body[:1] != b"{":
        try:
            body = zlib.decompress(body)
        except zlib.error as exc:
            raise WavError(f"metadata chunk is neither JSON nor zlib-compressed JSON: {exc}") from None
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WavError(f"metadata chunk is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise WavError("metadata chunk does not hold a JSON object")
    return doc


def _parse_fmt(payload: bytes) -> WavFormat:
    if len(payload) < 16:
        raise WavError("fmt chunk too short")
    tag, channels, rate, _byte_rate, align, bits = struct.unpack("<HHIIHH", payload[:16])
    if tag == WAVE_FORMAT_EXTENSIBLE and len(payload) >= 26:
        tag = struct.unpack("<H", payload[24:26])[0]
    if tag not in (WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT):
        raise WavError(f"unsupported WAV format tag 0x{tag:04x} (PCM or IEEE float only)")
    if channels < 1 or rate < 1 or bits % 8 or bits == 0:
        raise WavError(f"bad fmt chunk: {channels} channels, {rate} Hz, {bits} bits")
    return WavFormat(tag, channels, rate, bits, align or channels * bits // 8)


def iter_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(id, payload) of each chunk of a RIFF/WAVE file held in memory; a truncated last chunk is cut short."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError("not a RIFF/WAVE file")
    pos = 12
    while pos + 8 <= len(data):
        cid = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        yield cid, data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)


def parse_wav(data: bytes, *, fallback_id: str = "sensor", channel: int | None = 0) -> WavRecording:
    """A WAV file's samples, sample rate and sensor metadata, from its bytes."""
    fmt: WavFormat | None = None
    raw: bytes | None = None
    doc: dict[str, Any] | None = None
    for cid, payload in iter_chunks(data):
        if cid == b"fmt ":
            fmt = _parse_fmt(payload)
        elif cid == b"data" and raw is None:
            raw = payload
        elif cid[:3] == b"smj" and doc is None:
            doc = decode_metadata_chunk(payload)
    if fmt is None:
        raise WavError("no fmt chunk")
    if raw is None:
        raise WavError("no data chunk")
    meta = metadata_from_document(doc, fallback_id) if doc is not None else SensorMetadata(fallback_id)
    return WavRecording(fmt.decode(raw, channel), fmt.sample_rate, fmt.channels, meta)


def read_wav(path: str | Path, *, channel: int | None = 0) -> WavRecording:
    """Read a WAV file. The sensor id falls back to the file name without its extension."""
    p = Path(path)
    rec = parse_wav(p.read_bytes(), fallback_id=p.stem, channel=channel)
    return replace(rec, path=p)


@dataclass
class WavStream:
    """A WAV stream read block by block (a pipe from a sound-card recorder, or a file)."""

    format: WavFormat
    metadata: SensorMetadata
    _stream: IO[bytes]
    _remaining: int | None
    channel: int | None = 0

    @property
    def sample_rate(self) -> int:
        return self.format.sample_rate

    def blocks(self, frames_per_block: int = 1024) -> Iterator[FloatArray]:
        """Blocks of samples until the data chunk or the stream ends (a partial last frame is dropped)."""
        size = max(1, frames_per_block) * self.format.block_align
        while self._remaining is None or self._remaining > 0:
            want = size if self._remaining is None else min(size, self._remaining)
            chunk = _read_up_to(self._stream, want)
            if self._remaining is not None:
                self._remaining -= len(chunk)
            whole = len(chunk) - len(chunk) % self.format.block_align
            if whole:
                yield self.format.decode(chunk[:whole], self.channel)
            if len(chunk) < want:
                break


def _read_up_to(stream: IO[bytes], n: int) -> bytes:
    """n bytes, or fewer only at the end of the stream (a pipe may return short reads)."""
    parts: list[bytes] = []
    got = 0
    while got < n:
        part = stream.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def open_wav_stream(stream: IO[bytes], *, fallback_id: str = "sensor", channel: int | None = 0) -> WavStream:
    """Read a WAV header from a stream, up to the start of the samples.

    Metadata chunks are only seen if they come before the ``data`` chunk. A data size of 0 or 0xFFFFFFFF
    (what recorders write when they do not know the length) means: read until the stream ends.
    """
    head = _read_up_to(stream, 12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise WavError("not a RIFF/WAVE stream")
    fmt: WavFormat | None = None
    doc: dict[str, Any] | None = None
    while True:
        header = _read_up_to(stream, 8)
        if len(header) < 8:
            raise WavError("stream ended before the data chunk")
        cid, size = header[:4], struct.unpack("<I", header[4:])[0]
        if cid == b"data":
            break
        payload = _read_up_to(stream, size + (size & 1))[:size]
        if cid == b"fmt ":
            fmt = _parse_fmt(payload)
        elif cid[:3] == b"smj" and doc is None:
            doc = decode_metadata_chunk(payload)
    if fmt is None:
        raise WavError("no fmt chunk before the data chunk")
    meta = metadata_from_document(doc, fallback_id) if doc is not None else SensorMetadata(fallback_id)
    remaining = None if size in (0, 0xFFFFFFFF) else size
    return WavStream(fmt, meta, stream, remaining, channel)

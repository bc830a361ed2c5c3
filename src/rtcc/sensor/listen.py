"""From audio to pulse messages in the acoustic feed's format.

A pulse message is ``{"sensor_id", "t_ns", "snr", "power", "lat", "lon", "elevation_m",
"temperature_c"}``: ``t_ns`` is the onset's UTC time in integer nanoseconds since the epoch, ``snr`` and
``power`` are in dB (power relative to digital full scale); position and temperature are left out when
unknown (the server then uses the sensor's surveyed position, if configured). The ingest pipeline names a
pulse by sensor and ``t_ns``, so sending the same file twice stores each pulse once.

Live input is any iterable of sample blocks (numpy arrays, one channel, floats scaled to [-1, 1)) with the
UTC time of its first sample: a WAV stream on a pipe (``rtcc.sensor.wav.open_wav_stream``) or a sound-card
callback queue. Arrival times are only as good as that first-sample time and the sample clock, so live
sensors need a GPS-disciplined clock and a sample counter, not the wall-clock time of each block.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy.typing as npt

from rtcc.sensor.impulses import DetectorConfig, Impulse, ImpulseDetector, detect_impulses
from rtcc.sensor.wav import SensorMetadata, WavRecording, read_wav


class MissingStartTime(ValueError):
    """The audio's first-sample time is unknown, so pulses cannot be given absolute times."""


def pulse_message(impulse: Impulse, metadata: SensorMetadata) -> dict[str, Any]:
    """One pulse in the acoustic adapter's format."""
    if impulse.t_ns is None:
        raise MissingStartTime(
            f"no start time for sensor {metadata.sensor_id!r}: the file has no metadata time; give one"
        )
    msg: dict[str, Any] = {
        "sensor_id": metadata.sensor_id,
        "t_ns": impulse.t_ns,
        "snr": round(impulse.snr_db, 2),
        "power": round(impulse.power_db, 2),
    }
    if metadata.latitude is not None and metadata.longitude is not None:
        msg["lat"] = metadata.latitude
        msg["lon"] = metadata.longitude
    if metadata.elevation_m is not None:
        msg["elevation_m"] = round(metadata.elevation_m, 3)
    if metadata.temperature_c is not None:
        msg["temperature_c"] = metadata.temperature_c
    return msg


@dataclass(frozen=True)
class FileResult:
    recording: WavRecording
    metadata: SensorMetadata
    """The file's metadata with any overrides applied: what the pulses carry."""
    impulses: list[Impulse]

    @property
    def pulses(self) -> list[dict[str, Any]]:
        return [pulse_message(i, self.metadata) for i in self.impulses]


def listen_file(
    path: str | Path,
    *,
    config: DetectorConfig | None = None,
    overrides: dict[str, Any] | None = None,
) -> FileResult:
    """Impulses of one WAV file, timed from its metadata (``overrides`` as ``SensorMetadata.with_overrides``)."""
    rec = read_wav(path)
    meta = rec.metadata.with_overrides(**(overrides or {}))
    impulses = detect_impulses(rec.samples, rec.sample_rate, start_ns=meta.start_ns, config=config)
    return FileResult(rec, meta, impulses)


def listen_stream(
    blocks: Iterable[npt.ArrayLike],
    sample_rate: float,
    metadata: SensorMetadata,
    *,
    config: DetectorConfig | None = None,
) -> Iterator[dict[str, Any]]:
    """Pulse messages from audio arriving in blocks, each as soon as it is decided.

    ``metadata.start_ns`` is the UTC time of the first sample of the first block; later blocks are
    assumed to follow without gaps.
    """
    if metadata.start_ns is None:
        raise MissingStartTime(f"no start time for sensor {metadata.sensor_id!r}")
    detector = ImpulseDetector(sample_rate, start_ns=metadata.start_ns, config=config)
    for block in blocks:
        for impulse in detector.feed(block):
            yield pulse_message(impulse, metadata)
    for impulse in detector.flush():
        yield pulse_message(impulse, metadata)

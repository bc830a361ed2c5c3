"""Shared pieces for the sensor tests: the recordings kept in the repository, and WAV files built in memory."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "chicago_sensor_audio"
D5 = FIXTURES / "chicago_d5_2022-09-18T002053_incident_556267"
D7 = FIXTURES / "chicago_d7_2022-09-21T015200_request_4072698"
SCEPTER = FIXTURES / "scepter_sensor_test" / "ScepterTest_9906_2022-10-19_141015_SCP-00-BNG-8319.wav"


def d5_files() -> list[Path]:
    return sorted(D5.glob("*.wav"))


def d7_files() -> list[Path]:
    return sorted(D7.glob("*.wav"))


def chunk(cid: bytes, payload: bytes) -> bytes:
    return cid + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


def wav_bytes(
    samples: np.ndarray,
    rate: int,
    *,
    bits: int = 16,
    float_format: bool = False,
    metadata: dict[str, Any] | None = None,
    compress: bool = True,
    metadata_first: bool = False,
    extra_chunks: tuple[tuple[bytes, bytes], ...] = (),
    data_size: int | None = None,
) -> bytes:
    """A WAV file; ``samples`` is (n,) or (n, channels) of floats in [-1, 1)."""
    x = np.asarray(samples, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    channels = x.shape[1]
    if float_format:
        raw = x.astype("<f4" if bits == 32 else "<f8").tobytes()
    elif bits == 16:
        raw = np.clip(np.round(x * 32768), -32768, 32767).astype("<i2").tobytes()
    elif bits == 24:
        ints = np.clip(np.round(x * 2**23), -(2**23), 2**23 - 1).astype("<i4")
        raw = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    elif bits == 32:
        raw = np.clip(np.round(x * 2**31), -(2**31), 2**31 - 1).astype("<i4").tobytes()
    elif bits == 8:
        raw = np.clip(np.round(x * 128 + 128), 0, 255).astype(np.uint8).tobytes()
    else:
        raise ValueError(bits)
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 3 if float_format else 1, channels, rate, rate * align, align, bits)
    chunks = [chunk(b"fmt ", fmt)]
    meta = b""
    if metadata is not None:
        body = json.dumps(metadata).encode()
        meta = chunk(b"smj0", zlib.compress(body) if compress else body)
    if metadata_first:
        chunks.append(meta)
    chunks.extend(chunk(cid, payload) for cid, payload in extra_chunks)
    data = chunk(b"data", raw)
    if data_size is not None:
        data = b"data" + struct.pack("<I", data_size) + raw
    chunks.append(data)
    if not metadata_first:
        chunks.append(meta)
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body) & 0xFFFFFFFF) + body


def gunshot(
    rate: int,
    duration_s: float,
    onsets_s: list[float],
    *,
    amplitude: float = 0.5,
    noise: float = 0.003,
    seed: int = 1,
) -> np.ndarray:
    """Background noise with N-waves (a jump, then a linear fall through zero over 1.5 ms) and decaying
    reverberant tails starting at the given times."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * rate)
    t = np.arange(n) / rate
    x = rng.normal(0.0, noise, n)
    for t0 in onsets_s:
        u = t - t0
        wave = (u >= 0) & (u < 0.0015)
        x[wave] += amplitude * (1 - 2 * u[wave] / 0.0015)
        tail = (u >= 0.0015) & (u < 0.2)
        x[tail] += amplitude * 0.1 * rng.normal(0.0, 1.0, int(tail.sum())) * np.exp(-u[tail] / 0.03)
    return x


def smj(start: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "serialNumber": "SCP-TEST-0001",
        "startTimeUTC": start,
        "geolocation": {"latitude": 39.961, "longitude": -82.999, "elevation": 240.5},
        "weather": {"temperature": 20.0},
    }
    doc.update(extra)
    return doc

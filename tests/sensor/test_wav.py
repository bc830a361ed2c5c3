"""WAV reading: samples, the sensors' smj0 metadata chunk, and times as integer nanoseconds (UTC)."""

import io
import re
import wave
from calendar import timegm
from pathlib import Path

import numpy as np
import pytest

from rtcc.sensor import WavError, gps_to_utc_ns, open_wav_stream, parse_time_ns, parse_wav, read_wav
from rtcc.sensor.wav import iter_chunks
from tests.sensor.wavs import SCEPTER, chunk, d5_files, d7_files, smj, wav_bytes

NS = 1_000_000_000


def utc_ns(y: int, mo: int, d: int, h: int, mi: int, s: int, ms: int = 0) -> int:
    return timegm((y, mo, d, h, mi, s, 0, 0, 0)) * NS + ms * 1_000_000


def folder_time_utc(folder: Path) -> int:
    """Folder names carry the local time (CDT, five hours behind UTC), e.g. ..._2022-09-18T002053_..."""
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})", folder.name)
    assert m
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    return utc_ns(y, mo, d, h, mi, s) + 5 * 3600 * NS


def test_real_files_have_an_smj0_chunk_after_the_samples() -> None:
    for path in d5_files() + d7_files() + [SCEPTER]:
        ids = [cid for cid, _ in iter_chunks(path.read_bytes())]
        assert ids == [b"fmt ", b"data", b"smj0"], path


def test_chicago_metadata_positions_and_times() -> None:
    files = d5_files() + d7_files()
    assert len(files) == 10
    seen = set()
    for path in files:
        rec = read_wav(path)
        m = rec.metadata
        assert rec.sample_rate == 12_000 and rec.channels == 1
        assert re.fullmatch(r"SCP-0\d-BE?NG?-\d{4}", m.sensor_id), m.sensor_id
        seen.add(m.sensor_id)
        assert m.latitude is not None and 41.64 < m.latitude < 42.03  # the City of Chicago
        assert m.longitude is not None and -87.94 < m.longitude < -87.52
        assert m.elevation_m is not None and 170 < m.elevation_m < 210
        assert m.time_scale == "UTC"
        assert m.start_ns is not None
        folder = folder_time_utc(path.parent)
        if "d5" in path.parent.name:
            # each clip starts about a second before its sensor heard the shot
            assert rec.duration_s == 2.0
            assert 0 <= m.start_ns - folder < 2 * NS
            assert m.temperature_c == 25.0
        else:
            assert len(rec.samples) == 119_796  # 9.983 s
            assert m.start_ns == folder
            assert m.temperature_c == 26.1
        assert np.abs(rec.samples).max() <= 1.0
    assert len(seen) == 10


def test_exact_start_time_of_one_file() -> None:
    path = next(p for p in d5_files() if p.name.startswith("5b76edf5"))
    m = read_wav(path).metadata
    assert m.sensor_id == "SCP-00-BNG-4922"
    assert m.start_ns == utc_ns(2022, 9, 18, 5, 20, 53, 332)
    assert (m.latitude, m.longitude) == (41.695707, -87.630295)
    assert m.name == "CDOT Lgt Pole - 255 W 109th Street Alley Rear"
    assert m.document["zone"]["localTzid"] == "America/Chicago"


def test_stdlib_wave_reads_the_same_samples() -> None:
    """The standard library's reader skips the unknown chunk; it simply never sees the metadata."""
    path = d5_files()[0]
    with wave.open(str(path), "rb") as w:
        raw = w.readframes(w.getnframes())
        assert w.getframerate() == 12_000
    ours = read_wav(path).samples
    assert np.array_equal(np.frombuffer(raw, "<i2") / 32768.0, ours)


def test_scepter_test_file_metadata() -> None:
    m = read_wav(SCEPTER).metadata
    assert m.sensor_id == "SCP-00-BNG-8319"
    assert m.start_ns == utc_ns(2022, 10, 19, 18, 10, 15)
    assert m.document["pdop"] == 2.0


@pytest.mark.parametrize(
    ("bits", "float_format"), [(8, False), (16, False), (24, False), (32, False), (32, True), (64, True)]
)
def test_sample_formats(bits: int, float_format: bool) -> None:
    x = np.sin(np.linspace(0, 20, 1000)) * 0.5
    rec = parse_wav(wav_bytes(x, 8000, bits=bits, float_format=float_format), fallback_id="f")
    step = 2.0 ** -(bits - 1) if not float_format else 1e-7
    assert rec.sample_rate == 8000
    assert np.allclose(rec.samples, x, atol=step)


def test_stereo_picks_a_channel_or_mixes() -> None:
    x = np.stack([np.full(100, 0.25), np.full(100, -0.5)], axis=1)
    data = wav_bytes(x, 16000)
    assert parse_wav(data).channels == 2
    assert np.allclose(parse_wav(data, channel=1).samples, -0.5)
    assert np.allclose(parse_wav(data, channel=None).samples, -0.125)
    with pytest.raises(WavError):
        parse_wav(data, channel=2)


def test_plain_json_metadata_before_data_and_odd_chunks() -> None:
    doc = smj("2026-11-21T20:00:00.123456789Z")
    data = wav_bytes(
        np.zeros(11),
        12000,
        metadata=doc,
        compress=False,
        metadata_first=True,
        extra_chunks=((b"LIST", b"odd"),),
    )
    rec = parse_wav(data)
    assert rec.metadata.sensor_id == "SCP-TEST-0001"
    assert rec.metadata.start_ns == utc_ns(2026, 11, 21, 20, 0, 0) + 123_456_789
    assert rec.metadata.elevation_m == 240.5
    assert rec.metadata.temperature_c == 20.0
    assert len(rec.samples) == 11


def test_no_metadata_falls_back_to_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "pole-17.wav"
    path.write_bytes(wav_bytes(np.zeros(100), 12000))
    rec = read_wav(path)
    assert rec.metadata.sensor_id == "pole-17"
    assert rec.metadata.start_ns is None and not rec.metadata.has_position
    assert rec.path == path


def test_missing_fields_stay_empty() -> None:
    rec = parse_wav(
        wav_bytes(np.zeros(10), 12000, metadata={"geolocation": {"latitude": "x"}}), fallback_id="s"
    )
    m = rec.metadata
    assert (m.sensor_id, m.latitude, m.longitude, m.start_ns) == ("s", None, None, None)


def test_truncated_data_chunk_keeps_whole_frames() -> None:
    data = wav_bytes(np.full(100, 0.5), 12000)
    rec = parse_wav(data[:-51])  # cut into the data chunk, mid-frame
    assert len(rec.samples) == 74


def test_not_a_wav() -> None:
    with pytest.raises(WavError):
        parse_wav(b"RIFX....WAVEfmt ")
    with pytest.raises(WavError):
        parse_wav(b"RIFF\x04\x00\x00\x00WAVE")
    good = wav_bytes(np.zeros(4), 12000)
    with pytest.raises(WavError, match="format tag"):
        parse_wav(good.replace(b"fmt \x10\x00\x00\x00\x01\x00", b"fmt \x10\x00\x00\x00\x02\x00"))
    with pytest.raises(WavError, match="no data"):
        parse_wav(good[: good.index(b"data")])
    with pytest.raises(WavError, match="start time"):
        parse_wav(wav_bytes(np.zeros(4), 12000, metadata=smj("2022-09-18")))
    for body in (b"\x78\x9cnot zlib", b"{not json", b"[1, 2]"):
        with pytest.raises(WavError, match="metadata"):
            parse_wav(good + chunk(b"smj0", body))


def test_time_parsing() -> None:
    base = utc_ns(2022, 9, 18, 5, 20, 54)
    assert parse_time_ns("2022-09-18T05:20:54.178Z") == base + 178_000_000
    assert parse_time_ns("2022-09-18T05:20:54Z") == base
    assert parse_time_ns("2022-09-18 05:20:54.000000001") == base + 1
    assert parse_time_ns("2022-09-18T00:20:54.5-05:00") == base + 500_000_000
    assert parse_time_ns("2022-09-18T07:20:54+0200") == base
    with pytest.raises(ValueError):
        parse_time_ns("18/09/2022 05:20:54")


def test_gps_time_scale_is_converted_to_utc() -> None:
    assert gps_to_utc_ns(utc_ns(2022, 9, 18, 5, 21, 12)) == utc_ns(2022, 9, 18, 5, 20, 54)  # 18 s
    assert gps_to_utc_ns(utc_ns(2016, 6, 1, 0, 0, 17)) == utc_ns(2016, 6, 1, 0, 0, 0)  # 17 s
    assert gps_to_utc_ns(utc_ns(1980, 1, 6, 0, 0, 0)) == utc_ns(1980, 1, 6, 0, 0, 0)
    doc = smj("unused") | {"startTimeGPS": "2022-09-18T05:21:12.000Z"}
    del doc["startTimeUTC"]
    m = parse_wav(wav_bytes(np.zeros(4), 12000, metadata=doc)).metadata
    assert (m.time_scale, m.start_ns) == ("GPS", utc_ns(2022, 9, 18, 5, 20, 54))


def test_stream_of_unknown_length_reads_in_blocks() -> None:
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 5000)
    data = wav_bytes(
        x, 12000, metadata=smj("2026-01-01T00:00:00Z"), metadata_first=True, data_size=0xFFFFFFFF
    )
    stream = open_wav_stream(io.BytesIO(data))
    assert stream.sample_rate == 12000 and stream.metadata.sensor_id == "SCP-TEST-0001"
    blocks = list(stream.blocks(1024))
    assert [len(b) for b in blocks] == [1024] * 4 + [904]
    assert np.array_equal(np.concatenate(blocks), parse_wav(data).samples)


def test_stream_stops_at_the_declared_data_size() -> None:
    x = np.full(300, 0.25)
    data = wav_bytes(x, 12000, metadata=smj("2026-01-01T00:00:00Z"))  # metadata after the data
    stream = open_wav_stream(io.BytesIO(data), fallback_id="pipe")
    assert stream.metadata.sensor_id == "pipe"  # metadata after the samples is not seen on a stream
    assert sum(len(b) for b in stream.blocks(128)) == 300

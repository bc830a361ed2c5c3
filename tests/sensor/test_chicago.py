"""Two real Chicago incidents, located from their audio alone.

The impulses found in each sensor's recording, timed from the GPS-disciplined UTC start of the file, must
fit one source position (time differences of arrival, solved by least squares) near the sensors. The
speed of sound comes from the air temperature in the files (METAR at Midway: 25.0 and 26.1 Celsius).
Run with ``-s`` to see the positions and residuals.

The product pipeline (`rtcc sensor listen --json` into `rtcc gunshot locate`) is checked against a small
independent solver (tests/sensor/tdoa.py) that knows nothing of echoes, late paths or chance fits.
"""

import itertools
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rtcc.domain.geo import haversine_m
from rtcc.main import cli
from rtcc.sensor import Impulse, SensorMetadata, detect_impulses, read_wav
from tests.sensor.tdoa import associate, locate, locate_leaving_out_worst, speed_of_sound
from tests.sensor.wavs import d5_files, d7_files

runner = CliRunner()

Recordings = tuple[list[SensorMetadata], list[list[Impulse]]]


@cache
def incident(name: str) -> Recordings:
    files = d5_files() if name == "d5" else d7_files()
    metas, impulses = [], []
    for path in files:
        rec = read_wav(path)
        metas.append(rec.metadata)
        impulses.append(detect_impulses(rec.samples, rec.sample_rate, start_ns=rec.metadata.start_ns))
    return metas, impulses


def centroid(metas: list[SensorMetadata]) -> tuple[float, float]:
    lats = [m.latitude for m in metas if m.latitude is not None]
    lons = [m.longitude for m in metas if m.longitude is not None]
    return sum(lats) / len(lats), sum(lons) / len(lons)


def test_district5_shot_is_heard_on_every_sensor() -> None:
    metas, impulses = incident("d5")
    assert [len(i) for i in impulses] == [1, 1, 2, 2]  # one shot; two sensors also report a late echo
    firsts = {m.sensor_id: i[0] for m, i in zip(metas, impulses, strict=True)}
    assert {k: round(v.offset_s, 3) for k, v in firsts.items()} == {
        "SCP-00-BNG-4089": 0.985,
        "SCP-00-BNG-3866": 0.982,
        "SCP-00-BNG-4922": 0.982,
        "SCP-00-BNG-4827": 1.015,
    }
    assert all(i.snr_db > 30 for i in firsts.values())
    # the nearest sensor hears it first and loudest
    order = sorted(firsts, key=lambda k: firsts[k].t_ns or 0)
    assert order == ["SCP-00-BNG-4922", "SCP-00-BNG-4827", "SCP-00-BNG-4089", "SCP-00-BNG-3866"]
    assert max(firsts, key=lambda k: firsts[k].snr_db) == "SCP-00-BNG-4922"


def test_district5_location() -> None:
    metas, impulses = incident("d5")
    fix = locate(metas, [i[0].t_ns or 0 for i in impulses], speed_of_sound(25.0))
    print(f"\nDistrict 5: {fix.lat:.6f}, {fix.lon:.6f}; residuals (ms) {fix.residuals_ms}")
    assert max(abs(r) for r in fix.residuals_ms.values()) < 3.0
    assert fix.centroid_distance_m < 1000
    assert haversine_m(fix.lat, fix.lon, *centroid(metas)) == pytest.approx(fix.centroid_distance_m, abs=1)
    assert haversine_m(fix.lat, fix.lon, 41.69528, -87.63100) < 10
    nearest = min(metas, key=lambda m: haversine_m(fix.lat, fix.lon, m.latitude or 0, m.longitude or 0))
    assert nearest.sensor_id == "SCP-00-BNG-4922"


def test_district7_seven_shots_associate_on_all_six_sensors() -> None:
    metas, impulses = incident("d7")
    assert all(9 <= len(i) <= 16 for i in impulses)  # shots, echoes and a few other sounds
    shots = associate(impulses)
    assert len(shots) == 7
    assert all(all(p is not None for p in shot) for shot in shots)
    first = shots[0]
    assert [round(p.offset_s, 2) for p in first if p] == [2.63, 2.33, 3.02, 3.63, 3.86, 3.23]
    assert [m.sensor_id for m in metas] == [
        "SCP-00-BNG-5688",
        "SCP-00-BEN-0421",
        "SCP-00-BNG-2023",
        "SCP-01-BNG-1921",
        "SCP-01-BNG-1862",
        "SCP-00-BEN-1326",
    ]


def test_district7_location_of_the_first_shot() -> None:
    metas, impulses = incident("d7")
    c = speed_of_sound(26.1)
    arrivals = [i[0].t_ns or 0 for i in impulses]
    fix = locate(metas, arrivals, c)
    print(f"\nDistrict 7, all sensors: {fix.lat:.6f}, {fix.lon:.6f}; residuals (ms) {fix.residuals_ms}")
    assert fix.centroid_distance_m < 1000
    assert fix.rms_ms < 12
    # one sensor is consistently about 20 ms early (about 7 m of path): without it the rest fit to ms
    assert fix.worst[0] == "SCP-01-BNG-1862" and -25 < fix.worst[1] < -15
    best, left_out = locate_leaving_out_worst(metas, arrivals, c)
    print(
        f"District 7, without {left_out}: {best.lat:.6f}, {best.lon:.6f}; residuals (ms) {best.residuals_ms}"
    )
    assert left_out == "SCP-01-BNG-1862"
    assert max(abs(r) for r in best.residuals_ms.values()) < 5
    assert haversine_m(fix.lat, fix.lon, best.lat, best.lon) < 10
    assert haversine_m(best.lat, best.lon, 41.79073, -87.64132) < 10


def test_district7_shots_move_south_like_a_moving_shooter() -> None:
    metas, impulses = incident("d7")
    c = speed_of_sound(26.1)
    fixes = []
    for shot in associate(impulses):
        arrivals = [p.t_ns or 0 for p in shot if p is not None]
        best, left_out = locate_leaving_out_worst(metas, arrivals, c)
        assert left_out == "SCP-01-BNG-1862"
        assert max(abs(r) for r in best.residuals_ms.values()) < 5
        fixes.append(best)
    print()
    for n, f in enumerate(fixes, 1):
        print(f"shot {n}: {f.lat:.6f}, {f.lon:.6f} at +{(f.t0_ns - fixes[0].t0_ns) / 1e9:.3f} s")
    steps = [haversine_m(a.lat, a.lon, b.lat, b.lon) for a, b in itertools.pairwise(fixes)]
    assert max(steps) < 15
    assert all(b.lat < a.lat for a, b in itertools.pairwise(fixes))
    travelled = haversine_m(fixes[0].lat, fixes[0].lon, fixes[-1].lat, fixes[-1].lon)
    seconds = (fixes[-1].t0_ns - fixes[0].t0_ns) / 1e9
    assert 4.5 < seconds < 5.5
    assert 5 < travelled / seconds < 15  # metres per second: a vehicle, not a person standing


def product_pipeline(files: list[Path], tmp_path: Path, *options: str) -> list[dict[str, Any]]:
    """`rtcc sensor listen FILES --json > pulses.jsonl`, then `rtcc gunshot locate pulses.jsonl --incidents`."""
    listened = runner.invoke(cli, ["sensor", "listen", *map(str, files), "--json"], catch_exceptions=False)
    assert listened.exit_code == 0, listened.output
    pulses = tmp_path / "pulses.jsonl"
    pulses.write_text(listened.stdout)
    located = runner.invoke(cli, ["gunshot", "locate", str(pulses), "--incidents", *options])
    assert located.exit_code == 0, located.output
    return [json.loads(line) for line in located.stdout.splitlines() if line.startswith("{")]


def test_district5_with_the_product_pipeline(tmp_path: Path) -> None:
    out = product_pipeline(d5_files(), tmp_path, "--min-sensors", "4")  # a four-sensor array
    [shot] = [o for o in out if "incident" not in o]
    assert haversine_m(shot["position"]["lat"], shot["position"]["lon"], 41.69528, -87.63099) < 10
    assert shot["sensor_count"] == 4 and "too_few_sensors" in shot["warnings"]
    assert shot["clock_offsets"] == {}


def test_district7_with_the_product_pipeline(tmp_path: Path) -> None:
    """Seven rounds from a car driving south, on six sensors, one of them with its clock about 20-35 ms
    behind (how much depends on the speed of sound, which five sensors cannot pin down): the burst is
    tracked, the clock offset found and named, and every round located near the independent solver's
    position for it, with the default settings."""
    out = product_pipeline(d7_files(), tmp_path)
    shots = [o for o in out if "incident" not in o]
    [summary] = [o for o in out if "incident" in o]
    assert summary["rounds"] == 7 and summary["classification"] == "multiple gunshots"
    assert list(summary["clock_offsets"]) == ["SCP-01-BNG-1862"]
    metas, impulses = incident("d7")
    c = speed_of_sound(26.1)
    reference = [
        locate_leaving_out_worst(metas, [p.t_ns or 0 for p in r if p], c)[0] for r in associate(impulses)
    ]
    assert len(shots) == len(reference) == 7
    print()
    for shot, ref in zip(shots, reference, strict=True):
        lat, lon = shot["position"]["lat"], shot["position"]["lon"]
        off = haversine_m(lat, lon, ref.lat, ref.lon)
        print(
            f"{shot['time']}  {lat:.6f}, {lon:.6f}  {off:4.1f} m from the reference; "
            f"90% radius {shot['uncertainty']['radius_90_m']} m; sensors {shot['sensor_ids']}; "
            f"clock offsets {shot['clock_offsets']}"
        )
        assert off < 25
        assert abs(iso_ns(shot["time"]) - ref.t0_ns) < 30_000_000
        assert shot["sensor_count"] >= 5 and shot["burst_rounds"] == 7
        assert shot["uncertainty"]["radius_90_m"] < 25
        assert "SCP-00-BEN-0421" in shot["sensor_ids"]  # the sensor nearest the shooter
        [(sensor, clock)] = shot["clock_offsets"].items()
        assert sensor == "SCP-01-BNG-1862" and sensor in shot["sensor_ids"]
        assert -45 < clock["offset_ms"] < -15 and clock["uncertainty_ms"] > 0 and clock["rounds"] >= 3
        assert "sensor_clock_offset" in shot["warnings"]
    # South along the street, a few metres a round.
    first, last = shots[0]["position"], shots[-1]["position"]
    assert (
        last["lat"] < first["lat"]
        and 25 < haversine_m(first["lat"], first["lon"], last["lat"], last["lon"]) < 70
    )


def iso_ns(text: str) -> int:
    whole, _, frac = text.rstrip("Z").partition(".")
    seconds = int(datetime.fromisoformat(whole + "+00:00").timestamp())
    return seconds * 1_000_000_000 + int((frac + "000000000")[:9])

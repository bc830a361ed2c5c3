"""`rtcc gunshot locate FILE`: the input and output contract, in a local x/y/z frame and in lat/lon."""

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from rtcc.main import cli
from tests.engines.gunshot.synth import ORIGIN, Scene, grid_array

runner = CliRunner()
SPOT = (640.0, 470.0, 1.5)


def iso_ns(t_ns: int) -> str:
    seconds, ns = divmod(t_ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ns:09d}Z"


def write(tmp_path: Path, scene: Scene, *, geodetic: bool, epoch: bool = False) -> Path:
    items: list[dict[str, Any]] = []
    for p in scene.shuffled():
        time: Any = p.arrival_ns / 1e9 if epoch else iso_ns(p.arrival_ns)
        if geodetic:
            position = {"lat": p.lat, "lon": p.lon, "elevation_m": p.elevation_m}
        else:
            assert p.xyz is not None
            position = {"x": p.xyz[0], "y": p.xyz[1], "z": p.xyz[2]}
        items.append({"id": p.id, "sensor_id": p.sensor_id, "time": time, "position": position})
    path = tmp_path / "pulses.json"
    path.write_bytes(orjson.dumps({"temperature_c": 15.0, "pulses": items}))
    return path


def run(path: Path, *extra: str) -> list[dict[str, Any]]:
    result = runner.invoke(cli, ["gunshot", "locate", str(path), *extra])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_local_frame_in_local_frame_out(tmp_path: Path) -> None:
    scene = Scene(grid_array())
    scene.shoot(SPOT, 1.0, late={4: 0.03}, echoes={9: 0.2})
    scene.shoot(SPOT, 1.4)
    scene.noise(2, 7.0)
    shots = run(write(tmp_path, scene, geodetic=False))
    assert len(shots) == 2
    first = shots[0]
    assert set(first) >= {"time", "position", "uncertainty", "pulse_ids", "sensor_count"}
    assert set(first["position"]) == {"x", "y", "z"}
    assert math.dist((first["position"]["x"], first["position"]["y"]), SPOT[:2]) < 1.0
    assert first["sensor_count"] == 24 and len(first["pulse_ids"]) == 24  # the late one left out
    assert {"radius_90_m", "ellipse_semi_major_m", "ellipse_semi_minor_m", "ellipse_orientation_deg"} <= set(
        first["uncertainty"]
    )
    assert first["time"].endswith("Z") and first["time"] < shots[1]["time"]


def test_lat_lon_in_lat_lon_out_with_epoch_times(tmp_path: Path) -> None:
    scene = Scene(grid_array(), geodetic=True)
    scene.shoot(SPOT, 1.0)
    [shot] = run(write(tmp_path, scene, geodetic=True, epoch=True))
    assert set(shot["position"]) == {"lat", "lon", "elevation_m"}
    e, n, _ = ORIGIN.to_enu(shot["position"]["lat"], shot["position"]["lon"], shot["position"]["elevation_m"])
    assert math.dist((e, n), SPOT[:2]) < 1.5


def test_incident_lines_count_rounds(tmp_path: Path) -> None:
    scene = Scene(grid_array())
    for t in (1.0, 1.3, 1.9):
        scene.shoot(SPOT, t)
    lines = run(write(tmp_path, scene, geodetic=False), "--incidents")
    [incident] = [line for line in lines if line.get("incident")]
    assert incident["rounds"] == 3 and incident["classification"] == "multiple gunshots"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {"pulses": [{"id": "a", "sensor_id": "s", "position": {"x": 0, "y": 0}}]},
            "pulses[0].time: required",
        ),
        (
            {"pulses": [{"id": "a", "sensor_id": "s", "time": "noon", "position": {"x": 0, "y": 0}}]},
            "not an ISO-8601 time",
        ),
        (
            {"pulses": [{"id": "a", "sensor_id": "s", "time": 1, "position": {"east": 0}}]},
            "pulses[0].position",
        ),
        (
            {"pulses": [{"id": "a", "sensor_id": "s", "time": 1, "position": {"lat": 95, "lon": 0}}]},
            "out of range",
        ),
        ({"pulses": "none"}, 'an object with a "pulses" array'),
    ],
)
def test_bad_input_names_the_field(tmp_path: Path, doc: dict[str, Any], message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps(doc))
    result = runner.invoke(cli, ["gunshot", "locate", str(path)])
    assert result.exit_code == 2 and message in result.output.replace("\n", "")


def test_the_sensor_side_output_locates_as_it_is(tmp_path: Path) -> None:
    scene = Scene(grid_array(), geodetic=True)
    scene.shoot(SPOT, 1.0)
    path = tmp_path / "pulses.jsonl"
    lines = [
        orjson.dumps(
            {
                "sensor_id": p.sensor_id,
                "t_ns": p.arrival_ns,
                "lat": p.lat,
                "lon": p.lon,
                "elevation_m": p.elevation_m,
                "temperature_c": 15.0,
            }
        )
        for p in scene.shuffled()
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    [shot] = run(path)
    e, n, _ = ORIGIN.to_enu(shot["position"]["lat"], shot["position"]["lon"], shot["position"]["elevation_m"])
    assert math.dist((e, n), SPOT[:2]) < 1.5 and shot["sensor_count"] == 25


def test_the_alert_report_counts_outcomes_per_month(
    monkeypatch: pytest.MonkeyPatch, database_url: str, world: Any, db: Any
) -> None:
    from datetime import timedelta

    from rtcc.storage.live_state import SqlLiveState

    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    live = SqlLiveState(db)
    base = datetime(2026, 10, 30, tzinfo=UTC)
    outcomes = ["gunfire_confirmed", "no_evidence", None, "not_gunfire", "gunfire_confirmed"]
    rows = [
        {
            "id": f"GS-{i}",
            "agency_id": world.agency_id,
            "kind": "gunshot",
            "severity": "high",
            "title": "Single gunshot",
            "detail": {},
            "raised_at": base + timedelta(days=i),
            "status": "closed" if outcome else "new",
            "outcome": outcome,
        }
        for i, outcome in enumerate(outcomes)
    ]
    live.register("alert", rows)
    result = runner.invoke(
        cli, ["report", "alerts", "--kind", "gunshot", "--json", "--agency", world.agency_id]
    )
    assert result.exit_code == 0, result.output
    lines = {line["period"]: line for line in json.loads(result.stdout)}
    assert (lines["2026-10"]["alerts"], lines["2026-10"]["with_outcome"], lines["2026-10"]["confirmed"]) == (
        2,
        2,
        1,
    )
    assert (lines["2026-11"]["alerts"], lines["2026-11"]["with_outcome"], lines["2026-11"]["confirmed"]) == (
        3,
        2,
        1,
    )
    assert lines["total"]["precision"] == 0.5
    table = runner.invoke(cli, ["report", "alerts", "--kind", "gunshot", "--agency", world.agency_id])
    assert "50.0%" in table.stdout

"""The `rtcc` commands an operator runs: replay, status, dead letters, accounts, the simulator to a file."""

import asyncio
import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from rtcc.ingest.replay import paced_batches
from rtcc.main import cli
from rtcc.storage.accounts import Accounts
from rtcc.storage.db import Database
from tests.conftest import World

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)


def rtcc(*args: str) -> str:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def envelope(i: int) -> dict[str, object]:
    return {
        "id": f"r{i}",
        "type": "unit.location",
        "occurred_at": f"2026-11-21T20:00:{i:02d}Z",
        "location": {"lat": 39.96, "lon": -82.99},
        "payload": {"unit_id": f"U{i}"},
    }


def test_replay_json_lines_then_status_and_dead_letters(tmp_path: Path, world: World) -> None:
    file = tmp_path / "avl.jsonl"
    lines = [orjson.dumps(envelope(i)) for i in range(5)] + [
        b'{"id": "broken"',
        orjson.dumps(envelope(9) | {"type": "nope"}),
    ]
    file.write_bytes(b"\n".join(lines) + b"\n")
    out = rtcc("replay", str(file), "--source", "cad", "--speed", "0")
    assert "accepted 5, duplicates 0, rejected 2" in out
    assert "accepted 0, duplicates 5, rejected 2" in rtcc(
        "replay", str(file), "--source", "cad", "--speed", "0"
    )

    status = json.loads(rtcc("status", "--json"))
    [cad] = [f for f in status["feeds"] if f["source"] == "cad"]
    assert (cad["arrived"], cad["accepted"], cad["rejected"], cad["duplicates"]) == (14, 5, 4, 5)
    assert status["events_by_type"] == {"unit.location": 5}
    assert status["dead_letters"] == 4

    letters = json.loads(rtcc("deadletter", "list", "--source", "cad", "--json"))
    assert {(d["transport"], d["errors"][0]["field"]) for d in letters} == {
        ("replay", "(item)"),
        ("replay", "type"),
    }
    assert any("line 6: not valid JSON" in d["errors"][0]["reason"] for d in letters)
    table = rtcc("deadletter", "list")
    assert "unknown event type" in table


def test_replay_csv_for_native_and_for_plate_reads(tmp_path: Path, world: World, db: Database) -> None:
    native = tmp_path / "status.csv"
    native.write_text(
        "id,type,occurred_at,unit_id,status\n"
        "s1,unit.status,2026-11-21T20:00:00Z,1A12,en_route\n"
        "s2,unit.status,2026-11-21T20:00:05Z,1A12,teleporting\n"
    )
    assert "accepted 1, duplicates 0, rejected 1" in rtcc(
        "replay", str(native), "--source", "cad", "--speed", "0"
    )
    reads = tmp_path / "reads.csv"
    reads.write_text(
        "plate,state,time,latitude,longitude,reader_id,confidence\n"
        "HJK 4821,OH,2026-11-21T20:00:00Z,39.96,-82.99,R1,91\n"
        ",OH,2026-11-21T20:00:01Z,39.96,-82.99,R1,40\n"
    )
    out = rtcc("replay", str(reads), "--source", "alpr", "--speed", "0")
    assert "accepted 1, duplicates 0, rejected 1" in out
    letters = json.loads(rtcc("deadletter", "list", "--source", "alpr", "--json"))
    assert letters[0]["errors"][0] == {"field": "plate", "reason": "required: no plate characters were read"}


def test_replay_refuses_an_unknown_source(tmp_path: Path, world: World) -> None:
    file = tmp_path / "x.jsonl"
    file.write_text("{}\n")
    result = runner.invoke(cli, ["replay", str(file), "--source", "nowhere"])
    assert result.exit_code == 1 and "no source named 'nowhere'" in result.output


def test_replay_releases_items_in_their_own_time() -> None:
    items = [envelope(0), envelope(0) | {"id": "b"}, envelope(1) | {"occurred_at": "2026-11-21T20:01:00Z"}]

    async def collect() -> list[int]:
        return [len(b) async for b in paced_batches(iter(items), speed=1000)]

    # a minute apart at 1000x is 60 ms: the third item waits for its own batch
    assert asyncio.run(collect()) == [2, 1]


def test_accounts_from_the_command_line(world: World, db: Database) -> None:
    out = rtcc("user", "create", "dispatcher9", "--role", "operator", "--agency", world.agency_id)
    password = out.strip().rsplit("password: ", 1)[1]
    assert Accounts(db).authenticate("dispatcher9", password).user is not None
    out = rtcc("source", "create", "lpr-west", "--adapter", "alpr", "--agency", world.agency_id)
    key = out.strip().rsplit("API key: ", 1)[1]
    source = Accounts(db).source_for_key(key)
    assert source is not None and source.name == "lpr-west" and source.adapter == "alpr"
    bad = runner.invoke(cli, ["source", "create", "x", "--adapter", "telex", "--agency", world.agency_id])
    assert bad.exit_code == 1 and "no adapter 'telex'" in bad.output


def test_the_simulator_writes_the_same_city_for_the_same_seed(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    rtcc("simulate", "--seed", "3", "--duration", "300", "--out", str(a))
    rtcc("simulate", "--seed", "3", "--duration", "300", "--out", str(b))
    rtcc("simulate", "--seed", "4", "--duration", "300", "--out", str(c))
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    types = {orjson.loads(line)["type"] for line in a.read_bytes().splitlines()}
    assert {"unit.location", "alpr.read", "sensor.heartbeat"} <= types


def test_a_production_server_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCC_MODE", "production")
    monkeypatch.delenv("RTCC_SECRET_KEY", raising=False)
    result = runner.invoke(cli, ["status"])
    assert result.exit_code == 2 and "RTCC_SECRET_KEY" in result.output

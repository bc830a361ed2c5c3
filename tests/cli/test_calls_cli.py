"""`rtcc import calls` on San Francisco's real export, `rtcc report response-times`, `rtcc import records`
and `rtcc eido export|import`."""

import csv
import json
import statistics
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from typer.testing import CliRunner

from rtcc.main import cli
from rtcc.storage.cad import CadStore
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]
SF_CSV = ROOT.parent / "shared" / "data" / "calls" / "sf_fire_calls_for_service_2016w53.csv"
SF_MAP = ROOT / "mappings" / "sf_fire_calls.yaml"
runner = CliRunner()
pytestmark = pytest.mark.skipif(not SF_CSV.exists(), reason="San Francisco calls not present")


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)


def rtcc(*args: str) -> str:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def sf_expected() -> dict[str, list[float]]:
    """Response intervals computed straight from the CSV, independently of the importer."""
    zone = ZoneInfo("America/Los_Angeles")
    fmt = "%m/%d/%Y %I:%M:%S %p"

    def t(text: str) -> datetime | None:
        return datetime.strptime(text, fmt).replace(tzinfo=zone) if text else None

    per_call: dict[str, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    with SF_CSV.open(encoding="latin-1", newline="") as fh:
        for row in csv.DictReader(fh):
            c = per_call[row["Call Number"]]
            for name, col in (("rec", "Received DtTm"), ("dis", "Dispatch DtTm"), ("on", "On Scene DtTm")):
                value = t(row[col])
                if value is not None:
                    c[name].append(value)
    out: dict[str, list[float]] = defaultdict(list)
    for c in per_call.values():
        rec, dis, on = min(c["rec"]), min(c["dis"], default=None), min(c["on"], default=None)
        if dis is not None and dis >= rec:
            out["received_to_dispatched"].append((dis - rec).total_seconds())
        if dis is not None and on is not None and on >= dis:
            out["dispatched_to_on_scene"].append((on - dis).total_seconds())
        if on is not None and on >= rec:
            out["received_to_on_scene"].append((on - rec).total_seconds())
    return out


def test_san_francisco_calls_import_with_their_mapping_and_give_the_right_response_times(
    world: World, db: Database
) -> None:
    out = json.loads(
        rtcc("import", "calls", str(SF_CSV), "--mapping", str(SF_MAP), "--agency", "cpd", "--json")
    )
    assert out["rows"] == 7704
    assert out["imported"] == 3560  # every call of the week (SOURCES.md: 3,560 calls)
    assert out["rejected"] == []
    # A call answered by two units keeps both, each with its own stage times, in UTC.
    call = CadStore(db).get("cpd", "163664036")
    assert call is not None
    assert call.call_type.value == "MEDICAL" and call.type_code == "Medical Incident"
    assert call.priority.value == "high" and call.status.value == "cleared"
    assert call.address == "0 Block of MARINA BLVD"
    assert call.lat == pytest.approx(37.8051625655624) and call.lon == pytest.approx(-122.432957440518)
    assert call.received_at.isoformat() == "2017-01-01T07:52:01+00:00"  # 11:52:01 PM Pacific
    assert {u.unit_id for u in call.units} == {"E38", "AM30"}
    e38 = next(u for u in call.units if u.unit_id == "E38")
    assert e38.on_scene_at is not None and e38.on_scene_at.isoformat() == "2017-01-01T08:00:32+00:00"
    assert call.on_scene_at == e38.on_scene_at  # the first unit on scene
    assert call.disposition == "Code 2 Transport"

    report = json.loads(rtcc("report", "response-times", "--json", "--agency", "cpd"))
    overall = next(g for g in report if g["group"] == "all")
    assert overall["calls"] == 3560
    for name, spans in sf_expected().items():
        got = overall["intervals"][name]
        assert got["count"] == len(spans), name
        assert got["median_s"] == pytest.approx(statistics.median(spans)), name
        ordered = sorted(spans)
        k = (len(ordered) - 1) * 0.9
        lo = int(k)
        p90 = ordered[lo] + (ordered[min(lo + 1, len(ordered) - 1)] - ordered[lo]) * (k - lo)
        assert got["p90_s"] == pytest.approx(p90), name

    by_priority = {
        g["group"]: g
        for g in json.loads(rtcc("report", "response-times", "--by", "priority", "--json", "--agency", "cpd"))
    }
    assert set(by_priority) == {"highest", "high", "normal", "all"}
    # Emergencies get there faster than non-emergencies.
    assert (
        by_priority["high"]["intervals"]["received_to_on_scene"]["median_s"]
        < by_priority["normal"]["intervals"]["received_to_on_scene"]["median_s"]
    )
    table = rtcc("report", "response-times", "--by", "type", "--agency", "cpd")
    assert "Medical" in table and "Alarms" in table

    # Importing the same export again changes nothing.
    again = json.loads(
        rtcc("import", "calls", str(SF_CSV), "--mapping", str(SF_MAP), "--json", "--agency", "cpd")
    )
    assert again["imported"] == 3560
    assert json.loads(rtcc("report", "response-times", "--json", "--agency", "cpd"))[-1]["calls"] == 3560


def test_bad_rows_are_refused_by_field_and_kept_as_dead_letters(
    tmp_path: Path, world: World, db: Database
) -> None:
    lines = SF_CSV.read_text(encoding="latin-1").splitlines()
    header, good = lines[0], lines[1]
    bad_time = good.replace("12/31/2016 11:57:56 PM", "31/12/2016 23:57", 1)
    bad_place = good.replace("163664050", "999", 1).replace(
        '"(37.745858648581, -122.456664252061)"', "nowhere"
    )
    (tmp_path / "few.csv").write_text(
        "\n".join([header, good, bad_time, bad_place]) + "\n", encoding="latin-1"
    )
    out = json.loads(
        rtcc(
            "import",
            "calls",
            str(tmp_path / "few.csv"),
            "--mapping",
            str(SF_MAP),
            "--json",
            "--agency",
            "cpd",
        )
    )
    assert out["imported"] == 1
    refused = {r["row"]: r["errors"] for r in out["rejected"]}
    assert refused[2][0]["field"] == "received" and "Received DtTm" in refused[2][0]["reason"]
    assert refused[3][0]["field"] == "location" and "nowhere" in refused[3][0]["reason"]
    letters = SqlEventStore(db).dead_letters(limit=10)
    assert {d.transport for d in letters} == {"import:calls"}
    assert len(letters) == 2


def test_a_mapping_that_misses_a_required_column_is_refused(tmp_path: Path, world: World) -> None:
    (tmp_path / "m.yaml").write_text("kind: calls\ncolumns:\n  call_id: Call Number\n  cal_type: Call Type\n")
    result = runner.invoke(cli, ["import", "calls", str(SF_CSV), "--mapping", str(tmp_path / "m.yaml")])
    assert result.exit_code == 2
    assert "columns.cal_type: unknown field" in result.output
    assert "columns.received: required field has no column" in result.output


def test_records_import_through_a_mapping_refuses_intelligence_without_basis(
    tmp_path: Path, world: World
) -> None:
    (tmp_path / "links.csv").write_text(
        "id,from,to,type,src,date,intel,why\n"
        "L1,P1,P2,family,DMV household,2024-01-05,no,\n"
        "L2,P1,P3,associate,gang unit,2025-03-01,yes,CI report 25-118: sells firearms with P1\n"
        "L3,P2,P3,associate,gang unit,2025-03-01,yes,\n"
    )
    (tmp_path / "links.yaml").write_text(
        "kind: links\ncolumns:\n  link_id: id\n  person_a: from\n  person_b: to\n  kind: type\n"
        "  source: src\n  entered: date\n  intelligence: intel\n  basis: why\n"
    )
    out = json.loads(
        rtcc(
            "import",
            "records",
            "links",
            str(tmp_path / "links.csv"),
            "--mapping",
            str(tmp_path / "links.yaml"),
            "--json",
            "--agency",
            "cpd",
        )
    )
    assert out["imported"] == 2
    assert out["rejected"][0]["row"] == 3
    assert "basis" in out["rejected"][0]["errors"][0]["reason"]


def test_eido_export_then_import_gives_the_same_incident(tmp_path: Path, world: World, db: Database) -> None:
    rtcc("import", "calls", str(SF_CSV), "--mapping", str(SF_MAP), "--agency", "cpd")
    doc = orjson.loads(rtcc("eido", "export", "163664036", "--agency", "cpd"))
    assert doc["incidentComponent"][0]["incidentTypeCommonRegistryText"] == "MEDICAL"
    original = CadStore(db).get("cpd", "163664036")
    (tmp_path / "e.json").write_bytes(orjson.dumps(doc))
    rtcc("eido", "import", str(tmp_path / "e.json"), "--agency", "fcso")
    assert CadStore(db).get("fcso", "163664036") == original.model_copy(update={"agency_id": "fcso"})  # type: ignore[union-attr]

"""Retention runs on aged data: what is past its policy goes, what an alert holds stays, the audit log is
never touched, and every run is recorded for the report."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from rtcc.app import create_app
from rtcc.config import Settings
from rtcc.domain.errors import FieldError
from rtcc.domain.geo import Location
from rtcc.domain.ports import DeadLetter, NewEvent
from rtcc.domain.records import LinkKind, PersonLink
from rtcc.main import cli
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.live_state import SqlLiveState
from rtcc.storage.plate_reads import PlateReads
from rtcc.storage.records import RecordsStore
from rtcc.storage.retention import Retention
from rtcc.storage.tables import plate_vocab
from rtcc.video.clips import recordings_purger
from tests.conftest import World, login

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
POLICIES = ["plate_reads", "events", "calls", "dead_letters", "video", "intelligence_records"]


def retention_of(db: Database, settings: Settings, data_root: Path | None = None) -> Retention:
    """The policies as the server runs them (video under ``data_root``, nowhere when not given)."""
    files = {"video": recordings_purger(data_root or Path("/nonexistent-rtcc-data"))}
    return Retention(db, AuditLog(db), settings.retention_policies(), files=files)


def event(world: World, eid: str, type_: str, days_ago: float, payload: dict[str, object]) -> NewEvent:
    when = NOW - timedelta(days=days_ago)
    return NewEvent(
        eid,
        type_,
        world.source_ids["cad"],
        world.agency_id,
        when,
        when,
        Location(lat=39.96, lon=-82.99),
        payload,
    )


@pytest.fixture
def aged(db: Database, world: World) -> None:
    store = SqlEventStore(db)
    read = {"reader_id": "R1", "plate": "HJK4821"}
    ping = {"unit_id": "1A12"}
    store.append(
        world.source_ids["cad"],
        [
            event(world, "read-new", "alpr.read", 5, read),
            event(world, "read-old", "alpr.read", 45, read),
            event(world, "read-old-hit", "alpr.read", 45, read),
            event(world, "ping-new", "unit.location", 100, ping),
            event(world, "ping-old", "unit.location", 400, ping),
        ],
        [
            DeadLetter(
                NOW - timedelta(days=120),
                "http",
                [FieldError(field="x", reason="y")],
                "{}",
                world.source_ids["cad"],
                0,
            )
        ],
    )
    SqlLiveState(db).register(
        "alert",
        [
            {
                "id": "hit-1",
                "agency_id": world.agency_id,
                "kind": "alpr.hit",
                "severity": "high",
                "title": "Stolen vehicle HJK4821",
                "detail": {"read_event_id": "read-old-hit"},
                "raised_at": NOW - timedelta(days=45),
                "status": "new",
            }
        ],
    )
    AuditLog(db).record(action="search", resource="old", outcome="success", at=NOW - timedelta(days=400))


def remaining(db: Database) -> set[str]:
    return {e.id for e in SqlEventStore(db).query(limit=100)}


def test_a_run_purges_what_is_past_its_policy_and_records_it(
    aged: None, db: Database, settings: Settings, world: World
) -> None:
    retention = retention_of(db, settings)
    runs = {r.policy: r for r in retention.run(now=NOW)}
    assert remaining(db) == {"read-new", "read-old-hit", "ping-new"}
    # The plate index goes with the reads: a purged read cannot be found by a plate search either.
    found = PlateReads(db).search([world.agency_id], pattern="HJK4821")
    assert sorted(r.event_id for r in found) == ["read-new", "read-old-hit"]
    assert (runs["plate_reads"].purged, runs["plate_reads"].kept_on_hold) == (1, 1)
    assert runs["events"].purged == 1 and runs["dead_letters"].purged == 1
    assert runs["plate_reads"].cutoff == NOW - timedelta(days=30)
    # the audit log is kept: the 400-day-old entry is still there, and each purge was audited
    audit = AuditLog(db)
    assert audit.entries(action="search")[0].resource == "old"
    assert {e.resource for e in audit.entries(action="retention.purge")} == {
        "plate_reads",
        "events",
        "dead_letters",
    }
    assert audit.verify().intact
    # a second run finds nothing more, and says so
    again = {r.policy: r.purged for r in retention.run(now=NOW)}
    assert set(again.values()) == {0}
    assert len(retention.report()) == 2 * len(POLICIES)


def test_the_agencys_period_is_configurable(aged: None, db: Database, database_url: str) -> None:
    settings = Settings(mode="demo", database_url=database_url, retention_plate_reads_days=60)
    retention_of(db, settings).run(now=NOW)
    assert "read-old" in remaining(db)


def test_retention_runs_by_itself_and_reports_over_the_api(
    aged: None, database_url: str, world: World
) -> None:
    settings = Settings(mode="demo", database_url=database_url)
    with TestClient(create_app(settings)) as client:
        auditor = login(client, "auditor")
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        report: dict[str, object] = {}
        while datetime.now(UTC) < deadline:
            report = client.get("/api/v1/retention", headers=auditor).json()
            if report["runs"]:
                break
        assert {p["name"] for p in report["policies"]} == set(POLICIES)  # type: ignore[union-attr]
        assert {r["policy"] for r in report["runs"]} >= {"plate_reads", "events"}  # type: ignore[union-attr]


def test_the_command_line_report(
    aged: None, db: Database, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(cli, ["retention", "run"]).exit_code == 0
    result = runner.invoke(cli, ["retention", "report", "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert [p["name"] for p in doc["policies"]] == POLICIES
    assert len(doc["runs"]) == len(POLICIES)


def test_intelligence_records_go_at_their_review_date_unless_revalidated(
    db: Database, settings: Settings
) -> None:
    """28 CFR 23.20(h): reviewed within five years, or purged."""
    store = RecordsStore(db)
    entered = (NOW - timedelta(days=5 * 365)).date()
    links = [
        PersonLink(
            link_id=lid,
            person_a="P1",
            person_b=other,
            kind=LinkKind.ASSOCIATE,
            source="gang unit",
            entered=entered,
            intelligence=True,
            basis="CI report 21-44",
            review_date=(NOW - timedelta(days=1)).date(),
        )
        for lid, other in (("lapsed", "P2"), ("revalidated", "P3"))
    ]
    family = PersonLink(
        link_id="family", person_a="P1", person_b="P4", kind=LinkKind.FAMILY, source="DMV", entered=entered
    )
    store.upsert("links", "cpd", [*links, family])
    assert store.revalidate(
        "cpd", "revalidated", "CI re-interviewed, still supplying", (NOW + timedelta(days=900)).date()
    )
    runs = {r.policy: r for r in retention_of(db, settings).run(now=NOW)}
    assert runs["intelligence_records"].purged == 1
    assert store.counts("cpd")["links"] == 2  # the re-validated record and the (non-intelligence) family link
    purge = [
        e for e in AuditLog(db).entries(action="retention.purge") if e.resource == "intelligence_records"
    ]
    assert purge and purge[0].detail["purged"] == 1


def test_a_plate_whose_reads_are_all_purged_is_forgotten_by_searches(
    db: Database, settings: Settings, world: World
) -> None:
    """Searches by the middle of a plate go through the list of plates ever read; a plate must leave that
    list with its last read, or the system would keep plates past their retention."""
    store = SqlEventStore(db)
    store.append(
        world.source_ids["cad"],
        [
            event(world, "gone", "alpr.read", 45, {"reader_id": "R1", "plate": "QWE7X91"}),
            event(world, "kept", "alpr.read", 5, {"reader_id": "R1", "plate": "RTY7X92"}),
        ],
        [],
    )
    before = PlateReads(db).search([world.agency_id], pattern="*7X9*")
    assert sorted(r.plate for r in before) == ["QWE7X91", "RTY7X92"]
    retention_of(db, settings).run(now=NOW)
    with db.read() as conn:
        vocabulary = set(conn.execute(select(plate_vocab.c.plate)).scalars())
    assert "QWE7X91" not in vocabulary and "RTY7X92" in vocabulary
    assert [r.plate for r in PlateReads(db).search([world.agency_id], pattern="*7X9*")] == ["RTY7X92"]


def test_recorded_video_goes_after_its_period_and_exported_clips_stay(
    db: Database, monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> None:
    """Recorded camera video is kept for RTCC_RETENTION_VIDEO_DAYS; the retention run deletes older recorded
    segments by itself, reports how many, and leaves exported clips (evidence) and other files alone."""
    now = datetime.now(UTC)
    camera = tmp_path / "recordings" / "CAM-1-0a1b2c3d"
    camera.mkdir(parents=True)

    def segment(days_ago: float) -> Path:
        path = camera / f"{now - timedelta(days=days_ago):%Y%m%dT%H%M%SZ}.ts"
        path.write_bytes(b"\x47" * 188)
        return path

    old = [segment(45), segment(45 - 2 / 86400)]
    recent = [segment(29), segment(0.001)]
    clip = tmp_path / "clips" / "clip-1.mp4"
    clip.parent.mkdir()
    clip.write_bytes(b"evidence")
    note = camera / "README.txt"
    note.write_text("not a segment")

    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli, ["retention", "run"]).exit_code == 0
    assert not any(p.exists() for p in old)
    assert all(p.exists() for p in recent) and clip.exists() and note.exists()

    doc = json.loads(runner.invoke(cli, ["retention", "report", "--json"]).stdout)
    [video] = [r for r in doc["runs"] if r["policy"] == "video"]
    assert (video["purged"], video["keep_days"]) == (2, 30)
    [audited] = [e for e in AuditLog(db).entries(action="retention.purge") if e.resource == "video"]
    assert audited.detail["purged"] == 2


def test_a_policy_nobody_carries_out_is_refused(db: Database, settings: Settings) -> None:
    """A server must not claim a retention period it does not enforce."""
    with pytest.raises(ValueError, match="no retention rule for video"):
        Retention(db, AuditLog(db), settings.retention_policies())

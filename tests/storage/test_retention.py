"""Retention runs on aged data: what is past its policy goes, what an alert holds stays, the audit log is
never touched, and every run is recorded for the report."""

import json
from datetime import UTC, datetime, timedelta

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
from tests.conftest import World, login

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


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
    retention = Retention(db, AuditLog(db), settings.retention_policies())
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
    assert len(retention.report()) == 10


def test_the_agencys_period_is_configurable(aged: None, db: Database, database_url: str) -> None:
    settings = Settings(mode="demo", database_url=database_url, retention_plate_reads_days=60)
    Retention(db, AuditLog(db), settings.retention_policies()).run(now=NOW)
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
        assert {p["name"] for p in report["policies"]} == {
            "plate_reads",
            "events",
            "calls",
            "dead_letters",
            "intelligence_records",
        }  # type: ignore[union-attr]
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
    assert [p["name"] for p in doc["policies"]] == [
        "plate_reads",
        "events",
        "calls",
        "dead_letters",
        "intelligence_records",
    ]
    assert len(doc["runs"]) == 5


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
    runs = {r.policy: r for r in Retention(db, AuditLog(db), settings.retention_policies()).run(now=NOW)}
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
    Retention(db, AuditLog(db), settings.retention_policies()).run(now=NOW)
    with db.read() as conn:
        vocabulary = set(conn.execute(select(plate_vocab.c.plate)).scalars())
    assert "QWE7X91" not in vocabulary and "RTY7X92" in vocabulary
    assert [r.plate for r in PlateReads(db).search([world.agency_id], pattern="*7X9*")] == ["RTY7X92"]

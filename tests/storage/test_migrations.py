"""The Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from rtcc.storage.db import Database, upgrade
from rtcc.storage.plate_reads import PlateReads
from rtcc.storage.tables import agencies, events, metadata, sources


def test_migrated_schema_matches_the_tables_in_code(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_migrating_twice_is_harmless_and_sqlite_uses_wal(db: Database) -> None:
    db.migrate()
    db.migrate()
    assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())
    if db.is_sqlite:
        with db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_plate_reads_stored_before_the_plate_index_existed_are_found_after_upgrading(tmp_path: Path) -> None:
    """Upgrading an installation that already holds plate reads indexes them, so searches see them."""
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db.engine, "0009")
    now = datetime.now(UTC)
    with db.write() as conn:
        conn.execute(agencies.insert().values(id="cpd", name="Columbus", created_at=now))
        conn.execute(
            sources.insert().values(
                id="s1",
                agency_id="cpd",
                name="alpr",
                adapter="alpr",
                config={},
                key_prefix="p",
                key_hash="h",
                enabled=True,
                created_at=now,
            )
        )
        for i, plate in enumerate(("HJK4821", "ABC1234")):
            conn.execute(
                events.insert().values(
                    id=f"r{i}",
                    source_id="s1",
                    agency_id="cpd",
                    type="alpr.read",
                    occurred_at=now,
                    received_at=now,
                    lat=39.96,
                    lon=-82.99,
                    location={"lat": 39.96, "lon": -82.99},
                    payload={"plate": plate, "reader_id": "R1"},
                )
            )
        conn.execute(
            events.insert().values(
                id="u1",
                source_id="s1",
                agency_id="cpd",
                type="unit.location",
                occurred_at=now,
                received_at=now,
                payload={"unit_id": "1A12"},
            )
        )
    db.migrate()
    found = PlateReads(db).search(["cpd"], pattern="*4821")
    assert [(r.event_id, r.plate, r.reader_id) for r in found] == [("r0", "HJK4821", "R1")]
    assert {r.event_id for r in PlateReads(db).search(["cpd"], pattern="*1*")} == {"r0", "r1"}
    # and puts their plates in the vocabulary, so a search by the middle of a plate finds them too
    assert [r.event_id for r in PlateReads(db).search(["cpd"], pattern="*K48*")] == ["r0"]
    assert [r.event_id for r in PlateReads(db).search(["cpd"], pattern="?BC12*")] == ["r1"]
    db.dispose()

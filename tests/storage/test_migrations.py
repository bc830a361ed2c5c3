"""The Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL alike."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from rtcc.storage.db import Database
from rtcc.storage.tables import metadata


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

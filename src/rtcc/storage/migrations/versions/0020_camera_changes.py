"""camera changes: a log, kept by triggers, of which cameras were added, moved, turned, removed or changed
status, for the in-memory camera index of every process

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# What the index holds of a camera; a change to anything else (name, addresses, owner) is not logged.
WATCHED = (
    "id",
    "agency_id",
    "lat",
    "lon",
    "heading_deg",
    "fov_deg",
    "range_m",
    "ptz",
    "mount_height_m",
    "status",
)
# An arbitrary constant naming the advisory lock that orders camera changes on PostgreSQL (the event store
# uses another).
CHANGES_LOCK_KEY = 0x72746364


def upgrade() -> None:
    seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "camera_changes",
        sa.Column("seq", seq, autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_camera_changes")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
    op.execute(
        "CREATE TRIGGER camera_changes_insert AFTER INSERT ON cameras "
        "BEGIN INSERT INTO camera_changes (camera_id) VALUES (NEW.id); END"
    )
    op.execute(
        "CREATE TRIGGER camera_changes_delete AFTER DELETE ON cameras "
        "BEGIN INSERT INTO camera_changes (camera_id) VALUES (OLD.id); END"
    )
    op.execute(
        f"CREATE TRIGGER camera_changes_update AFTER UPDATE ON cameras WHEN {changed} "  # noqa: S608 (constants)
        "BEGIN INSERT INTO camera_changes (camera_id) VALUES (OLD.id); "
        "INSERT INTO camera_changes (camera_id) SELECT NEW.id WHERE NEW.id IS NOT OLD.id; END"
    )


def _postgres_triggers() -> None:
    # Every statement that writes cameras first takes the lock, held to the end of its transaction, before
    # it locks any camera row: so changes are numbered in commit order and no two writers can deadlock on it.
    op.execute(
        "CREATE FUNCTION rtcc_camera_changes_lock() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_advisory_xact_lock({CHANGES_LOCK_KEY}); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE FUNCTION rtcc_camera_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN INSERT INTO camera_changes (camera_id) VALUES (NEW.id); "
        "ELSIF TG_OP = 'DELETE' THEN INSERT INTO camera_changes (camera_id) VALUES (OLD.id); "
        "ELSE INSERT INTO camera_changes (camera_id) VALUES (OLD.id); "
        "IF NEW.id IS DISTINCT FROM OLD.id THEN INSERT INTO camera_changes (camera_id) VALUES (NEW.id); END IF; "
        "END IF; RETURN NULL; END $$"
    )
    old = ", ".join(f"OLD.{c}" for c in WATCHED)
    new = ", ".join(f"NEW.{c}" for c in WATCHED)
    op.execute(
        "CREATE TRIGGER camera_changes_order BEFORE INSERT OR UPDATE OR DELETE ON cameras "
        "FOR EACH STATEMENT EXECUTE FUNCTION rtcc_camera_changes_lock()"
    )
    op.execute(
        "CREATE TRIGGER camera_changes_insert_delete AFTER INSERT OR DELETE ON cameras "
        "FOR EACH ROW EXECUTE FUNCTION rtcc_camera_changed()"
    )
    op.execute(
        "CREATE TRIGGER camera_changes_update AFTER UPDATE ON cameras "
        f"FOR EACH ROW WHEN (({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION rtcc_camera_changed()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("camera_changes_update", "camera_changes_insert_delete", "camera_changes_order"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON cameras")
        op.execute("DROP FUNCTION IF EXISTS rtcc_camera_changed()")
        op.execute("DROP FUNCTION IF EXISTS rtcc_camera_changes_lock()")
    else:
        for name in ("camera_changes_update", "camera_changes_delete", "camera_changes_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("camera_changes")

"""footage and chain of custody

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rtcc.storage.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "recording_cameras",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_recording_cameras")),
    )
    op.create_table(
        "footage_clips",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("camera_name", sa.String(length=200), nullable=False),
        sa.Column("requested_start", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_end", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("clip_start", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("clip_end", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("case_number", sa.String(length=100), nullable=False),
        sa.Column("exported_by", sa.String(length=64), nullable=False),
        sa.Column("exported_by_name", sa.String(length=100), nullable=False),
        sa.Column("exported_at", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", SEQ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footage_clips")),
    )
    with op.batch_alter_table("footage_clips", schema=None) as batch_op:
        batch_op.create_index("ix_footage_clips_agency_exported", ["agency_id", "exported_at"], unique=False)
    op.create_table(
        "footage_custody",
        sa.Column("id", SEQ, autoincrement=True, nullable=False),
        sa.Column("clip_id", sa.String(length=64), nullable=False),
        sa.Column("at", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("source_ip", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=500), nullable=True),
        sa.Column("case_number", sa.String(length=100), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("hash_matched", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clip_id"], ["footage_clips.id"], name=op.f("fk_footage_custody_clip_id_footage_clips")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footage_custody")),
    )
    with op.batch_alter_table("footage_custody", schema=None) as batch_op:
        batch_op.create_index("ix_footage_custody_clip", ["clip_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("footage_custody", schema=None) as batch_op:
        batch_op.drop_index("ix_footage_custody_clip")
    op.drop_table("footage_custody")
    with op.batch_alter_table("footage_clips", schema=None) as batch_op:
        batch_op.drop_index("ix_footage_clips_agency_exported")
    op.drop_table("footage_clips")
    op.drop_table("recording_cameras")

"""camera health

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rtcc.storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_credentials",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("username_sealed", sa.Text(), nullable=False),
        sa.Column("password_sealed", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_camera_credentials")),
    )
    op.create_table(
        "camera_status_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("condition", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("at", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_status_history")),
    )
    with op.batch_alter_table("camera_status_history", schema=None) as batch_op:
        batch_op.create_index("ix_camera_status_history_camera_at", ["camera_id", "at"], unique=False)
    op.create_table(
        "camera_maintenance",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("ticket", sa.String(length=100), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_camera_maintenance")),
    )


def downgrade() -> None:
    op.drop_table("camera_maintenance")
    with op.batch_alter_table("camera_status_history", schema=None) as batch_op:
        batch_op.drop_index("ix_camera_status_history_camera_at")
    op.drop_table("camera_status_history")
    op.drop_table("camera_credentials")

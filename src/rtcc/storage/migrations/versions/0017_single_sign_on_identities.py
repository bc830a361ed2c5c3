"""single sign-on identities

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rtcc.storage.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("second_factor", sa.String(length=16), nullable=True))
    op.create_table(
        "sso_identities",
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("linked_at", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", rtcc.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sso_identities_user_id_users")),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_sso_identities")),
        sa.UniqueConstraint("issuer", "user_id", name="uq_sso_identities_issuer_user_id"),
    )
    op.create_table(
        "sso_requests",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("return_to", sa.String(length=20), nullable=False),
        sa.Column("created_at", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_sso_requests")),
    )
    with op.batch_alter_table("sso_requests", schema=None) as batch_op:
        batch_op.create_index("ix_sso_requests_created_at", ["created_at"], unique=False)
    op.create_table(
        "sso_second_steps",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("return_to", sa.String(length=20), nullable=False),
        sa.Column("created_at", rtcc.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sso_second_steps_user_id_users")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sso_second_steps")),
    )
    with op.batch_alter_table("sso_second_steps", schema=None) as batch_op:
        batch_op.create_index("ix_sso_second_steps_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("second_factor")
    with op.batch_alter_table("sso_second_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_sso_second_steps_created_at")
    op.drop_table("sso_second_steps")
    with op.batch_alter_table("sso_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_sso_requests_created_at")
    op.drop_table("sso_requests")
    op.drop_table("sso_identities")

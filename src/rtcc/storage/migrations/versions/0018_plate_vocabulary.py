"""plate vocabulary: every plate with a read, once, for searches by the middle of a plate

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plate_vocab",
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("plate", name=op.f("pk_plate_vocab")),
    )
    # Reads stored before this revision.
    op.execute("INSERT INTO plate_vocab (plate) SELECT DISTINCT plate FROM plate_reads")


def downgrade() -> None:
    op.drop_table("plate_vocab")

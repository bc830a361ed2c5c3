"""plate vocabulary and its trigrams: every plate with a read, once, for searches by the middle of a plate

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
    op.create_table(
        "plate_trigrams",
        sa.Column("trigram", sa.String(length=3), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["plate"],
            ["plate_vocab.plate"],
            name=op.f("fk_plate_trigrams_plate_plate_vocab"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trigram", "plate", name=op.f("pk_plate_trigrams")),
    )
    op.create_index("ix_plate_trigrams_plate", "plate_trigrams", ["plate"], unique=False)
    # Reads stored before this revision.
    op.execute("INSERT INTO plate_vocab (plate) SELECT DISTINCT plate FROM plate_reads")
    starts = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, 15))  # plates have 16 at most
    backfill = (
        "INSERT INTO plate_trigrams (trigram, plate) SELECT DISTINCT substr(v.plate, k.n, 3), v.plate "
        "FROM plate_vocab v JOIN (" + starts + ") k ON length(v.plate) >= k.n + 2"
    )
    op.execute(backfill)


def downgrade() -> None:
    op.drop_index("ix_plate_trigrams_plate", table_name="plate_trigrams")
    op.drop_table("plate_trigrams")
    op.drop_table("plate_vocab")

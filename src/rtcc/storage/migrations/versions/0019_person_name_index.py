"""person name index: family names are searched in any letter case

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_persons_family_name", "persons", ["agency_id", sa.text("lower(family_name)")])


def downgrade() -> None:
    op.drop_index("ix_persons_family_name", table_name="persons")

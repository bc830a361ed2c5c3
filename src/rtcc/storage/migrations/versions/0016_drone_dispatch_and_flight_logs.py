"""drone dispatch and flight logs

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rtcc.storage.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, rtcc.storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "drone_docks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        _at("updated_at", nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drone_docks")),
    )
    op.create_table(
        "drone_registrations",
        sa.Column("drone_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("dock_id", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("max_flight_s", sa.Float(), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=True),
        _at("registered_at", nullable=False),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("drone_id", name=op.f("pk_drone_registrations")),
    )
    with op.batch_alter_table("drone_registrations", schema=None) as batch_op:
        batch_op.create_index("ix_drone_registrations_dock_id", ["dock_id"], unique=False)

    op.create_table(
        "drone_flights",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("drone_id", sa.String(length=64), nullable=False),
        sa.Column("open_drone_id", sa.String(length=64), nullable=True),
        sa.Column("dock_id", sa.String(length=64), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("incident_id", sa.String(length=64), nullable=True),
        sa.Column("target_lat", sa.Float(), nullable=True),
        sa.Column("target_lon", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("eta_s", sa.Float(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        _at("opened_at", nullable=False),
        sa.Column("dispatched_by", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        _at("launched_at"),
        _at("arrived_at"),
        _at("returning_at"),
        _at("landed_at"),
        sa.Column("battery_start_pct", sa.Float(), nullable=True),
        sa.Column("battery_end_pct", sa.Float(), nullable=True),
        _at("last_report_at"),
        sa.Column("points", sa.Integer(), nullable=False),
        _at("closed_at"),
        sa.Column("closed_reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drone_flights")),
        sa.UniqueConstraint("open_drone_id", name="uq_drone_flights_open_drone_id"),
    )
    with op.batch_alter_table("drone_flights", schema=None) as batch_op:
        batch_op.create_index("ix_drone_flights_call_id", ["call_id"], unique=False)
        batch_op.create_index("ix_drone_flights_drone_id_opened_at", ["drone_id", "opened_at"], unique=False)

    op.create_table(
        "drone_flight_points",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("flight_id", sa.String(length=64), nullable=False),
        _at("at", nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("altitude_m", sa.Float(), nullable=False),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("battery_pct", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drone_flight_points")),
    )
    with op.batch_alter_table("drone_flight_points", schema=None) as batch_op:
        batch_op.create_index("ix_drone_flight_points_flight_id", ["flight_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("drone_flight_points", schema=None) as batch_op:
        batch_op.drop_index("ix_drone_flight_points_flight_id")
    op.drop_table("drone_flight_points")
    with op.batch_alter_table("drone_flights", schema=None) as batch_op:
        batch_op.drop_index("ix_drone_flights_drone_id_opened_at")
        batch_op.drop_index("ix_drone_flights_call_id")
    op.drop_table("drone_flights")
    with op.batch_alter_table("drone_registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_drone_registrations_dock_id")
    op.drop_table("drone_registrations")
    op.drop_table("drone_docks")

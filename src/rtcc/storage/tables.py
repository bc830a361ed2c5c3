"""Table definitions (SQLAlchemy Core). Alembic migrations create them; a test checks they agree."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from rtcc.storage.types import JsonDoc, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BigInteger on PostgreSQL, INTEGER (the rowid alias, so it autoincrements) on SQLite.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

agencies = Table(
    "agencies",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("ori", String(16)),
    Column("created_at", UTCDateTime(), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(32), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_login_at", UTCDateTime()),
    Column("locked_at", UTCDateTime()),
    Column("unlocked_at", UTCDateTime()),
    Column("totp_secret", String(200)),  # sealed (AES-GCM), never stored in the clear
    Column("mfa_enrolled_at", UTCDateTime()),
    Column("totp_last_step", BigInteger),  # a code is good once: the last time step used
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("source_ip", String(64)),
)

sources = Table(
    "sources",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("name", String(100), nullable=False, unique=True),
    Column("adapter", String(64), nullable=False),
    Column("config", JsonDoc, nullable=False),
    Column("key_prefix", String(32), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("id", String(128), nullable=False),
    Column("source_id", String(64), ForeignKey("sources.id"), nullable=False),
    Column("agency_id", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("location", JsonDoc),
    Column("payload", JsonDoc, nullable=False),
    UniqueConstraint("source_id", "id", name="uq_events_source_id_id"),
    Index("ix_events_type_seq", "type", "seq"),
    Index("ix_events_occurred_at", "occurred_at"),
)

# Committed events not yet published on the bus (transactional outbox).
outbox = Table(
    "outbox",
    metadata,
    Column(
        "seq", SeqType, ForeignKey("events.seq", ondelete="CASCADE"), primary_key=True, autoincrement=False
    ),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("source_id", String(64)),
    Column("transport", String(32), nullable=False),
    Column("item_index", Integer),
    Column("errors", JsonDoc, nullable=False),
    Column("raw", Text, nullable=False),
    Index("ix_dead_letters_received_at", "received_at"),
)

feed_counters = Table(
    "feed_counters",
    metadata,
    Column("source_id", String(64), primary_key=True),
    Column("accepted", BigInteger, nullable=False, default=0),
    Column("rejected", BigInteger, nullable=False, default=0),
    Column("duplicates", BigInteger, nullable=False, default=0),
    Column("last_received_at", UTCDateTime()),
)

calls = Table(
    "calls",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("call_id", String(64), primary_key=True),
    Column("call_type", String(32), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("address", String(300)),
    Column("incident_id", String(64)),
    Column("units", JsonDoc, nullable=False),
    Index("ix_calls_received_at", "received_at"),
)

units = Table(
    "units",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("heading_deg", Float),
    Column("speed_mps", Float),
    Column("incident_id", String(64)),
    Column("located_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
)

cameras = Table(
    "cameras",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("heading_deg", Float),
    Column("fov_deg", Float),
    Column("range_m", Float),
    Column("ptz", Boolean, nullable=False, default=False),
    Column("mount_height_m", Float),
    Column("stream_url", String(500)),
    Column("status", String(16), nullable=False, default="up"),
    Column("status_reason", String(200)),
    Column("status_changed_at", UTCDateTime()),
    Index("ix_cameras_lat_lon", "lat", "lon"),
)

sensors = Table(
    "sensors",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False, default="acoustic"),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("elevation_m", Float),
    Column("last_heartbeat_at", UTCDateTime()),
    Column("local_frame", JsonDoc),
)

drones = Table(
    "drones",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("dock_lat", Float),
    Column("dock_lon", Float),
    Column("lat", Float),
    Column("lon", Float),
    Column("altitude_m", Float),
    Column("battery_pct", Float),
    Column("state", String(32), nullable=False, default="docked"),
    Column("incident_id", String(64)),
    Column("updated_at", UTCDateTime()),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("title", String(300), nullable=False),
    Column("detail", JsonDoc, nullable=False),
    Column("raised_at", UTCDateTime(), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("status", String(32), nullable=False, default="new"),
    Column("outcome", String(64)),
    Column("outcome_at", UTCDateTime()),
    Column("outcome_by", String(100)),
    Column("outcome_note", Text),
    Index("ix_alerts_raised_at", "raised_at"),
    Index("ix_alerts_kind_raised_at", "kind", "raised_at"),
)

# What each retention run purged, under which policy: the retention report and the transparency page.
retention_runs = Table(
    "retention_runs",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("ran_at", UTCDateTime(), nullable=False),
    Column("policy", String(64), nullable=False),
    Column("keep_days", Integer, nullable=False),
    Column("cutoff", UTCDateTime(), nullable=False),
    Column("purged", BigInteger, nullable=False),
    Column("kept_on_hold", BigInteger, nullable=False),
    Index("ix_retention_runs_ran_at", "ran_at"),
)

# Recorded agreements under which one agency's data is visible to another (public) agency.
sharing_agreements = Table(
    "sharing_agreements",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner_agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("recipient_agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("kinds", JsonDoc, nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("legal_basis", String(500), nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime()),
    Column("created_by", String(100), nullable=False),
    Column("revoked_at", UTCDateTime()),
    Column("revoked_by", String(100)),
)

# Every release of data outside the agency: what, to whom, on what legal basis, and the package's hash.
disclosures = Table(
    "disclosures",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("recipient", String(300), nullable=False),
    Column("legal_basis", String(500), nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("case_number", String(100)),
    Column("criteria", JsonDoc, nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("package_sha256", String(64), nullable=False),
    Column("package", LargeBinary, nullable=False),
    Column("released_at", UTCDateTime(), nullable=False),
    Column("released_by", String(100), nullable=False),
    Index("ix_disclosures_released_at", "released_at"),
)

# Hash-chained: each entry's hash covers its content and the previous entry's hash.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("user_id", String(64)),
    Column("username", String(100)),
    Column("agency_id", String(64)),
    Column("action", String(64), nullable=False),
    Column("resource", String(300), nullable=False),
    Column("detail", JsonDoc, nullable=False),
    Column("purpose", String(300)),
    Column("outcome", String(32), nullable=False),
    Column("source_ip", String(64)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_at", "at"),
)

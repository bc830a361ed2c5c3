"""Table definitions (SQLAlchemy Core). Alembic migrations create them; a test checks they agree."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
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
    func,
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
    # "provider" when a single sign-on provider vouched for a second factor (see rtcc.api.deps).
    Column("second_factor", String(16)),
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
    Column("type_code", String(100)),
    Column("dispatched_at", UTCDateTime()),
    Column("en_route_at", UTCDateTime()),
    Column("on_scene_at", UTCDateTime()),
    Column("cleared_at", UTCDateTime()),
    Column("disposition", String(200)),
    Column("cell", BigInteger),  # grid cell of the location (domain.geo.grid_cell), for calls near a place
    Column("origin", String(32)),  # live, import, eido
    Index("ix_calls_received_at", "received_at"),
    # Covering: prior calls near a place are read from the index alone.
    Index(
        "ix_calls_cell", "agency_id", "cell", "received_at", "lat", "lon", "call_type", "call_id", "address"
    ),
    Index("ix_calls_incident_id", "agency_id", "incident_id"),
)

# Each unit on each call, with the times it reached each stage (several units answer one call).
call_units = Table(
    "call_units",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("call_id", String(64), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("dispatched_at", UTCDateTime()),
    Column("en_route_at", UTCDateTime()),
    Column("on_scene_at", UTCDateTime()),
    Column("cleared_at", UTCDateTime()),
    Index("ix_call_units_unit", "agency_id", "unit_id", "cleared_at"),
)

call_notes = Table(
    "call_notes",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("agency_id", String(64), nullable=False),
    Column("call_id", String(64), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("author", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_call_notes_call", "agency_id", "call_id"),
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
    Column("snapshot_url", String(500)),
    Column("owner", String(200)),
    Column("sharing", String(32)),  # registered, footage_on_request, live
    Column("status", String(16), nullable=False, default="up"),
    Column("status_reason", String(200)),
    Column("status_changed_at", UTCDateTime()),
    Index("ix_cameras_lat_lon", "lat", "lon"),
)

# One row per change to a camera's place, orientation, agency or status, written by database triggers whoever
# makes the change (the server, the command line, another server process): each process's camera index
# catches up by reading the rows after the last it saw. On PostgreSQL the triggers number changes in commit
# order, so a reader that has seen row N has seen every row before it.
camera_changes = Table(
    "camera_changes",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("camera_id", String(64), nullable=False),
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
    Column("status", String(32), nullable=False, default="new"),  # new, acknowledged, closed, dismissed
    Column("outcome", String(64)),
    Column("outcome_at", UTCDateTime()),
    Column("outcome_by", String(100)),
    Column("outcome_note", Text),
    Column("acknowledged_at", UTCDateTime()),
    Column("acknowledged_by", String(100)),
    Column("assigned_to", String(100)),
    Column("position_id", String(64)),
    Column("dismissed_at", UTCDateTime()),
    Column("dismissed_by", String(100)),
    Column("dismissed_reason", String(500)),
    Index("ix_alerts_raised_at", "raised_at"),
    Index("ix_alerts_kind_raised_at", "kind", "raised_at"),
    Index("ix_alerts_position_status", "position_id", "status"),
)

# The center's operator positions (desks, booths); alerts are routed to them, and each is held by at most
# one person at a time, who holds at most one.
positions = Table(
    "positions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", String(500)),
    Column("occupant_username", String(100)),
    Column("occupant_since", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("agency_id", "name", name="uq_positions_agency_id_name"),
    Index("ix_positions_occupant", "occupant_username", unique=True),
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


# ---- records behind the threat brief (imported from records systems, or the simulator's fictional city) --

persons = Table(
    "persons",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("family_name", String(100), nullable=False),
    Column("given_name", String(100), nullable=False),
    Column("birth_date", Date),
    Column("protected", JsonDoc, nullable=False),  # never read by scoring; see domain.records
    Column("source", String(100), nullable=False),
)
# Name searches ask for a family name in any letter case.
Index("ix_persons_family_name", persons.c.agency_id, func.lower(persons.c.family_name))

addresses = Table(
    "addresses",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("address_id", String(64), primary_key=True),
    Column("text", String(300), nullable=False),
    Column("norm", String(300), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("cell", BigInteger),
    Index("ix_addresses_norm", "agency_id", "norm"),
    Index("ix_addresses_cell", "agency_id", "cell"),
)

residences = Table(
    "residences",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("address_id", String(64), primary_key=True),
    Column("since", Date),
    Column("until", Date),
    Column("source", String(100), nullable=False),
    Index("ix_residences_address", "agency_id", "address_id"),
)

criminal_history = Table(
    "criminal_history",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("entry_id", String(64), primary_key=True),
    Column("person_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("nibrs_code", String(4), nullable=False),
    Column("description", String(200), nullable=False),
    Column("on", Date, nullable=False),
    Column("source", String(100), nullable=False),
    Index("ix_criminal_history_person", "agency_id", "person_id"),
)

warrants = Table(
    "warrants",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("warrant_id", String(64), primary_key=True),
    Column("person_id", String(64), nullable=False),
    Column("offense", String(200), nullable=False),
    Column("nibrs_code", String(4)),
    Column("issued", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("source", String(100), nullable=False),
    Index("ix_warrants_person", "agency_id", "person_id"),
)

protective_orders = Table(
    "protective_orders",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("order_id", String(64), primary_key=True),
    Column("restrained_person_id", String(64), nullable=False),
    Column("protected_person_id", String(64)),
    Column("address_id", String(64)),
    Column("issued", Date, nullable=False),
    Column("expires", Date),
    Column("terms", String(300), nullable=False),
    Column("source", String(100), nullable=False),
    Index("ix_protective_orders_restrained", "agency_id", "restrained_person_id"),
    Index("ix_protective_orders_protected", "agency_id", "protected_person_id"),
    Index("ix_protective_orders_address", "agency_id", "address_id"),
)

premise_cautions = Table(
    "premise_cautions",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("caution_id", String(64), primary_key=True),
    Column("address_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("text", String(500), nullable=False),
    Column("entered", Date, nullable=False),
    Column("expires", Date),
    Column("source", String(100), nullable=False),
    Index("ix_premise_cautions_address", "agency_id", "address_id"),
)

person_links = Table(
    "person_links",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("link_id", String(64), primary_key=True),
    Column("person_a", String(64), nullable=False),
    Column("person_b", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("source", String(100), nullable=False),
    Column("entered", Date, nullable=False),
    Column("intelligence", Boolean, nullable=False),
    Column("basis", Text),
    Column("review_date", Date),
    Column("criminal_investigation", String(64)),
    Column("about_views", Boolean, nullable=False),
    Index("ix_person_links_a", "agency_id", "person_a"),
    Index("ix_person_links_b", "agency_id", "person_b"),
    Index("ix_person_links_review", "intelligence", "review_date"),
)

# ---- the field: which unit an officer is riding, bulletins to units, nearby-call notices --------------

field_sessions = Table(
    "field_sessions",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("unit_id", String(64), nullable=False),
    Column("since", UTCDateTime(), nullable=False),
)

bulletins = Table(
    "bulletins",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("call_id", String(64), nullable=False),
    Column("sent_by", String(100), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=False),
    Column("text", Text, nullable=False),
    Column("camera_id", String(64)),
    Column("snapshot_ref", String(500)),
    Column("plate", String(16)),
    Column("person_id", String(64)),
    Index("ix_bulletins_call", "agency_id", "call_id"),
)

bulletin_receipts = Table(
    "bulletin_receipts",
    metadata,
    Column("bulletin_id", String(64), ForeignKey("bulletins.id"), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("delivered_at", UTCDateTime()),
    Column("delivered_to", String(100)),
    Column("read_at", UTCDateTime()),
    Column("read_by", String(100)),
    Index("ix_bulletin_receipts_unit", "unit_id", "read_at"),
)

unit_notices = Table(
    "unit_notices",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("call_id", String(64), primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("distance_m", Float, nullable=False),
    Index("ix_unit_notices_unit_at", "agency_id", "unit_id", "at"),
)

# ---- license plate readers ----------------------------------------------------------------------------

# Every plate read, normalised, beside its event (kept in the same transaction; goes when the event goes).
plate_reads = Table(
    "plate_reads",
    metadata,
    Column(
        "seq", SeqType, ForeignKey("events.seq", ondelete="CASCADE"), primary_key=True, autoincrement=False
    ),
    Column("agency_id", String(64), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("plate", String(16), nullable=False),
    Column("plate_rev", String(16), nullable=False),  # reversed, so "*7X9" is a range on an index too
    Column("state", String(8)),
    Column("reader_id", String(64), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("image_ref", String(500)),
    Index("ix_plate_reads_plate", "plate", "occurred_at"),
    Index("ix_plate_reads_plate_rev", "plate_rev", "occurred_at"),
    Index("ix_plate_reads_time", "occurred_at"),
    Index("ix_plate_reads_reader", "reader_id", "occurred_at"),
)

# Every plate that has a read, once: a search for a plate with only its middle known ("*7X9*") reads this
# short list instead of every read, then fetches the matching plates' reads through ix_plate_reads_plate.
# A plate leaves it when its last read is purged (rtcc.storage.retention).
plate_vocab = Table(
    "plate_vocab",
    metadata,
    Column("plate", String(16), primary_key=True),
)

# Each three-character piece of each plate in the vocabulary: "*7X9*" is one index lookup of "7X9". Written
# only when a plate is first read, and gone with the plate.
plate_trigrams = Table(
    "plate_trigrams",
    metadata,
    Column("trigram", String(3), primary_key=True),
    Column("plate", String(16), ForeignKey("plate_vocab.plate", ondelete="CASCADE"), primary_key=True),
    Index("ix_plate_trigrams_plate", "plate"),
)

hotlist_entries = Table(
    "hotlist_entries",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("entry_id", String(64), primary_key=True),
    Column("plate", String(16), nullable=False),
    Column("state", String(8)),
    Column("reason", String(300), nullable=False),
    Column("source", String(100), nullable=False),  # NCIC stolen vehicle, Amber alert, agency BOLO, ...
    Column("entered", UTCDateTime(), nullable=False),
    Column("expires", UTCDateTime()),
    Column("added_by", String(100), nullable=False),
    Column("list_name", String(100), nullable=False),  # "manual" or the hotlist file's name
    Column("removed_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
    # Bumped by every write, in commit order: the matcher asks for changes after the last one it saw.
    Column("change_seq", BigInteger, nullable=False),
    Index("ix_hotlist_entries_change", "change_seq"),
    Index("ix_hotlist_entries_plate", "agency_id", "plate"),
)

# Hotlist files refreshed on a schedule (a state's stolen-vehicle extract, an NCIC download).
hotlist_files = Table(
    "hotlist_files",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("path", String(1000), nullable=False),
    Column("every_minutes", Integer, nullable=False),
    Column("last_loaded_at", UTCDateTime()),
    Column("last_count", Integer),
    Column("last_error", Text),
)

# What an operator or officer confirmed before acting on a hit, item by item.
alert_checks = Table(
    "alert_checks",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("alert_id", String(64), nullable=False),
    Column("item", String(32), nullable=False),  # plate, state, vehicle, entry_active
    Column("result", String(16), nullable=False),  # confirmed, mismatch
    Column("note", String(500)),
    Column("by", String(100), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_alert_checks_alert", "alert_id"),
)


# Capabilities that keep their own tables define them on this metadata in their own modules; importing them
# here makes the schema whole for migrations and their check.
from rtcc.storage import camera_health, community, flights, footage, identities  # noqa: E402, F401

"""The community camera program's registrations, confirmations, approvals and footage requests.

Secrets sent by mail (confirmation and footage links) are kept only as their SHA-256: the database alone
cannot be used to confirm a registration or to act as a camera's owner.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    and_,
    func,
    select,
    update,
)

from rtcc.storage.db import Database
from rtcc.storage.tables import SeqType, cameras, metadata
from rtcc.storage.types import UTCDateTime

community_registrations = Table(
    "community_registrations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    # pending_confirmation -> confirmed -> approved | rejected
    Column("status", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # business, resident
    Column("label", String(200)),
    Column("address", String(300)),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("heading_deg", Float),
    Column("fov_deg", Float),
    Column("range_m", Float),
    Column("contact_name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("sharing", String(32), nullable=False),  # registered, footage_on_request, live
    Column("public_count", Boolean, nullable=False),  # may be counted on the public participation page
    Column("confirm_token_sha256", String(64), nullable=False, unique=True),
    Column("source_ip", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("confirmed_at", UTCDateTime()),
    Column("reviewed_by", String(100)),
    Column("reviewed_at", UTCDateTime()),
    Column("review_note", String(500)),
    Column("camera_id", String(64)),
    Index("ix_community_registrations_agency_status", "agency_id", "status"),
    Index("ix_community_registrations_email", "email", "created_at"),
    Index("ix_community_registrations_camera", "camera_id"),
)

community_footage_requests = Table(
    "community_footage_requests",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("registration_id", String(64), ForeignKey("community_registrations.id"), nullable=False),
    Column("camera_id", String(64), nullable=False),
    Column("window_start", UTCDateTime(), nullable=False),
    Column("window_end", UTCDateTime(), nullable=False),
    Column("reason", String(1000), nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("case_number", String(100), nullable=False),
    Column("requested_by", String(100), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("owner_token_sha256", String(64), nullable=False, unique=True),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),  # requested, accepted, declined
    Column("responded_at", UTCDateTime()),
    Column("owner_note", String(1000)),
    Index("ix_community_footage_requests_agency", "agency_id", "requested_at"),
)

community_footage_files = Table(
    "community_footage_files",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("request_id", String(64), ForeignKey("community_footage_requests.id"), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("stored_as", String(300), nullable=False),  # relative to the data folder
    Column("content_type", String(100), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Index("ix_community_footage_files_request", "request_id"),
)

# Chain of custody of every uploaded file: received (from whom), each download (by whom), each failed check.
community_custody = Table(
    "community_custody",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("file_id", String(64), ForeignKey("community_footage_files.id"), nullable=False),
    Column("action", String(32), nullable=False),  # received, downloaded, hash_mismatch
    Column("actor", String(300), nullable=False),
    Column("source_ip", String(64)),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_community_custody_file", "file_id", "id"),
)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@dataclass(frozen=True, slots=True)
class Registration:
    id: str
    agency_id: str
    status: str
    kind: str
    label: str | None
    address: str | None
    lat: float
    lon: float
    heading_deg: float | None
    fov_deg: float | None
    range_m: float | None
    contact_name: str
    email: str
    phone: str
    sharing: str
    public_count: bool
    created_at: datetime
    confirmed_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    camera_id: str | None


@dataclass(frozen=True, slots=True)
class FootageRequest:
    id: str
    agency_id: str
    registration_id: str
    camera_id: str
    window_start: datetime
    window_end: datetime
    reason: str
    purpose: str
    case_number: str
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    status: str
    responded_at: datetime | None
    owner_note: str | None


@dataclass(frozen=True, slots=True)
class FootageFile:
    id: str
    request_id: str
    filename: str
    stored_as: str
    content_type: str
    size_bytes: int
    sha256: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class CustodyEntry:
    file_id: str
    action: str
    actor: str
    source_ip: str | None
    sha256: str
    size_bytes: int
    at: datetime


_REGISTRATION_FIELDS = [
    c.name for c in community_registrations.c if c.name not in ("confirm_token_sha256", "source_ip")
]
_REQUEST_FIELDS = [c.name for c in community_footage_requests.c if c.name != "owner_token_sha256"]


def _registration(row: Any) -> Registration:
    return Registration(**{name: getattr(row, name) for name in _REGISTRATION_FIELDS})


def _request(row: Any) -> FootageRequest:
    return FootageRequest(**{name: getattr(row, name) for name in _REQUEST_FIELDS})


def _file(row: Any) -> FootageFile:
    return FootageFile(**{c.name: getattr(row, c.name) for c in community_footage_files.c})


class CommunityStore:
    def __init__(self, db: Database):
        self.db = db

    # ---- registrations ---------------------------------------------------------------------------------
    def register(
        self, values: dict[str, Any], *, token: str, source_ip: str | None, now: datetime
    ) -> Registration:
        row = {
            **values,
            "id": new_id("reg"),
            "status": "pending_confirmation",
            "confirm_token_sha256": token_digest(token),
            "source_ip": source_ip,
            "created_at": now,
        }
        with self.db.write() as conn:
            conn.execute(community_registrations.insert().values(**row))
            saved = conn.execute(
                select(community_registrations).where(community_registrations.c.id == row["id"])
            ).one()
        return _registration(saved)

    def unconfirmed_for_email(self, email: str, since: datetime) -> int:
        """Registrations for this address made since ``since`` and not yet confirmed."""
        t = community_registrations.c
        q = select(func.count()).where(
            t.email == email, t.created_at >= since, t.status == "pending_confirmation"
        )
        with self.db.read() as conn:
            return int(conn.execute(q).scalar_one())

    def confirm(self, token: str, *, not_before: datetime, now: datetime) -> Registration | None:
        """Confirm the registration the link belongs to (made after ``not_before``). A second click on the
        same link finds it already confirmed and changes nothing. None when no registration has this link."""
        t = community_registrations.c
        digest = token_digest(token)
        with self.db.write() as conn:
            conn.execute(
                update(community_registrations)
                .where(
                    t.confirm_token_sha256 == digest,
                    t.status == "pending_confirmation",
                    t.created_at >= not_before,
                )
                .values(status="confirmed", confirmed_at=now)
            )
            row = conn.execute(
                select(community_registrations).where(t.confirm_token_sha256 == digest)
            ).first()
        if row is None or row.status == "pending_confirmation":
            return None
        return _registration(row)

    def purge_unconfirmed(self, *, created_before: datetime) -> int:
        """Delete registrations never confirmed (their links have expired): nobody agreed to anything, so
        their contact details are not kept. Returns how many."""
        t = community_registrations.c
        with self.db.write() as conn:
            done = conn.execute(
                community_registrations.delete().where(
                    t.status == "pending_confirmation", t.created_at < created_before
                )
            )
        return int(done.rowcount)

    def registrations(
        self, agency_id: str, status: str | None = None, limit: int = 500
    ) -> list[Registration]:
        t = community_registrations.c
        q = select(community_registrations).where(t.agency_id == agency_id)
        if status:
            q = q.where(t.status == status)
        with self.db.read() as conn:
            return [_registration(r) for r in conn.execute(q.order_by(t.created_at.desc()).limit(limit))]

    def registration(self, registration_id: str) -> Registration | None:
        t = community_registrations.c
        with self.db.read() as conn:
            row = conn.execute(select(community_registrations).where(t.id == registration_id)).first()
        return _registration(row) if row else None

    def approve(
        self, registration_id: str, agency_id: str, *, by: str, note: str | None, now: datetime
    ) -> Registration | None:
        """A confirmed registration becomes a camera in the registry, in the same transaction. None when
        there is no confirmed registration with this id in the agency."""
        t = community_registrations.c
        camera_id = f"community-{registration_id.removeprefix('reg-')}"
        with self.db.write() as conn:
            row = conn.execute(
                select(community_registrations).where(
                    t.id == registration_id, t.agency_id == agency_id, t.status == "confirmed"
                )
            ).first()
            if row is None:
                return None
            done = conn.execute(
                update(community_registrations)
                .where(t.id == registration_id, t.status == "confirmed")
                .values(
                    status="approved", reviewed_by=by, reviewed_at=now, review_note=note, camera_id=camera_id
                )
            )
            if not done.rowcount:
                return None
            conn.execute(cameras.delete().where(cameras.c.id == camera_id))
            conn.execute(
                cameras.insert().values(
                    id=camera_id,
                    agency_id=agency_id,
                    name=row.label or f"{row.kind.capitalize()} camera ({row.contact_name})",
                    kind=row.kind,
                    lat=row.lat,
                    lon=row.lon,
                    heading_deg=row.heading_deg,
                    fov_deg=row.fov_deg,
                    range_m=row.range_m,
                    ptz=False,
                    owner=row.contact_name,
                    sharing=row.sharing,
                    status="up",
                    status_changed_at=now,
                )
            )
            saved = conn.execute(select(community_registrations).where(t.id == registration_id)).one()
        return _registration(saved)

    def reject(
        self, registration_id: str, agency_id: str, *, by: str, reason: str, now: datetime
    ) -> Registration | None:
        t = community_registrations.c
        with self.db.write() as conn:
            done = conn.execute(
                update(community_registrations)
                .where(t.id == registration_id, t.agency_id == agency_id, t.status == "confirmed")
                .values(status="rejected", reviewed_by=by, reviewed_at=now, review_note=reason)
            )
            if not done.rowcount:
                return None
            saved = conn.execute(select(community_registrations).where(t.id == registration_id)).one()
        return _registration(saved)

    def approved_for_camera(self, camera_id: str) -> Registration | None:
        t = community_registrations.c
        with self.db.read() as conn:
            row = conn.execute(
                select(community_registrations).where(t.camera_id == camera_id, t.status == "approved")
            ).first()
        return _registration(row) if row else None

    def counted_locations(self) -> list[tuple[float, float, str]]:
        """(lat, lon, kind) of approved cameras whose owners agreed to be counted: for area totals only."""
        t = community_registrations.c
        q = select(t.lat, t.lon, t.kind).where(t.status == "approved", t.public_count.is_(True))
        with self.db.read() as conn:
            return [(r.lat, r.lon, r.kind) for r in conn.execute(q)]

    # ---- footage requests ------------------------------------------------------------------------------
    def request_footage(self, values: dict[str, Any], *, token: str) -> FootageRequest:
        row = {**values, "id": new_id("fr"), "status": "requested", "owner_token_sha256": token_digest(token)}
        with self.db.write() as conn:
            conn.execute(community_footage_requests.insert().values(**row))
            saved = conn.execute(
                select(community_footage_requests).where(community_footage_requests.c.id == row["id"])
            ).one()
        return _request(saved)

    def request_by_token(self, token: str) -> FootageRequest | None:
        t = community_footage_requests.c
        with self.db.read() as conn:
            row = conn.execute(
                select(community_footage_requests).where(t.owner_token_sha256 == token_digest(token))
            ).first()
        return _request(row) if row else None

    def footage_request(self, request_id: str) -> FootageRequest | None:
        t = community_footage_requests.c
        with self.db.read() as conn:
            row = conn.execute(select(community_footage_requests).where(t.id == request_id)).first()
        return _request(row) if row else None

    def footage_requests(self, agency_id: str, limit: int = 500) -> list[FootageRequest]:
        t = community_footage_requests.c
        q = select(community_footage_requests).where(t.agency_id == agency_id)
        with self.db.read() as conn:
            return [_request(r) for r in conn.execute(q.order_by(t.requested_at.desc()).limit(limit))]

    def respond(
        self, request_id: str, *, accept: bool, note: str | None, now: datetime
    ) -> FootageRequest | None:
        """The owner's answer; only a request still waiting for one takes it."""
        t = community_footage_requests.c
        with self.db.write() as conn:
            done = conn.execute(
                update(community_footage_requests)
                .where(and_(t.id == request_id, t.status == "requested"))
                .values(status="accepted" if accept else "declined", responded_at=now, owner_note=note)
            )
            if not done.rowcount:
                return None
            saved = conn.execute(select(community_footage_requests).where(t.id == request_id)).one()
        return _request(saved)

    def add_file(self, file: FootageFile, *, actor: str, source_ip: str | None) -> None:
        with self.db.write() as conn:
            conn.execute(community_footage_files.insert().values(**_as_row(file)))
            conn.execute(
                community_custody.insert().values(
                    file_id=file.id,
                    action="received",
                    actor=actor,
                    source_ip=source_ip,
                    sha256=file.sha256,
                    size_bytes=file.size_bytes,
                    at=file.received_at,
                )
            )

    def files(self, request_id: str) -> list[FootageFile]:
        t = community_footage_files.c
        q = select(community_footage_files).where(t.request_id == request_id).order_by(t.received_at)
        with self.db.read() as conn:
            return [_file(r) for r in conn.execute(q)]

    def file(self, file_id: str) -> FootageFile | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(community_footage_files).where(community_footage_files.c.id == file_id)
            ).first()
        return _file(row) if row else None

    def note_custody(
        self,
        file_id: str,
        *,
        action: str,
        actor: str,
        source_ip: str | None,
        sha256: str,
        size_bytes: int,
        at: datetime,
    ) -> None:
        with self.db.write() as conn:
            conn.execute(
                community_custody.insert().values(
                    file_id=file_id,
                    action=action,
                    actor=actor,
                    source_ip=source_ip,
                    sha256=sha256,
                    size_bytes=size_bytes,
                    at=at,
                )
            )

    def custody(self, file_ids: Sequence[str]) -> list[CustodyEntry]:
        t = community_custody.c
        if not file_ids:
            return []
        q = select(community_custody).where(t.file_id.in_(list(file_ids))).order_by(t.id)
        with self.db.read() as conn:
            return [
                CustodyEntry(
                    file_id=r.file_id,
                    action=r.action,
                    actor=r.actor,
                    source_ip=r.source_ip,
                    sha256=r.sha256,
                    size_bytes=r.size_bytes,
                    at=r.at,
                )
                for r in conn.execute(q)
            ]


def _as_row(file: FootageFile) -> dict[str, Any]:
    return {c.name: getattr(file, c.name) for c in community_footage_files.c}

"""Recording cameras, exported clips and their chain of custody.

A clip's record says who exported it, when, from which camera, for which window, purpose and case, and the
SHA-256 and size of the file made. Its custody log only grows: the export, then every download or transfer
(who, when, from where, why), and every verification of the hash with its result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, delete, insert, select
from sqlalchemy.engine import RowMapping

from rtcc.storage.db import Database
from rtcc.storage.tables import SeqType, metadata
from rtcc.storage.types import UTCDateTime

recording_cameras = Table(
    "recording_cameras",
    metadata,
    Column("camera_id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("started_by", String(100), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
)

footage_clips = Table(
    "footage_clips",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("camera_id", String(64), nullable=False),
    Column("camera_name", String(200), nullable=False),
    Column("requested_start", UTCDateTime(), nullable=False),
    Column("requested_end", UTCDateTime(), nullable=False),
    Column("clip_start", UTCDateTime(), nullable=False),
    Column("clip_end", UTCDateTime(), nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("case_number", String(100), nullable=False),
    Column("exported_by", String(64), nullable=False),
    Column("exported_by_name", String(100), nullable=False),
    Column("exported_at", UTCDateTime(), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", SeqType, nullable=False),
    Index("ix_footage_clips_agency_exported", "agency_id", "exported_at"),
)

footage_custody = Table(
    "footage_custody",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("clip_id", String(64), ForeignKey("footage_clips.id"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("action", String(32), nullable=False),  # exported, downloaded, verified
    Column("username", String(100), nullable=False),
    Column("agency_id", String(64)),
    Column("source_ip", String(64)),
    Column("purpose", String(500)),
    Column("case_number", String(100)),
    Column("sha256", String(64), nullable=False),  # the file's hash when this happened
    Column("hash_matched", Boolean, nullable=False),
    Index("ix_footage_custody_clip", "clip_id", "id"),
)


@dataclass(frozen=True, slots=True)
class RecordingCamera:
    camera_id: str
    agency_id: str
    started_by: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class ExportedClip:
    id: str
    agency_id: str
    camera_id: str
    camera_name: str
    requested_start: datetime
    requested_end: datetime
    clip_start: datetime
    clip_end: datetime
    purpose: str
    case_number: str
    exported_by: str
    exported_by_name: str
    exported_at: datetime
    file_name: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class CustodyEntry:
    id: int
    clip_id: str
    at: datetime
    action: str
    username: str
    agency_id: str | None
    source_ip: str | None
    purpose: str | None
    case_number: str | None
    sha256: str
    hash_matched: bool


def _clip(row: RowMapping) -> ExportedClip:
    return ExportedClip(**dict(row))


class Footage:
    def __init__(self, db: Database):
        self.db = db

    # Recording cameras.
    def start_recording(self, camera_id: str, agency_id: str, by: str, at: datetime) -> bool:
        """Mark the camera as recording; False when it already was."""
        with self.db.write() as conn:
            if conn.execute(
                select(recording_cameras.c.camera_id).where(recording_cameras.c.camera_id == camera_id)
            ).first():
                return False
            conn.execute(
                insert(recording_cameras).values(
                    camera_id=camera_id, agency_id=agency_id, started_by=by, started_at=at
                )
            )
        return True

    def stop_recording(self, camera_id: str) -> bool:
        with self.db.write() as conn:
            done = conn.execute(delete(recording_cameras).where(recording_cameras.c.camera_id == camera_id))
        return bool(done.rowcount)

    def recording(self, agency_ids: Sequence[str] | None = None) -> list[RecordingCamera]:
        query = select(recording_cameras).order_by(recording_cameras.c.camera_id)
        if agency_ids is not None:
            query = query.where(recording_cameras.c.agency_id.in_(list(agency_ids)))
        with self.db.read() as conn:
            return [RecordingCamera(**dict(r)) for r in conn.execute(query).mappings()]

    def is_recording(self, camera_id: str) -> bool:
        with self.db.read() as conn:
            return (
                conn.execute(
                    select(recording_cameras.c.camera_id).where(recording_cameras.c.camera_id == camera_id)
                ).first()
                is not None
            )

    # Clips and custody.
    def add_clip(self, clip: ExportedClip, source_ip: str | None) -> None:
        """Keep the clip's record and open its custody log with the export, in one transaction."""
        with self.db.write() as conn:
            conn.execute(insert(footage_clips).values(**{f: getattr(clip, f) for f in clip.__slots__}))
            conn.execute(
                insert(footage_custody).values(
                    clip_id=clip.id,
                    at=clip.exported_at,
                    action="exported",
                    username=clip.exported_by_name,
                    agency_id=clip.agency_id,
                    source_ip=source_ip,
                    purpose=clip.purpose,
                    case_number=clip.case_number,
                    sha256=clip.sha256,
                    hash_matched=True,
                )
            )

    def clip(self, clip_id: str) -> ExportedClip | None:
        with self.db.read() as conn:
            row = conn.execute(select(footage_clips).where(footage_clips.c.id == clip_id)).mappings().first()
        return _clip(row) if row else None

    def clips(self, agency_id: str | None = None, limit: int = 200) -> list[ExportedClip]:
        query = select(footage_clips).order_by(footage_clips.c.exported_at.desc()).limit(limit)
        if agency_id is not None:
            query = query.where(footage_clips.c.agency_id == agency_id)
        with self.db.read() as conn:
            return [_clip(r) for r in conn.execute(query).mappings()]

    def append_custody(
        self,
        clip_id: str,
        *,
        action: str,
        at: datetime,
        username: str,
        sha256: str,
        hash_matched: bool,
        agency_id: str | None = None,
        source_ip: str | None = None,
        purpose: str | None = None,
        case_number: str | None = None,
    ) -> None:
        with self.db.write() as conn:
            conn.execute(
                insert(footage_custody).values(
                    clip_id=clip_id,
                    at=at,
                    action=action,
                    username=username,
                    agency_id=agency_id,
                    source_ip=source_ip,
                    purpose=purpose,
                    case_number=case_number,
                    sha256=sha256,
                    hash_matched=hash_matched,
                )
            )

    def custody(self, clip_id: str) -> list[CustodyEntry]:
        query = (
            select(footage_custody).where(footage_custody.c.clip_id == clip_id).order_by(footage_custody.c.id)
        )
        with self.db.read() as conn:
            return [CustodyEntry(**dict(r)) for r in conn.execute(query).mappings()]

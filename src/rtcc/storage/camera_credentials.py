"""Camera credentials, sealed at rest and joined to a camera's address only inside the server.

A camera's user name and password are kept apart from its registry row, each sealed with AES-GCM (purpose
``camera-credentials``, key from the server secret), so no listing of cameras, event, log or audit record
can carry them. The server puts them back only at the moment it reaches the camera: as userinfo in an RTSP
address for ffmpeg, or as HTTP Basic/Digest answers for a snapshot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from sqlalchemy import Column, String, Table, Text, select

from rtcc.config import Settings
from rtcc.storage.db import Database
from rtcc.storage.secret_box import SecretBox
from rtcc.storage.tables import metadata
from rtcc.storage.types import UTCDateTime

PURPOSE = "camera-credentials"

camera_credentials = Table(
    "camera_credentials",
    metadata,
    Column("camera_id", String(64), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("username_sealed", Text, nullable=False),  # sealed (AES-GCM), never stored in the clear
    Column("password_sealed", Text, nullable=False),  # sealed (AES-GCM), never stored in the clear
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class Credential:
    username: str
    password: str

    def __repr__(self) -> str:  # a credential printed by accident shows no secret
        return f"Credential(username={self.username!r}, password='***')"


def split_credentials(url: str) -> tuple[str, Credential | None]:
    """The address without its userinfo, and the user name and password it carried (if any)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), Credential(unquote(username), unquote(password))


def join_credentials(url: str, credential: Credential) -> str:
    """The address with the credential as its userinfo (replacing any already there)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    userinfo = quote(credential.username, safe="")
    if credential.password:
        userinfo += ":" + quote(credential.password, safe="")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


# One database per address for the callers that construct the store with no arguments (the video gateway
# asks for an address once per stream start): engines are not made per call.
_DEFAULT_DATABASES: dict[str, Database] = {}
_DEFAULT_LOCK = threading.Lock()


def _default_database(settings: Settings) -> Database:
    with _DEFAULT_LOCK:
        db = _DEFAULT_DATABASES.get(settings.database_url)
        if db is None:
            db = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
            _DEFAULT_DATABASES[settings.database_url] = db
        return db


class CameraCredentials:
    """The address a camera is reached at, with its stored credentials put back in.

    ``CameraCredentials()`` with no arguments reads the settings from the environment (database address and
    server secret), as the rest of the server does; the API and the command line pass theirs.
    """

    def __init__(self, db: Database | None = None, secret_key: str | None = None):
        if db is None or secret_key is None:
            settings = Settings()
            db = db if db is not None else _default_database(settings)
            secret_key = secret_key if secret_key is not None else settings.secret_key
        self.db = db
        self._box = SecretBox(secret_key, PURPOSE)

    def save(self, camera_id: str, agency_id: str, credential: Credential, *, by: str) -> None:
        row = {
            "camera_id": camera_id,
            "agency_id": agency_id,
            "username_sealed": self._box.seal(credential.username),
            "password_sealed": self._box.seal(credential.password),
            "updated_by": by,
            "updated_at": datetime.now(UTC),
        }
        stmt = self.db.insert(camera_credentials).values(row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["camera_id"], set_={k: v for k, v in row.items() if k != "camera_id"}
        )
        with self.db.write() as conn:
            conn.execute(stmt)

    def clear(self, camera_id: str) -> bool:
        with self.db.write() as conn:
            done = conn.execute(
                camera_credentials.delete().where(camera_credentials.c.camera_id == camera_id)
            )
        return bool(done.rowcount)

    def get(self, camera_id: str) -> Credential | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(camera_credentials.c.username_sealed, camera_credentials.c.password_sealed).where(
                    camera_credentials.c.camera_id == camera_id
                )
            ).first()
        if row is None:
            return None
        return Credential(self._box.open(row.username_sealed), self._box.open(row.password_sealed))

    def has(self, camera_ids: list[str]) -> set[str]:
        """Which of these cameras have stored credentials (without opening them)."""
        if not camera_ids:
            return set()
        with self.db.read() as conn:
            rows = conn.execute(
                select(camera_credentials.c.camera_id).where(camera_credentials.c.camera_id.in_(camera_ids))
            )
            return {r.camera_id for r in rows}

    def with_credentials(self, camera_id: str, url: str) -> str:
        """The address with the camera's stored credentials as userinfo; unchanged when none are stored."""
        credential = self.get(camera_id)
        return join_credentials(url, credential) if credential is not None else url

"""Agencies, users, sign-in sessions and feed sources with their API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from rtcc.domain.entities import Agency, Source, User
from rtcc.domain.roles import INACTIVE_DAYS, Role
from rtcc.storage.db import Database
from rtcc.storage.secret_box import SecretBox
from rtcc.storage.tables import agencies, sessions, sources, users

_hasher = PasswordHasher()
# Verifying against this keeps a failed sign-in for an unknown user as slow as for a known one.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")

API_KEY_PREFIX = "rtcc"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SignIn:
    user: User | None
    outcome: str  # ok, wrong_password, unknown_user, locked, disabled
    unlocked_at: datetime | None  # failures before an unlock do not count towards the next lock


@dataclass(frozen=True)
class SessionInfo:
    token_hash: str
    user: User
    created_at: datetime
    last_seen_at: datetime
    # A single sign-on provider vouched for the second factor of this sign-in.
    provider_mfa: bool = False


class Accounts:
    def __init__(self, db: Database, box: SecretBox | None = None):
        self.db = db
        self.box = box  # needed only for second factors

    # ---- agencies and users ---------------------------------------------------------------------------
    def create_agency(self, name: str, *, agency_id: str | None = None, ori: str | None = None) -> Agency:
        row = {"id": agency_id or uuid.uuid4().hex[:12], "name": name, "ori": ori, "created_at": now_utc()}
        with self.db.write() as conn:
            conn.execute(agencies.insert().values(**row))
        return Agency.model_validate(row)

    def get_agency(self, agency_id: str) -> Agency | None:
        with self.db.read() as conn:
            r = conn.execute(select(agencies).where(agencies.c.id == agency_id)).first()
        return Agency.model_validate(r) if r else None

    def list_agencies(self) -> list[Agency]:
        with self.db.read() as conn:
            return [
                Agency.model_validate(r) for r in conn.execute(select(agencies).order_by(agencies.c.name))
            ]

    def create_user(
        self,
        agency_id: str,
        username: str,
        password: str | None,
        role: Role,
        *,
        display_name: str | None = None,
        password_hash: str | None = None,
    ) -> User:
        """Create a user from a password, or from an argon2 hash carried over from another system."""
        if password_hash is None:
            if not password:
                raise ValueError("password: required")
            password_hash = _hasher.hash(password)
        elif not password_hash.startswith("$argon2"):
            raise ValueError("password_hash: only argon2 hashes are accepted")
        row = {
            "id": uuid.uuid4().hex,
            "agency_id": agency_id,
            "username": username,
            "display_name": display_name or username,
            "password_hash": password_hash,
            "role": role.value,
            "active": True,
            "created_at": now_utc(),
        }
        with self.db.write() as conn:
            conn.execute(users.insert().values(**row))
        return User.model_validate(row)

    def set_password(self, username: str, password: str) -> bool:
        with self.db.write() as conn:
            res = conn.execute(
                update(users).where(users.c.username == username).values(password_hash=_hasher.hash(password))
            )
        return bool(res.rowcount)

    def get_user(self, username: str) -> User | None:
        with self.db.read() as conn:
            r = conn.execute(select(users).where(users.c.username == username)).first()
        return User.model_validate(r) if r else None

    def list_users(self) -> list[User]:
        with self.db.read() as conn:
            return [User.model_validate(r) for r in conn.execute(select(users).order_by(users.c.username))]

    def authenticate(self, username: str, password: str, otp: str | None = None) -> SignIn:
        """Check a password, and the one-time code when the account has a second factor. A locked or
        disabled account is refused even with the right password."""
        with self.db.read() as conn:
            r = conn.execute(select(users).where(users.c.username == username)).first()
        try:
            _hasher.verify(r.password_hash if r else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return SignIn(
                None, "wrong_password" if r is not None else "unknown_user", r.unlocked_at if r else None
            )
        if r is None:
            return SignIn(None, "unknown_user", None)
        if r.locked_at is not None:
            return SignIn(None, "locked", r.unlocked_at)
        if not r.active:
            return SignIn(None, "disabled", r.unlocked_at)
        last_used = r.last_login_at or r.created_at
        if now_utc() - last_used > timedelta(days=INACTIVE_DAYS):
            with self.db.write() as conn:
                conn.execute(update(users).where(users.c.id == r.id).values(active=False))
            return SignIn(None, "inactive", r.unlocked_at)
        if r.mfa_enrolled_at is not None:
            if not otp:
                return SignIn(None, "otp_required", r.unlocked_at)
            if not self._check_otp(r.id, r.totp_secret, r.totp_last_step, otp):
                return SignIn(None, "wrong_otp", r.unlocked_at)
        with self.db.write() as conn:
            conn.execute(update(users).where(users.c.id == r.id).values(last_login_at=now_utc()))
        return SignIn(User.model_validate(r), "ok", r.unlocked_at)

    def admit(self, user_id: str) -> SignIn:
        """The checks of a sign-in that another party vouched for (single sign-on): the same refusals as
        authenticate (locked, disabled, inactive) but no password. Does not count as a use of the account
        until note_sign_in."""
        with self.db.read() as conn:
            r = conn.execute(select(users).where(users.c.id == user_id)).first()
        if r is None:
            return SignIn(None, "unknown_user", None)
        if r.locked_at is not None:
            return SignIn(None, "locked", r.unlocked_at)
        if not r.active:
            return SignIn(None, "disabled", r.unlocked_at)
        if now_utc() - (r.last_login_at or r.created_at) > timedelta(days=INACTIVE_DAYS):
            with self.db.write() as conn:
                conn.execute(update(users).where(users.c.id == r.id).values(active=False))
            return SignIn(None, "inactive", r.unlocked_at)
        return SignIn(User.model_validate(r), "ok", r.unlocked_at)

    def check_code(self, user_id: str, code: str) -> bool:
        """The account's current one-time code, each good once (for a second step after single sign-on)."""
        with self.db.read() as conn:
            r = conn.execute(select(users).where(users.c.id == user_id)).first()
        return r is not None and self._check_otp(r.id, r.totp_secret, r.totp_last_step, code)

    def note_sign_in(self, user_id: str) -> None:
        with self.db.write() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(last_login_at=now_utc()))

    # ---- second factor (TOTP, RFC 6238) ------------------------------------------------------------------
    def _box(self) -> SecretBox:
        if self.box is None:
            raise RuntimeError("Accounts needs a SecretBox for second factors")
        return self.box

    def begin_mfa(self, user_id: str) -> str:
        """A new TOTP secret for the user, sealed at rest; effective once confirmed with a code."""
        secret = pyotp.random_base32()
        with self.db.write() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(totp_secret=self._box().seal(secret), mfa_enrolled_at=None, totp_last_step=None)
            )
        return secret

    def confirm_mfa(self, user_id: str, code: str) -> bool:
        with self.db.read() as conn:
            r = conn.execute(select(users).where(users.c.id == user_id)).first()
        if r is None or not r.totp_secret or not self._check_otp(r.id, r.totp_secret, r.totp_last_step, code):
            return False
        with self.db.write() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(mfa_enrolled_at=now_utc()))
        return True

    def reset_mfa(self, username: str) -> bool:
        with self.db.write() as conn:
            res = conn.execute(
                update(users)
                .where(users.c.username == username)
                .values(totp_secret=None, mfa_enrolled_at=None, totp_last_step=None)
            )
        return bool(res.rowcount)

    def _check_otp(self, user_id: str, sealed: str | None, last_step: int | None, code: str) -> bool:
        """Accept the current code or the one either side of it (clock drift), each only once."""
        if not sealed or not code.isdigit():
            return False
        totp = pyotp.TOTP(self._box().open(sealed))
        now = now_utc()
        step = int(now.timestamp()) // totp.interval
        for candidate in (step, step - 1, step + 1):
            if totp.at(candidate * totp.interval) == code and (last_step is None or candidate > last_step):
                with self.db.write() as conn:
                    conn.execute(update(users).where(users.c.id == user_id).values(totp_last_step=candidate))
                return True
        return False

    def lock(self, username: str) -> bool:
        with self.db.write() as conn:
            res = conn.execute(
                update(users)
                .where(users.c.username == username, users.c.locked_at.is_(None))
                .values(locked_at=now_utc())
            )
        return bool(res.rowcount)

    def enable(self, username: str) -> bool:
        """Enable a disabled account; its inactivity clock starts again now."""
        with self.db.write() as conn:
            res = conn.execute(
                update(users)
                .where(users.c.username == username, users.c.active.is_(False))
                .values(active=True, last_login_at=now_utc())
            )
        return bool(res.rowcount)

    def unlock(self, username: str) -> bool:
        with self.db.write() as conn:
            res = conn.execute(
                update(users)
                .where(users.c.username == username, users.c.locked_at.is_not(None))
                .values(locked_at=None, unlocked_at=now_utc())
            )
        return bool(res.rowcount)

    # ---- sessions ----------------------------------------------------------------------------------------
    def start_session(self, user: User, source_ip: str | None, *, provider_mfa: bool = False) -> str:
        token = secrets.token_urlsafe(32)
        now = now_utc()
        with self.db.write() as conn:
            conn.execute(
                sessions.insert().values(
                    token_hash=_sha256(token),
                    user_id=user.id,
                    created_at=now,
                    last_seen_at=now,
                    source_ip=source_ip,
                    second_factor="provider" if provider_mfa else None,
                )
            )
        return token

    def resume_session(
        self, token: str, *, idle: timedelta, max_age: timedelta, touch: bool = True
    ) -> SessionInfo | None:
        """The session for a token if it is still live; touches it (unless asked only to check, as a
        live stream does: watching is not activity). Ends it when idle or too old."""
        token_hash = _sha256(token)
        with self.db.read() as conn:
            r = conn.execute(
                select(sessions, users)
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.token_hash == token_hash)
            ).first()
        if r is None or r.ended_at is not None or not r.active:
            return None
        now = now_utc()
        if now - r.last_seen_at > idle or now - r.created_at > max_age:
            self.end_session(token_hash)
            return None
        # Touch at most every few seconds: a busy console should not write on every request.
        if touch and now - r.last_seen_at > timedelta(seconds=5):
            with self.db.write() as conn:
                conn.execute(
                    update(sessions).where(sessions.c.token_hash == token_hash).values(last_seen_at=now)
                )
        user = User(
            id=r.user_id,
            agency_id=r.agency_id,
            username=r.username,
            display_name=r.display_name,
            role=Role(r.role),
            active=r.active,
            last_login_at=r.last_login_at,
            mfa_enrolled_at=r.mfa_enrolled_at,
        )
        return SessionInfo(token_hash, user, r.created_at, now, r.second_factor == "provider")

    def end_session(self, token_hash: str) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(sessions).where(sessions.c.token_hash == token_hash).values(ended_at=now_utc())
            )

    # ---- sources and their API keys ------------------------------------------------------------------
    def create_source(
        self, agency_id: str, name: str, adapter: str, config: dict[str, Any] | None = None
    ) -> tuple[Source, str]:
        """Create a feed source. Returns it and its API key, which is shown once and stored only hashed."""
        key_prefix = secrets.token_hex(4)
        api_key = f"{API_KEY_PREFIX}_{key_prefix}_{secrets.token_urlsafe(32)}"
        row = {
            "id": uuid.uuid4().hex[:16],
            "agency_id": agency_id,
            "name": name,
            "adapter": adapter,
            "config": config or {},
            "key_prefix": key_prefix,
            "key_hash": _sha256(api_key),
            "enabled": True,
            "created_at": now_utc(),
        }
        with self.db.write() as conn:
            conn.execute(sources.insert().values(**row))
        return Source.model_validate(row), api_key

    def rotate_key(self, source_id: str) -> str:
        """Give a source a new API key; the old one stops working at once."""
        key_prefix = secrets.token_hex(4)
        api_key = f"{API_KEY_PREFIX}_{key_prefix}_{secrets.token_urlsafe(32)}"
        with self.db.write() as conn:
            conn.execute(
                update(sources)
                .where(sources.c.id == source_id)
                .values(key_prefix=key_prefix, key_hash=_sha256(api_key))
            )
        return api_key

    def source_for_key(self, api_key: str) -> Source | None:
        parts = api_key.split("_")
        if len(parts) < 3 or parts[0] != API_KEY_PREFIX:
            return None
        with self.db.read() as conn:
            r = conn.execute(select(sources).where(sources.c.key_prefix == parts[1])).first()
        if r is None or not r.enabled or not hmac.compare_digest(r.key_hash, _sha256(api_key)):
            return None
        return Source.model_validate(r)

    def get_source(self, source_id: str) -> Source | None:
        with self.db.read() as conn:
            r = conn.execute(select(sources).where(sources.c.id == source_id)).first()
        return Source.model_validate(r) if r else None

    def source_by_name(self, name: str) -> Source | None:
        with self.db.read() as conn:
            r = conn.execute(select(sources).where(sources.c.name == name)).first()
        return Source.model_validate(r) if r else None

    def list_sources(self) -> list[Source]:
        with self.db.read() as conn:
            return [Source.model_validate(r) for r in conn.execute(select(sources).order_by(sources.c.name))]

"""Single sign-on: which identity at an OpenID Connect issuer is which account, and the short-lived state
of sign-ins in flight.

An account is linked to one subject ("sub") per issuer at its first single sign-on. From then on the
subject decides, not the username the issuer sends: an identity renamed at the issuer cannot reach an
account linked to someone else, and an account cannot be reached by another subject under its name.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from rtcc.storage.tables import metadata, users
from rtcc.storage.types import UTCDateTime

if TYPE_CHECKING:
    from rtcc.storage.db import Database

sso_identities = Table(
    "sso_identities",
    metadata,
    Column("issuer", String(500), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("user_id", String(64), ForeignKey("users.id"), nullable=False),
    Column("linked_at", UTCDateTime(), nullable=False),
    Column("last_sign_in_at", UTCDateTime()),
    PrimaryKeyConstraint("issuer", "subject"),
    UniqueConstraint("issuer", "user_id", name="uq_sso_identities_issuer_user_id"),
)

# Authorization requests sent to the issuer and not yet answered. Keyed by a hash of the state parameter;
# the browser that started the request holds a cookie whose hash must match (no sign-in fixation).
sso_requests = Table(
    "sso_requests",
    metadata,
    Column("state_hash", String(64), primary_key=True),
    Column("browser_hash", String(64), nullable=False),
    Column("nonce", String(100), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("return_to", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_sso_requests_created_at", "created_at"),
)

# Sign-ins the issuer vouched for that still wait for the account's one-time code.
sso_second_steps = Table(
    "sso_second_steps",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.id"), nullable=False),
    Column("return_to", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_sso_second_steps_created_at", "created_at"),
)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class Link:
    issuer: str
    subject: str
    linked_at: datetime
    last_sign_in_at: datetime | None


@dataclass(frozen=True)
class PendingRequest:
    nonce: str
    code_verifier: str
    return_to: str
    created_at: datetime


@dataclass(frozen=True)
class Started:
    state: str  # sent to the issuer, comes back on the callback
    browser_key: str  # kept in the browser's cookie
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class LinkCheck:
    """The outcome of matching an (issuer, subject, username) triple against the links on record."""

    user_id: str | None  # the account to sign in to, when allowed
    outcome: str  # ok, first_link, unknown_user, subject_mismatch
    detail: str = ""


class Identities:
    def __init__(self, db: Database):
        self.db = db

    # ---- links --------------------------------------------------------------------------------------------
    def check(self, issuer: str, subject: str, username: str) -> LinkCheck:
        """Which account this identity may sign in to: the account named by the username, provided that
        neither the account nor the subject is linked elsewhere for this issuer."""
        with self.db.read() as conn:
            account = conn.execute(select(users.c.id).where(users.c.username == username)).first()
            linked = conn.execute(
                select(sso_identities.c.user_id, users.c.username)
                .join(users, users.c.id == sso_identities.c.user_id)
                .where(sso_identities.c.issuer == issuer, sso_identities.c.subject == subject)
            ).first()
            account_link = (
                conn.execute(
                    select(sso_identities.c.subject).where(
                        sso_identities.c.issuer == issuer, sso_identities.c.user_id == account.id
                    )
                ).first()
                if account is not None
                else None
            )
        if linked is not None and (account is None or linked.user_id != account.id):
            return LinkCheck(
                None, "subject_mismatch", f"this identity is linked to account {linked.username}"
            )
        if account is None:
            return LinkCheck(None, "unknown_user")
        if account_link is not None and account_link.subject != subject:
            return LinkCheck(None, "subject_mismatch", "the account is linked to another identity")
        return LinkCheck(account.id, "ok" if linked is not None else "first_link")

    def link(self, issuer: str, subject: str, user_id: str, at: datetime) -> bool:
        """Record the link at first sign-in; False when a concurrent sign-in linked either side first."""
        try:
            with self.db.write() as conn:
                conn.execute(
                    sso_identities.insert().values(
                        issuer=issuer, subject=subject, user_id=user_id, linked_at=at, last_sign_in_at=at
                    )
                )
        except IntegrityError:
            return False
        return True

    def touch(self, issuer: str, subject: str, at: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(sso_identities)
                .where(sso_identities.c.issuer == issuer, sso_identities.c.subject == subject)
                .values(last_sign_in_at=at)
            )

    def unlink(self, username: str) -> int:
        """Forget an account's links (an administrator's fix when an identity moved at the issuer)."""
        with self.db.write() as conn:
            ids = select(users.c.id).where(users.c.username == username).scalar_subquery()
            return conn.execute(delete(sso_identities).where(sso_identities.c.user_id == ids)).rowcount

    def links_of(self, username: str) -> list[Link]:
        with self.db.read() as conn:
            rows = conn.execute(
                select(sso_identities)
                .join(users, users.c.id == sso_identities.c.user_id)
                .where(users.c.username == username)
                .order_by(sso_identities.c.issuer)
            )
            return [Link(r.issuer, r.subject, r.linked_at, r.last_sign_in_at) for r in rows]

    # ---- authorization requests in flight -----------------------------------------------------------------
    def start_request(self, return_to: str, at: datetime) -> Started:
        started = Started(
            state=secrets.token_urlsafe(32),
            browser_key=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            # RFC 7636: 43 to 128 characters from the unreserved set; 64 random bytes make 86.
            code_verifier=secrets.token_urlsafe(64),
        )
        with self.db.write() as conn:
            conn.execute(
                sso_requests.insert().values(
                    state_hash=_sha256(started.state),
                    browser_hash=_sha256(started.browser_key),
                    nonce=started.nonce,
                    code_verifier=started.code_verifier,
                    return_to=return_to,
                    created_at=at,
                )
            )
        return started

    def take_request(
        self, state: str, browser_key: str | None, *, now: datetime, max_age: timedelta
    ) -> PendingRequest | None:
        """The request for a state, used up at once: a state is good for one callback, from the browser
        that started it, within max_age."""
        state_hash = _sha256(state)
        with self.db.write() as conn:
            row = conn.execute(select(sso_requests).where(sso_requests.c.state_hash == state_hash)).first()
            if row is None:
                return None
            gone = conn.execute(delete(sso_requests).where(sso_requests.c.state_hash == state_hash)).rowcount
            conn.execute(delete(sso_requests).where(sso_requests.c.created_at < now - max_age))
        if not gone or now - row.created_at > max_age:
            return None
        if browser_key is None or not secrets.compare_digest(row.browser_hash, _sha256(browser_key)):
            return None
        return PendingRequest(row.nonce, row.code_verifier, row.return_to, row.created_at)

    # ---- second steps -------------------------------------------------------------------------------------
    def start_second_step(self, user_id: str, return_to: str, at: datetime) -> str:
        token = secrets.token_urlsafe(32)
        with self.db.write() as conn:
            conn.execute(
                sso_second_steps.insert().values(
                    token_hash=_sha256(token), user_id=user_id, return_to=return_to, created_at=at
                )
            )
        return token

    def second_step(self, token: str, *, now: datetime, max_age: timedelta) -> tuple[str, str] | None:
        """The account and return page waiting for a code under this token, if not expired."""
        with self.db.read() as conn:
            row = conn.execute(
                select(sso_second_steps).where(sso_second_steps.c.token_hash == _sha256(token))
            ).first()
        if row is None or now - row.created_at > max_age:
            return None
        return row.user_id, row.return_to

    def end_second_step(self, token: str, *, now: datetime, max_age: timedelta) -> None:
        with self.db.write() as conn:
            conn.execute(delete(sso_second_steps).where(sso_second_steps.c.token_hash == _sha256(token)))
            conn.execute(delete(sso_second_steps).where(sso_second_steps.c.created_at < now - max_age))

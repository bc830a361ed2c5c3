"""Optional OpenID Connect single sign-on: the relying party's side of the authorization code flow with
PKCE (RFC 7636) and a nonce, and the checks of the ID token (OpenID Connect Core 1.0, section 3.1.3.7)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, urlencode

import httpx
from joserfc import jwt
from joserfc.errors import (
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from rtcc.config import Settings
from rtcc.storage.db import Database
from rtcc.storage.identities import Identities

if TYPE_CHECKING:
    from rtcc.api.context import AppContext

# Asymmetric signatures only: a symmetric (HS*) token would be signed with the client secret, which this
# server also holds, and "none" proves nothing.
ALLOWED_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
# RFC 8176 authentication method references that show a second factor: several factors ("mfa") or
# channels ("mca"), or proof of something held: a one-time code, a hardware or software key, a smart card,
# proof of possession of a key. SMS and telephone codes ("sms", "tel") are not accepted: NIST SP 800-63B
# restricts them, so the account's own code is asked for instead.
SECOND_FACTOR_AMR = frozenset({"mfa", "mca", "otp", "hwk", "swk", "sc", "pop"})
DISCOVERY_TTL_S = 3600.0  # how long the issuer's discovery document and keys are cached
CLOCK_LEEWAY_S = 60  # tolerated clock difference with the issuer
ID_TOKEN_MAX_AGE_S = 600  # an ID token issued longer ago than this is not accepted
HTTP_TIMEOUT_S = 10.0


class SsoError(Exception):
    """A sign-in the issuer or its answer did not support. reason is kept in the audit log."""

    def __init__(
        self, reason: str, message: str, *, username: str | None = None, context: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.username = username  # the account asked for, once known
        self.context = context or {}  # issuer and subject, once known


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    secret_in_body: bool  # client_secret_post rather than client_secret_basic


def code_challenge(verifier: str) -> str:
    """PKCE S256: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def second_factor_shown(claims: dict[str, Any]) -> bool:
    amr = claims.get("amr")
    return isinstance(amr, list) and any(isinstance(m, str) and m in SECOND_FACTOR_AMR for m in amr)


def _token_header(token: str) -> dict[str, Any]:
    try:
        head = token.split(".", 1)[0]
        parsed = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SsoError("bad_token", "the ID token is not a signed JWT") from exc
    if not isinstance(parsed, dict):
        raise SsoError("bad_token", "the ID token is not a signed JWT")
    return parsed


@dataclass
class OidcClient:
    issuer: str
    client_id: str
    client_secret: str
    _metadata: ProviderMetadata | None = None
    _metadata_at: float = 0.0
    _keys: KeySet | None = None
    _keys_at: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as http:
                resp = await http.get(url, headers={"Accept": "application/json"})
                resp.raise_for_status()
                body = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SsoError("issuer_unreachable", f"the sign-in service did not answer ({url})") from exc
        if not isinstance(body, dict):
            raise SsoError("issuer_unreachable", f"the sign-in service answered nonsense ({url})")
        return body

    async def metadata(self) -> ProviderMetadata:
        """The issuer's discovery document, fetched once an hour at most."""
        async with self._lock:
            if self._metadata is not None and time.monotonic() - self._metadata_at < DISCOVERY_TTL_S:
                return self._metadata
            doc = await self._get_json(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
            # Discovery 1.0, 4.3: the document must name exactly the issuer it was fetched for.
            if doc.get("issuer") != self.issuer:
                raise SsoError(
                    "issuer_mismatch",
                    f"the discovery document names issuer {doc.get('issuer')!r}, not {self.issuer!r}",
                )
            missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not doc.get(k)]
            if missing:
                raise SsoError("issuer_unreachable", f"the discovery document lacks {', '.join(missing)}")
            offered = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
            methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
            self._metadata = ProviderMetadata(
                issuer=self.issuer,
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
                algorithms=tuple(a for a in ALLOWED_ALGORITHMS if a in offered),
                secret_in_body="client_secret_basic" not in methods and "client_secret_post" in methods,
            )
            self._metadata_at = time.monotonic()
            return self._metadata

    async def keys(self, *, refresh: bool = False) -> KeySet:
        """The issuer's signing keys, cached; fetched again when a token names a key not yet seen (the
        issuer rotated its keys)."""
        meta = await self.metadata()
        async with self._lock:
            fresh = self._keys is not None and time.monotonic() - self._keys_at < DISCOVERY_TTL_S
            if self._keys is not None and fresh and not refresh:
                return self._keys
            doc = await self._get_json(meta.jwks_uri)
            try:
                self._keys = KeySet.import_key_set(doc)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise SsoError("issuer_unreachable", "the issuer's key set could not be read") from exc
            self._keys_at = time.monotonic()
            return self._keys

    async def authorization_url(self, redirect_uri: str, state: str, nonce: str, verifier: str) -> str:
        meta = await self.metadata()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        sep = "&" if "?" in meta.authorization_endpoint else "?"
        return f"{meta.authorization_endpoint}{sep}{urlencode(query)}"

    async def redeem(self, code: str, verifier: str, redirect_uri: str) -> str:
        """Exchange the authorization code (with the PKCE verifier) for the ID token."""
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        headers = {"Accept": "application/json"}
        if meta.secret_in_body:
            form |= {"client_id": self.client_id, "client_secret": self.client_secret}
        else:
            # RFC 6749, 2.3.1: both parts form-encoded before joining.
            pair = f"{quote_plus(self.client_id)}:{quote_plus(self.client_secret)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as http:
                resp = await http.post(meta.token_endpoint, data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise SsoError(
                "issuer_unreachable", "the sign-in service's token endpoint did not answer"
            ) from exc
        try:
            body = resp.json()
        except ValueError:
            body = {}
        if resp.status_code != 200 or not isinstance(body, dict) or not body.get("id_token"):
            error = body.get("error", resp.status_code) if isinstance(body, dict) else resp.status_code
            raise SsoError("code_refused", f"the sign-in service refused the code ({error})")
        return str(body["id_token"])

    async def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its signature, algorithm, issuer, audience, times and nonce hold."""
        meta = await self.metadata()
        header = _token_header(id_token)
        if header.get("alg") not in meta.algorithms:
            raise SsoError("bad_token", f"ID token signed with {header.get('alg')!r}, which is not allowed")
        keys = await self.keys()
        kid = header.get("kid")
        if kid is not None and all(k.kid != kid for k in keys.keys):
            keys = await self.keys(refresh=True)
        try:
            token = jwt.decode(id_token, keys, algorithms=list(meta.algorithms))
        except (JoseError, ValueError) as exc:
            raise SsoError("bad_token", "the ID token's signature does not verify") from exc
        claims = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY_S,
            iss={"essential": True, "value": self.issuer},
            sub={"essential": True},
            aud={"essential": True, "value": self.client_id},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as exc:
            raise SsoError("bad_token", "the ID token has expired") from exc
        except (MissingClaimError, InvalidClaimError) as exc:
            raise SsoError("bad_token", f"the ID token's claims do not hold: {exc.description}") from exc
        except JoseError as exc:
            raise SsoError("bad_token", f"the ID token is not valid: {exc}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise SsoError("bad_token", "the ID token has several audiences and another authorized party")
        if not isinstance(claims["iat"], int | float) or time.time() - claims["iat"] > ID_TOKEN_MAX_AGE_S:
            raise SsoError("bad_token", "the ID token was issued too long ago")
        return claims


@dataclass
class SsoPart:
    settings: Settings
    identities: Identities
    client: OidcClient | None  # None when single sign-on is off

    @property
    def enabled(self) -> bool:
        return self.client is not None

    @property
    def redirect_uri(self) -> str:
        return self.settings.public_url + "/api/v1/auth/sso/callback"


def build(settings: Settings, db: Database) -> SsoPart:
    client = None
    if settings.oidc_issuer.strip():
        client = OidcClient(
            settings.oidc_issuer.strip(), settings.oidc_client_id, settings.oidc_client_secret
        )
    return SsoPart(settings, Identities(db), client)


def background(ctx: AppContext) -> list[Coroutine[Any, Any, None]]:
    return []

"""A small OpenID Connect provider on loopback for tests: discovery, keys, authorization (approving the
configured identity at once, or after a click on its page) and token endpoints, signing RS256 ID tokens.
It can misbehave on demand, as a broken or hostile provider would."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.conftest import free_port

# Ways the provider can misbehave; each makes the ID token (or the answer) wrong in one way.
MISBEHAVIOURS = (
    "wrong_audience",  # the token is for another client
    "wrong_issuer",  # the token names another issuer
    "expired",  # exp in the past
    "wrong_nonce",  # the nonce is not the one sent
    "bad_signature",  # signed with a key that is not in the key set
    "symmetric",  # signed HS256 with the client secret
    "no_amr",  # no authentication methods at all
    "other_audiences",  # the token is also for another client, and names no authorized party
    "other_audiences_azp",  # the same, naming this client as the authorized party (allowed)
    "discovery_issuer",  # the discovery document names another issuer
)


@dataclass
class Identity:
    username: str
    subject: str
    amr: list[str] = field(default_factory=lambda: ["pwd", "otp"])


@dataclass
class Grant:
    identity: Identity
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class OidcProvider:
    def __init__(self, client_id: str = "openrtcc", client_secret: str = "provider-test-secret"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "signing-1", "use": "sig", "alg": "RS256"})
        self.identity = Identity("operator", "sub-operator-0001")
        self.misbehave: str | None = None
        self.ask_first = False  # show a page with a button instead of approving at once
        self.grants: dict[str, Grant] = {}
        self.fetches = {"discovery": 0, "jwks": 0}
        self.redeemed: list[dict[str, str]] = []  # token requests that succeeded
        routes = [
            Route("/.well-known/openid-configuration", self._discovery),
            Route("/jwks", self._jwks),
            Route("/authorize", self._authorize),
            Route("/approve", self._approve),
            Route("/token", self._token, methods=["POST"]),
        ]
        self.app = Starlette(routes=routes)
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> OidcProvider:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            assert time.monotonic() < deadline, "the test OpenID provider did not start"
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def rotate_key(self) -> None:
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(4), "use": "sig", "alg": "RS256"}
        )

    # ---- endpoints ------------------------------------------------------------------------------------------
    async def _discovery(self, request: Request) -> Response:
        self.fetches["discovery"] += 1
        return JSONResponse(
            {
                "issuer": "https://elsewhere.example"
                if self.misbehave == "discovery_issuer"
                else self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "HS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    async def _jwks(self, request: Request) -> Response:
        self.fetches["jwks"] += 1
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def _authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != self.client_id or q.get("code_challenge_method") != "S256":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if self.ask_first:
            fields = "".join(
                f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in q.items()
            )
            return HTMLResponse(
                '<!doctype html><link rel="icon" href="data:,"><title>Agency sign-in</title>'
                "<h1>Agency identity provider</h1>"
                f'<form action="/approve" method="get">{fields}'
                f"<p>Signed in as {escape(self.identity.username)}.</p>"
                '<button type="submit" id="approve">Continue to OpenRTCC</button></form>'
            )
        return self._approve_now(request)

    async def _approve(self, request: Request) -> Response:
        return self._approve_now(request)

    def _approve_now(self, request: Request) -> Response:
        q = request.query_params
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            identity=Identity(self.identity.username, self.identity.subject, list(self.identity.amr)),
            client_id=q["client_id"],
            redirect_uri=q["redirect_uri"],
            nonce=q["nonce"],
            challenge=q["code_challenge"],
        )
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

    async def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.grants.pop(form.get("code", ""), None)  # a code is good once
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant.redirect_uri
            or _s256(form.get("code_verifier", "")) != grant.challenge
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        self.redeemed.append(form)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "id_token": self._id_token(grant),
            }
        )

    def _id_token(self, grant: Grant) -> str:
        now = int(time.time())
        bad = self.misbehave
        claims: dict[str, Any] = {
            "iss": "https://elsewhere.example" if bad == "wrong_issuer" else self.issuer,
            "sub": grant.identity.subject,
            "aud": "another-client" if bad == "wrong_audience" else grant.client_id,
            "iat": now - 7200 if bad == "expired" else now,
            "exp": now - 3600 if bad == "expired" else now + 300,
            "nonce": "not-the-nonce" if bad == "wrong_nonce" else grant.nonce,
            "preferred_username": grant.identity.username,
            "email": f"{grant.identity.username}@agency.example",
        }
        if bad in ("other_audiences", "other_audiences_azp"):
            claims["aud"] = [grant.client_id, "another-client"]
        if bad == "other_audiences_azp":
            claims["azp"] = grant.client_id
        if bad != "no_amr":
            claims["amr"] = grant.identity.amr
        if bad == "symmetric":
            return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(self.client_secret.encode()))
        key = self.key
        if bad == "bad_signature":
            key = RSAKey.generate_key(2048, parameters={"kid": self.key.kid or "signing-1"})
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

"""Single sign-on through a real OpenID Connect provider on loopback: the sign-in, each refusal and its
audit entry, account states, pinning of the identity to the account, and the second-factor rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from rtcc.app import create_app
from rtcc.config import Settings
from rtcc.storage.accounts import now_utc
from rtcc.storage.tables import sessions, users
from tests.api.oidc_provider import Identity, OidcProvider
from tests.conftest import World, login


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    idp = OidcProvider().start()
    yield idp
    idp.stop()


@pytest.fixture
def idp(provider: OidcProvider) -> Iterator[OidcProvider]:
    provider.identity = Identity("operator", "sub-operator-0001")
    provider.misbehave = None
    yield provider
    provider.misbehave = None


def sso_settings(database_url: str, idp: OidcProvider, **extra: Any) -> Settings:
    return Settings(
        mode="demo",
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        public_base_url="http://testserver",
        oidc_issuer=idp.issuer,
        oidc_client_id=idp.client_id,
        oidc_client_secret=idp.client_secret,
        oidc_label="County sign-in",
        **extra,
    )


@pytest.fixture
def sso(database_url: str, world: World, idp: OidcProvider) -> Iterator[TestClient]:
    with TestClient(create_app(sso_settings(database_url, idp))) as client:
        yield client


@pytest.fixture
def sso_mfa(database_url: str, world: World, idp: OidcProvider) -> Iterator[TestClient]:
    with TestClient(create_app(sso_settings(database_url, idp, require_mfa=True))) as client:
        yield client


def through_provider(client: TestClient, return_to: str = "console") -> httpx.Response:
    """Start a sign-in, let the provider answer, and bring its answer back: the callback's response."""
    start = client.get("/api/v1/auth/sso/start", params={"return_to": return_to}, follow_redirects=False)
    assert start.status_code == 302, start.text
    answer = httpx.get(start.headers["location"], follow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert back.path == "/api/v1/auth/sso/callback"
    callback: httpx.Response = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    return callback


def outcome(resp: httpx.Response) -> tuple[str, dict[str, str]]:
    """The page the browser is sent back to and what its fragment says."""
    assert resp.status_code == 303, resp.text
    where = urlsplit(resp.headers["location"])
    return where.path, {k: v[0] for k, v in parse_qs(where.fragment).items()}


def last_sso_login(client: TestClient) -> Any:
    entries = client.app.state.ctx.audit.entries(action="login", limit=50)  # type: ignore[attr-defined]
    return next(e for e in entries if e.detail.get("method") == "sso")


def ctx_of(client: TestClient) -> Any:
    return client.app.state.ctx  # type: ignore[attr-defined]


def test_with_single_sign_on_off_the_routes_say_so(client: TestClient) -> None:
    assert client.get("/api/v1/auth/sso").json() == {"enabled": False, "label": None, "start": None}
    for path in ("/api/v1/auth/sso/start", "/api/v1/auth/sso/callback?state=x&code=y"):
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code == 404
        assert resp.json()["detail"] == "single sign-on is off on this server"


def test_the_sign_in_page_learns_the_button_label(sso: TestClient) -> None:
    assert sso.get("/api/v1/auth/sso").json() == {
        "enabled": True,
        "label": "County sign-in",
        "start": "/api/v1/auth/sso/start",
    }


def test_sign_in_through_the_provider_opens_a_console_session(sso: TestClient, idp: OidcProvider) -> None:
    start = sso.get("/api/v1/auth/sso/start", follow_redirects=False)
    sent = parse_qs(urlsplit(start.headers["location"]).query)
    assert sent["code_challenge_method"] == ["S256"] and sent["nonce"] and sent["state"]
    assert sent["redirect_uri"] == ["http://testserver/api/v1/auth/sso/callback"]
    sso.cookies.clear()

    resp = through_provider(sso)
    assert outcome(resp) == ("/", {"sso": "signed-in"})
    assert "rtcc_session" in resp.cookies
    # The provider checked the PKCE verifier against the challenge before giving out the token.
    assert idp.redeemed[-1]["code_verifier"]
    me = sso.get("/api/v1/auth/me")  # the session cookie alone is enough
    assert me.status_code == 200 and me.json()["username"] == "operator"
    handed = sso.post("/api/v1/auth/sso/session")
    assert handed.status_code == 200 and handed.json()["user"]["username"] == "operator"
    bearer = {"Authorization": f"Bearer {handed.json()['token']}"}
    sso.cookies.clear()
    assert httpx_ok(sso.get("/api/v1/calls", headers=bearer))

    entry = last_sso_login(sso)
    assert (entry.outcome, entry.username) == ("success", "operator")
    assert entry.detail["subject"] == "sub-operator-0001" and entry.detail["linked"] is True
    assert entry.detail["second_factor"] == "provider"
    links = ctx_of(sso).sso.identities.links_of("operator")
    assert [(link.issuer, link.subject) for link in links] == [(idp.issuer, "sub-operator-0001")]


def httpx_ok(resp: httpx.Response) -> bool:
    return resp.status_code == 200


def test_a_sign_in_started_in_the_field_view_returns_there(sso: TestClient) -> None:
    assert outcome(through_provider(sso, "field")) == ("/field", {"sso": "signed-in"})


def test_the_return_page_is_one_of_ours(sso: TestClient) -> None:
    resp = sso.get("/api/v1/auth/sso/start", params={"return_to": "https://evil.example"})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "query.return_to"


def refused(client: TestClient, resp: httpx.Response, reason: str) -> Any:
    _, fragment = outcome(resp)
    assert fragment["sso"] == "error" and fragment["message"]
    assert "rtcc_session" not in resp.cookies
    assert client.get("/api/v1/auth/me").status_code == 401
    entry = last_sso_login(client)
    assert (entry.outcome, entry.detail["reason"]) == ("failure", reason)
    return entry


@pytest.mark.parametrize(
    ("misbehaviour", "problem"),
    [
        ("wrong_audience", "aud"),
        ("wrong_issuer", "iss"),
        ("expired", "expired"),
        ("wrong_nonce", "nonce"),
        ("bad_signature", "signature"),
        ("symmetric", "HS256"),
        ("other_audiences", "authorized party"),
    ],
)
def test_a_token_that_does_not_hold_is_refused(
    sso: TestClient, idp: OidcProvider, misbehaviour: str, problem: str
) -> None:
    idp.misbehave = misbehaviour
    entry = refused(sso, through_provider(sso), "bad_token")
    assert problem in entry.detail["problem"]
    assert ctx_of(sso).sso.identities.links_of("operator") == []


def test_a_token_for_several_audiences_names_this_client_as_the_authorized_party(
    sso: TestClient, idp: OidcProvider
) -> None:
    idp.misbehave = "other_audiences_azp"
    assert outcome(through_provider(sso))[1] == {"sso": "signed-in"}


def test_a_provider_that_is_down_or_names_another_issuer_is_refused(
    database_url: str, world: World, idp: OidcProvider
) -> None:
    idp.misbehave = "discovery_issuer"
    with TestClient(create_app(sso_settings(database_url, idp))) as client:
        start = client.get("/api/v1/auth/sso/start", follow_redirects=False)
        refused(client, start, "issuer_mismatch")
    down = OidcProvider()  # configured but never started: nothing listens on its port
    with TestClient(create_app(sso_settings(database_url, down))) as client:
        start = client.get("/api/v1/auth/sso/start", follow_redirects=False)
        entry = refused(client, start, "issuer_unreachable")
        assert down.issuer in entry.detail["problem"]
        assert "not answering" in outcome(start)[1]["message"]


def test_a_callback_from_another_browser_or_replayed_is_refused(sso: TestClient, idp: OidcProvider) -> None:
    start = sso.get("/api/v1/auth/sso/start", follow_redirects=False)
    answer = urlsplit(httpx.get(start.headers["location"], follow_redirects=False).headers["location"])
    callback = f"{answer.path}?{answer.query}"
    # Another browser (no cookie from the start) cannot use this answer.
    with TestClient(sso.app) as other:
        refused(other, other.get(callback, follow_redirects=False), "state_mismatch")
    # The state was used up by that attempt: not even the browser that started it can use it now.
    refused(sso, sso.get(callback, follow_redirects=False), "state_mismatch")
    # A state nobody issued.
    sso.get("/api/v1/auth/sso/start", follow_redirects=False)
    refused(
        sso,
        sso.get("/api/v1/auth/sso/callback?state=forged&code=x", follow_redirects=False),
        "state_mismatch",
    )


def test_a_refusal_by_the_provider_is_audited(sso: TestClient) -> None:
    start = sso.get("/api/v1/auth/sso/start", follow_redirects=False)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    resp = sso.get(f"/api/v1/auth/sso/callback?state={state}&error=access_denied", follow_redirects=False)
    assert "access_denied" in refused(sso, resp, "issuer_refused").detail["problem"]


def test_no_account_is_created_for_an_unknown_identity(sso: TestClient, idp: OidcProvider) -> None:
    idp.identity = Identity("stranger", "sub-stranger")
    entry = refused(sso, through_provider(sso), "unknown_user")
    assert entry.username == "stranger"
    assert ctx_of(sso).accounts.get_user("stranger") is None


def test_the_first_identity_is_pinned_to_the_account(sso: TestClient, idp: OidcProvider) -> None:
    assert outcome(through_provider(sso))[1] == {"sso": "signed-in"}
    sso.cookies.clear()
    # Another identity at the provider now calls itself "operator": refused.
    idp.identity = Identity("operator", "sub-impostor")
    refused(sso, through_provider(sso), "subject_mismatch")
    # The operator's own identity renamed "supervisor" at the provider cannot reach the supervisor.
    idp.identity = Identity("supervisor", "sub-operator-0001")
    entry = refused(sso, through_provider(sso), "subject_mismatch")
    assert entry.username == "supervisor"
    assert ctx_of(sso).sso.identities.links_of("supervisor") == []
    # The real operator still gets in.
    idp.identity = Identity("operator", "sub-operator-0001")
    assert outcome(through_provider(sso))[1] == {"sso": "signed-in"}


def test_disabled_and_locked_accounts_cannot_sign_in(sso: TestClient, idp: OidcProvider) -> None:
    accounts = ctx_of(sso).accounts
    accounts.lock("operator")
    refused(sso, through_provider(sso), "locked")
    accounts.unlock("operator")
    with ctx_of(sso).db.write() as conn:
        conn.execute(update(users).where(users.c.username == "operator").values(active=False))
    refused(sso, through_provider(sso), "disabled")
    accounts.enable("operator")
    # Unused for more than 90 days: disabled at the attempt, as at a password sign-in.
    with ctx_of(sso).db.write() as conn:
        old = now_utc() - timedelta(days=91)
        conn.execute(update(users).where(users.c.username == "operator").values(last_login_at=old))
    refused(sso, through_provider(sso), "inactive")
    assert accounts.get_user("operator").active is False


def test_a_single_sign_on_session_ends_like_any_other(sso: TestClient) -> None:
    through_provider(sso)
    assert sso.get("/api/v1/auth/me").status_code == 200
    with ctx_of(sso).db.write() as conn:
        conn.execute(update(sessions).values(created_at=now_utc() - timedelta(hours=12, minutes=1)))
    resp = sso.get("/api/v1/auth/me")
    assert resp.status_code == 401 and "expired" in resp.json()["detail"]
    assert sso.post("/api/v1/auth/sso/session").status_code == 401


def enrol_totp(client: TestClient, username: str) -> pyotp.TOTP:
    accounts = ctx_of(client).accounts
    user = accounts.get_user(username)
    totp = pyotp.TOTP(accounts.begin_mfa(user.id))
    assert accounts.confirm_mfa(user.id, totp.now())
    return totp


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next time step: the current one was used to confirm the enrolment."""
    return totp.at(now_utc() + timedelta(seconds=totp.interval))


def test_without_a_second_factor_from_the_provider_the_account_code_is_asked(
    sso_mfa: TestClient, idp: OidcProvider
) -> None:
    totp = enrol_totp(sso_mfa, "operator")
    idp.identity = Identity("operator", "sub-operator-0001", amr=["pwd"])
    resp = through_provider(sso_mfa)
    assert outcome(resp) == ("/", {"sso": "code"})
    assert "rtcc_session" not in resp.cookies and sso_mfa.get("/api/v1/auth/me").status_code == 401

    right = next_code(totp)
    wrong = "000000" if right != "000000" else "111111"
    bad = sso_mfa.post("/api/v1/auth/sso/code", json={"code": wrong})
    assert bad.status_code == 401 and bad.json()["detail"].startswith("otp:")
    assert last_sso_login(sso_mfa).detail["reason"] == "wrong_otp"

    good = sso_mfa.post("/api/v1/auth/sso/code", json={"code": right})
    assert good.status_code == 200, good.text
    assert good.json()["user"]["username"] == "operator" and good.json()["return_to"] == "console"
    assert sso_mfa.get("/api/v1/auth/me").status_code == 200
    assert last_sso_login(sso_mfa).detail["second_factor"] == "code"
    # The step is used up.
    again = sso_mfa.post("/api/v1/auth/sso/code", json={"code": right})
    assert again.status_code == 400 and again.json()["detail"].startswith("code:")


def test_no_amr_at_all_counts_as_no_second_factor(sso_mfa: TestClient, idp: OidcProvider) -> None:
    enrol_totp(sso_mfa, "operator")
    idp.misbehave = "no_amr"
    assert outcome(through_provider(sso_mfa)) == ("/", {"sso": "code"})


def test_a_second_factor_shown_by_the_provider_is_accepted(sso_mfa: TestClient, idp: OidcProvider) -> None:
    enrol_totp(sso_mfa, "operator")
    idp.identity = Identity("operator", "sub-operator-0001", amr=["pwd", "hwk"])
    assert outcome(through_provider(sso_mfa)) == ("/", {"sso": "signed-in"})
    assert sso_mfa.get("/api/v1/auth/me").status_code == 200


def test_sms_codes_are_not_taken_as_a_second_factor(sso_mfa: TestClient, idp: OidcProvider) -> None:
    enrol_totp(sso_mfa, "operator")
    idp.identity = Identity("operator", "sub-operator-0001", amr=["pwd", "sms"])
    assert outcome(through_provider(sso_mfa)) == ("/", {"sso": "code"})


def test_wrong_codes_after_single_sign_on_lock_the_account(sso_mfa: TestClient, idp: OidcProvider) -> None:
    totp = enrol_totp(sso_mfa, "operator")
    idp.identity = Identity("operator", "sub-operator-0001", amr=["pwd"])
    through_provider(sso_mfa)
    right = next_code(totp)
    wrong = [c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c != right][:5]
    for code in wrong:
        assert sso_mfa.post("/api/v1/auth/sso/code", json={"code": code}).status_code == 401
    locked = sso_mfa.post("/api/v1/auth/sso/code", json={"code": right})
    assert locked.status_code == 401 and "locked" in locked.json()["detail"]
    assert ctx_of(sso_mfa).accounts.get_user("operator").locked_at is not None


def test_an_account_without_a_second_factor_must_set_one_up(sso_mfa: TestClient, idp: OidcProvider) -> None:
    idp.identity = Identity("operator", "sub-operator-0001", amr=["pwd"])
    assert outcome(through_provider(sso_mfa)) == ("/", {"sso": "signed-in"})
    handed = sso_mfa.post("/api/v1/auth/sso/session").json()
    assert handed["mfa_enrolment_required"] is True
    # Until then only enrolment is open to the session, as after a password sign-in.
    assert sso_mfa.get("/api/v1/calls").status_code == 403
    assert sso_mfa.post("/api/v1/auth/mfa/begin").status_code == 200


def test_discovery_and_keys_are_cached_and_a_new_key_is_fetched(sso: TestClient, idp: OidcProvider) -> None:
    before = dict(idp.fetches)
    for _ in range(2):
        assert outcome(through_provider(sso))[1] == {"sso": "signed-in"}
    assert idp.fetches["discovery"] - before["discovery"] == 1
    assert idp.fetches["jwks"] - before["jwks"] == 1
    idp.rotate_key()  # the provider signs with a key this server has not seen
    assert outcome(through_provider(sso))[1] == {"sso": "signed-in"}
    assert idp.fetches["jwks"] - before["jwks"] == 2


def test_an_administrator_sees_and_removes_the_pinned_identity(sso: TestClient, idp: OidcProvider) -> None:
    through_provider(sso)
    sso.cookies.clear()
    admin = login(sso, "admin")
    sso.cookies.clear()  # the administrator works with the bearer token; this client is the operator's browser
    linked = sso.get("/api/v1/users/operator/sso", headers=admin)
    assert [(x["issuer"], x["subject"]) for x in linked.json()] == [(idp.issuer, "sub-operator-0001")]
    idp.identity = Identity("operator", "sub-operator-0002")  # the provider re-created the person
    refused(sso, through_provider(sso), "subject_mismatch")

    assert sso.post("/api/v1/users/operator/sso/unlink", headers=admin).status_code == 204
    entry = ctx_of(sso).audit.entries(action="sso.unlink", limit=1)[0]
    assert entry.username == "admin" and entry.detail["unlinked"][0]["subject"] == "sub-operator-0001"
    again = sso.post("/api/v1/users/operator/sso/unlink", headers=admin)
    assert again.status_code == 409 and "no single sign-on identity" in again.json()["detail"]
    assert sso.post("/api/v1/users/other-operator/sso/unlink", headers=admin).status_code == 404
    # The next sign-in links the new identity.
    assert outcome(through_provider(sso))[1] == {"sso": "signed-in"}
    assert sso.get("/api/v1/users/operator/sso", headers=admin).json()[0]["subject"] == "sub-operator-0002"


def test_a_second_factor_shown_by_the_provider_stands_in_for_enrolment(
    sso_mfa: TestClient, idp: OidcProvider
) -> None:
    """Where the agency requires a second factor, a provider that shows one (amr) is enough: the account
    has no code of its own to set up."""
    idp.identity = Identity("operator", "sub-operator-0001", amr=["pwd", "mfa"])
    assert outcome(through_provider(sso_mfa)) == ("/", {"sso": "signed-in"})
    assert sso_mfa.post("/api/v1/auth/sso/session").json()["mfa_enrolment_required"] is False
    assert sso_mfa.get("/api/v1/calls").status_code == 200

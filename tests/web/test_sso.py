"""Single sign-on in the browser: the console's button goes through the agency's identity provider (a real
one on loopback) and comes back signed in, with the live stream running."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.api.oidc_provider import Identity, OidcProvider
from tests.conftest import PG_URL, free_port
from tests.web.conftest import BIN, CHROMIUM, DIST, _need


@dataclass
class SsoDemo:
    base: str
    provider: OidcProvider
    log: Path

    def password(self, username: str) -> str:
        found = re.search(rf"sign in as {username} with one-time password (\S+)", self.log.read_text())
        assert found, self.log.read_text()[-3000:]
        return found.group(1)


@pytest.fixture(scope="module")
def sso_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SsoDemo]:
    """`rtcc demo` with single sign-on through the test provider."""
    _need(DIST.is_file(), "the console is not built (make web)")
    _need(CHROMIUM.is_file(), "Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    provider = OidcProvider().start()
    provider.ask_first = True
    provider.identity = Identity("operator", "sub-operator-web", amr=["pwd", "otp"])
    tmp = tmp_path_factory.mktemp("sso-demo")
    url, admin, name = f"sqlite:///{tmp / 'demo.db'}", None, f"rtcc_sso_{uuid.uuid4().hex[:8]}"
    if PG_URL:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "RTCC_MODE": "demo",
        "RTCC_DATABASE_URL": url,
        "RTCC_PORT": str(port),
        "RTCC_PUBLIC_BASE_URL": base,
        "RTCC_OIDC_ISSUER": provider.issuer,
        "RTCC_OIDC_CLIENT_ID": provider.client_id,
        "RTCC_OIDC_CLIENT_SECRET": provider.client_secret,
        "RTCC_OIDC_LABEL": "Sign in with County ID",
        "COLUMNS": "120",
    }
    log = tmp / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "rtcc"), "demo"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while len(re.findall(r"sign in as \w+ with one-time password", log.read_text())) < 4:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield SsoDemo(base, provider, log)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        provider.stop()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_the_single_sign_on_button_signs_in_to_the_console(sso_demo: SsoDemo, open_page: Any) -> None:
    page = open_page()
    p = page.page
    p.goto(sso_demo.base + "/")
    button = p.locator("form.login button.sso")
    button.wait_for(timeout=10_000)
    assert button.inner_text() == "Sign in with County ID"
    page.shot("sign-in-page")
    button.click()

    # The provider's own page, on its own address.
    p.wait_for_selector("#approve", timeout=10_000)
    assert p.url.startswith(sso_demo.provider.issuer)
    p.click("#approve")

    # Back in the console, signed in as the provider's user, with the live stream running.
    p.wait_for_selector("body.signed-in", timeout=15_000)
    assert p.locator(".me").inner_text().startswith("operator")
    p.wait_for_selector(".link[data-state=live]", timeout=15_000)
    assert p.url == sso_demo.base + "/"  # the outcome was read and taken out of the address
    page.shot("signed-in")
    assert page.errors == [], page.errors

    # Signing out ends the session: the sign-in form comes back, with the button.
    p.click("button:has-text('Sign out')")
    p.wait_for_selector("form.login button.sso")


def test_a_refused_single_sign_on_says_why(sso_demo: SsoDemo, open_page: Any) -> None:
    sso_demo.provider.identity = Identity("nobody-here", "sub-nobody", amr=["pwd", "otp"])
    try:
        page = open_page()
        p = page.page
        p.goto(sso_demo.base + "/")
        p.click("form.login button.sso")
        p.click("#approve")
        p.wait_for_selector("form.login .error:has-text('no OpenRTCC account')", timeout=10_000)
        assert "#" not in p.url
    finally:
        sso_demo.provider.identity = Identity("operator", "sub-operator-web", amr=["pwd", "otp"])


def test_a_sign_in_started_in_the_field_view_returns_to_it(sso_demo: SsoDemo, open_page: Any) -> None:
    sso_demo.provider.identity = Identity("officer", "sub-officer-web", amr=["pwd", "hwk"])
    try:
        page = open_page((412, 915), "phone")
        p = page.page
        p.goto(sso_demo.base + "/field")
        p.click("form.login button.sso")
        p.click("#approve")
        # Signed in, the officer is asked which unit they are on, in the field view.
        p.wait_for_selector("input[name=unit]", timeout=15_000)
        assert p.url == sso_demo.base + "/field"
        assert page.errors == [], page.errors
    finally:
        sso_demo.provider.identity = Identity("operator", "sub-operator-web", amr=["pwd", "otp"])


def test_without_a_second_factor_at_the_provider_the_console_asks_for_the_code(
    sso_demo: SsoDemo, open_page: Any
) -> None:
    # The analyst sets up an authenticator (with a password sign-in), then signs in through a provider
    # that confirms only a password.
    signed = httpx.post(
        f"{sso_demo.base}/api/v1/auth/login",
        json={"username": "analyst", "password": sso_demo.password("analyst")},
        timeout=10,
    ).json()
    bearer = {"Authorization": f"Bearer {signed['token']}"}
    secret = httpx.post(f"{sso_demo.base}/api/v1/auth/mfa/begin", headers=bearer, timeout=10).json()["secret"]
    totp = pyotp.TOTP(secret)
    confirm = httpx.post(
        f"{sso_demo.base}/api/v1/auth/mfa/confirm", json={"code": totp.now()}, headers=bearer, timeout=10
    )
    assert confirm.status_code == 204
    sso_demo.provider.identity = Identity("analyst", "sub-analyst-web", amr=["pwd"])
    try:
        page = open_page()
        p = page.page
        p.goto(sso_demo.base + "/")
        p.click("form.login button.sso")
        p.click("#approve")
        p.wait_for_selector("form.login input[name=otp]", timeout=10_000)
        # The code of the next time step: the current one was used to confirm the authenticator.
        p.fill("input[name=otp]", totp.at(datetime.now(UTC) + timedelta(seconds=totp.interval)))
        p.click("button[type=submit]")
        p.wait_for_selector("body.signed-in", timeout=15_000)
        assert p.locator(".me").inner_text().startswith("analyst")
        assert page.errors == [], page.errors
    finally:
        sso_demo.provider.identity = Identity("operator", "sub-operator-web", amr=["pwd", "otp"])

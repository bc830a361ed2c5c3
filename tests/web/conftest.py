"""Browser tests: the demo city served by `rtcc demo`, driven in Debian's Chromium through Playwright.

One demo runs per test module (it takes a few seconds to start); each test opens its own browser context,
so sessions and storage do not leak between tests. Screenshots go to test-output/web/.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, REQUIRE_SERVICES, free_port

CHROMIUM = Path("/usr/bin/chromium")
DIST = Path(__file__).resolve().parents[2] / "src" / "rtcc" / "web" / "dist" / "index.html"
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "web"
BIN = Path(sys.executable).parent
# Flags for a sandboxed machine with no network beyond loopback (as root, no GPU, no background calls).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _need(condition: bool, why: str) -> None:
    if not condition:
        if REQUIRE_SERVICES:
            pytest.fail(why)
        pytest.skip(why)


@dataclass
class Demo:
    base: str
    passwords: dict[str, str]
    log: Path
    database_url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            resp = httpx.post(
                f"{self.base}/api/v1/auth/login",
                json={"username": username, "password": self.passwords[username]},
                timeout=10,
            )
            resp.raise_for_status()
            self.tokens[username] = resp.json()["token"]
        return self.tokens[username]

    def api(self, username: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(username)}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.base + path, headers=headers, timeout=15, **kwargs)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    _need(DIST.is_file(), "the console is not built (make web)")
    _need(CHROMIUM.is_file(), "Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("demo")
    admin = None
    if PG_URL:
        name = f"rtcc_web_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp / 'demo.db'}"
    port = free_port()
    env = {
        **os.environ,
        "RTCC_MODE": "demo",
        "RTCC_DATABASE_URL": url,
        "RTCC_PORT": str(port),
        "COLUMNS": "120",
        "RTCC_WS_SESSION_CHECK_S": "1",  # a session that ends shows at once in the console
    }
    log = tmp / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "rtcc"), "demo"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        passwords: dict[str, str] = {}
        while len(passwords) < 4:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            passwords = dict(re.findall(r"sign in as (\w+) with one-time password (\S+)", log.read_text()))
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield Demo(base, passwords, log, url)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Page:
    """A browser tab with what went wrong in it collected: console errors and uncaught exceptions."""

    def __init__(self, context: Any, name: str):
        self.context = context
        self.page = context.new_page()
        self.name = name
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def shot(self, label: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def open_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(viewport: tuple[int, int] = (1600, 1000), label: str = "") -> Page:
        ctx = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(ctx)
        return Page(ctx, request.node.name + (f"-{label}" if label else ""))

    yield make
    for ctx in contexts:
        ctx.close()


def sign_in(page: Page, demo: Demo, username: str, path: str = "/") -> None:
    p = page.page
    p.goto(demo.base + path)
    p.fill("input[name=username]", username)
    p.fill("input[name=password]", demo.passwords[username])
    p.click("button[type=submit]")

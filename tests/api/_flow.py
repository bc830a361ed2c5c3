"""Helpers for tests that send events and wait for the engines to catch up."""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import login

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def send(client: TestClient, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    resp = client.post("/api/v1/ingest", headers={"X-API-Key": key}, json=items)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    assert not body["rejected"], body["rejected"]
    return body


def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll until check() returns something truthy (engines run asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s; last value {value!r}")
        time.sleep(0.05)


def token(client: TestClient, username: str) -> str:
    """A session token for one of the seeded users (for ?token= on the WebSocket)."""
    return str(login(client, username)["Authorization"].split()[1])


def read_events(ws: Any, n: int) -> list[dict[str, Any]]:
    """The next ``n`` events from a live socket, skipping other frames (the hello)."""
    out: list[dict[str, Any]] = []
    while len(out) < n:
        msg = ws.receive_json()
        if msg["kind"] == "event":
            out.append(msg["event"])
    return out

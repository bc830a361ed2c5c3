"""Kill the server with SIGKILL in the middle of a stream of acknowledged events, restart it, and find every
acknowledged event stored exactly once and published to subscribers."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.tables import events, outbox
from tests.conftest import World, free_port, login

RTCC = str(Path(sys.executable).parent / "rtcc")


@contextmanager
def server(database_url: str, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "RTCC_MODE": "demo", "RTCC_DATABASE_URL": database_url, "RTCC_PORT": str(port)}
    with log.open("ab") as out:
        proc = subprocess.Popen([RTCC, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def batch(n: int, size: int) -> list[dict[str, object]]:
    t = datetime.now(UTC) - timedelta(minutes=1)
    return [
        {
            "id": f"b{n}-{i}",
            "type": "unit.location",
            "occurred_at": (t + timedelta(milliseconds=i)).isoformat(),
            "location": {"lat": 39.96, "lon": -82.99},
            "payload": {"unit_id": f"U{i % 50}"},
        }
        for i in range(size)
    ]


def test_acknowledged_events_survive_sigkill_exactly_once(
    database_url: str, world: World, db: Database, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/ingest"
    key = {"X-API-Key": world.keys["cad"]}
    acknowledged: list[str] = []
    in_flight: list[list[dict[str, object]]] = []
    stop = threading.Event()

    def stream() -> None:
        with httpx.Client(timeout=10) as client:
            n = 0
            while not stop.is_set():
                items = batch(n, 200)
                in_flight[:] = [items]
                try:
                    resp = client.post(url, json=items, headers=key)
                except httpx.HTTPError:
                    return  # the server died mid-request: this batch was never acknowledged
                assert resp.status_code == 200
                assert resp.json()["accepted"] == len(items)
                acknowledged.extend(str(i["id"]) for i in items)
                n += 1

    log = tmp_path / "server.log"
    with server(database_url, port, log) as proc:
        sender = threading.Thread(target=stream)
        sender.start()
        while len(acknowledged) < 4000:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # no shutdown, no flush: the process just stops
        proc.wait(10)
        sender.join(10)
        stop.set()
    assert len(acknowledged) >= 4000

    with server(database_url, port, log):
        # The producer retries the batch it never got an answer for; nothing is stored twice.
        resp = httpx.post(url, json=in_flight[0], headers=key, timeout=10)
        assert resp.status_code == 200
        assert resp.json()["accepted"] + resp.json()["duplicates"] == len(in_flight[0])
        expected = set(acknowledged) | {str(i["id"]) for i in in_flight[0]}

        with db.read() as conn:
            stored = conn.execute(select(events.c.id, func.count()).group_by(events.c.id)).all()
        counts = dict((str(i), int(n)) for i, n in stored)
        assert set(acknowledged) <= set(counts)
        assert set(counts) == expected
        assert set(counts.values()) == {1}

        # Whatever was committed but not yet published before the kill is published after the restart.
        deadline = time.monotonic() + 20
        while True:
            with db.read() as conn:
                left = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
            if left == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert left == 0
        headers = login(httpx.Client(base_url=f"http://127.0.0.1:{port}"), "operator")  # type: ignore[arg-type]
        units = httpx.get(f"http://127.0.0.1:{port}/api/v1/units", headers=headers).json()
        assert len(units) == 50  # the live picture was rebuilt from the published events
    assert SqlEventStore(db).count() == len(expected)

"""`rtcc demo` as a new user runs it: within moments the API shows calls, units, cameras, plate reads and
gunshot pulses flowing, `rtcc status` counts them per feed, and Ctrl-C stops everything cleanly."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import free_port

BIN = Path(sys.executable).parent


def test_the_demo_city_flows_into_the_api_and_status(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "RTCC_MODE": "demo",
        "RTCC_DATABASE_URL": database_url,
        "RTCC_PORT": str(port),
        "COLUMNS": "120",
    }
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "rtcc"), "demo"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        password = None
        while password is None:
            match = re.search(r"sign in as analyst with one-time password (\S+)", log.read_text())
            password = match.group(1) if match else None
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        assert f"http://127.0.0.1:{port}" in log.read_text()
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(
            f"{base}/api/v1/auth/login", json={"username": "analyst", "password": password}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "demo check", "X-Case-Number": "DEMO-1"}

        def get(path: str, **params: Any) -> list[dict[str, Any]]:
            resp = httpx.get(base + path, headers=headers, params=params, timeout=10)
            assert resp.status_code == 200, resp.text
            return list(resp.json())

        seen: dict[str, int] = {}
        while time.monotonic() < deadline:
            seen = {
                "calls": len(get("/api/v1/calls")),
                "units": len([u for u in get("/api/v1/units") if u["lat"] is not None]),
                "cameras": len(get("/api/v1/cameras")),
                "alpr": len(get("/api/v1/events", type="alpr.read", limit=10)),
                "pulses": len(get("/api/v1/events", type="gunshot.pulse", limit=10)),
            }
            if all(seen.values()):
                break
            time.sleep(1)
        assert all(seen.values()), seen

        # Calls come from the fictional city's households too: their briefs name the residents.
        briefed: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not briefed:
            briefed = [
                e["payload"]
                for e in get("/api/v1/events", type="call.brief", limit=1000)
                if e["payload"]["residents"]
            ]
            time.sleep(0.5)
        assert briefed, "no call came from a household on record"
        # The call itself reaches the live picture through the projector, which may still be catching up.
        resp = httpx.get(f"{base}/api/v1/calls/{briefed[0]['call_id']}/brief", headers=headers, timeout=10)
        while resp.status_code == 404 and time.monotonic() < deadline:
            time.sleep(0.5)
            resp = httpx.get(
                f"{base}/api/v1/calls/{briefed[0]['call_id']}/brief", headers=headers, timeout=10
            )
        assert resp.status_code == 200, resp.text
        brief = resp.json()
        assert len(brief["residents"]) == briefed[0]["residents"]

        # The city's hotlisted cars pass its readers: their reads become hits to confirm.
        plate_hits: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not plate_hits:
            plate_hits = [a for a in get("/api/v1/alerts") if a["kind"] == "alpr.hit"]
            time.sleep(0.5)
        assert plate_hits, "no hotlist hit"
        assert plate_hits[0]["detail"]["entry"]["source"] and plate_hits[0]["detail"]["confirm"]

        # The center's desks are there to sit at.
        assert [p["name"] for p in get("/api/v1/positions")] == ["Desk 1", "Desk 2", "Supervisor"]

        status = subprocess.run(
            [str(BIN / "rtcc"), "status", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        feeds = {f["source"]: f for f in json.loads(status.stdout)["feeds"]}
        for feed in ("sim-cad", "sim-avl", "sim-cameras", "sim-alpr", "sim-gunshot"):
            assert feeds[feed]["accepted"] > 0 and feeds[feed]["rejected"] == 0, feeds[feed]
        assert feeds["sim-avl"]["arrived"] == feeds["sim-avl"]["accepted"] + feeds["sim-avl"]["duplicates"]
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
    assert code == 0, log.read_text()[-3000:]
    assert "stopped; sent" in log.read_text()

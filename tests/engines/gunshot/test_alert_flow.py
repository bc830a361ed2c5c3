"""From sensor pulses over HTTP to an operator's gunshot alert: position, rounds, cameras that can see the
spot (with PTZ commands), nearest units, a SHOOT call, then an outcome and the precision report."""

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from rtcc.engines.gunshot.geometry import speed_of_sound
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState
from tests.api._flow import eventually
from tests.conftest import World, login
from tests.engines.gunshot.synth import ORIGIN, grid_array

SPOT = (640.0, 470.0, 1.5)


def geo(x: float, y: float, z: float = 0.0) -> tuple[float, float, float]:
    return ORIGIN.to_geodetic((x, y, z))


def register_scene(db: Database, agency: str) -> None:
    live = SqlLiveState(db)
    cams = []
    for cam_id, (x, y), heading, ptz in (
        ("CAM-FACING", (640.0, 370.0), 0.0, False),  # 100 m south, looking north
        ("CAM-AWAY", (640.0, 370.0), 180.0, False),  # same pole, looking south
        ("CAM-PTZ", (540.0, 470.0), 0.0, True),  # 100 m west, can turn
        ("CAM-FAR", (640.0, 1400.0), 180.0, False),  # looking at it but 930 m away
    ):
        lat, lon, _ = geo(x, y)
        cams.append(
            {
                "id": cam_id,
                "agency_id": agency,
                "name": cam_id.title(),
                "kind": "city_cctv",
                "lat": lat,
                "lon": lon,
                "heading_deg": heading,
                "fov_deg": 60.0,
                "range_m": 200.0,
                "ptz": ptz,
                "mount_height_m": 8.0,
                "status": "up",
            }
        )
    live.register("camera", cams)


def pulses(rounds: list[float], t0: datetime) -> list[dict[str, Any]]:
    c = speed_of_sound(15.0)
    out = []
    base_ns = int(t0.timestamp()) * 1_000_000_000
    for r, fired in enumerate(rounds):
        for i, (x, y, z) in enumerate(grid_array()):
            lat, lon, h = geo(x, y, z)
            t_ns = base_ns + round((fired + math.dist((x, y, z), SPOT) / c) * 1e9)
            out.append(
                {
                    "id": f"r{r}-s{i}",
                    "sensor_id": f"S{i:02d}",
                    "t_ns": t_ns,
                    "lat": lat,
                    "lon": lon,
                    "elevation_m": h,
                    "snr": 20,
                }
            )
    return sorted(out, key=lambda p: p["t_ns"])


def test_pulses_become_an_alert_with_cameras_units_and_a_call(
    client: TestClient, world: World, db: Database
) -> None:
    register_scene(db, world.agency_id)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    spot_lat, spot_lon, _ = geo(*SPOT)
    # two units on patrol: one 300 m away, one 2 km away
    for unit, (x, y) in (("1A12", (940.0, 470.0)), ("2B07", (2640.0, 470.0))):
        lat, lon, _ = geo(x, y)
        client.post(
            "/api/v1/ingest",
            headers={"X-API-Key": world.keys["avl"]},
            json=[{"unit": unit, "time": now.isoformat(), "lat": lat, "lon": lon}],
        )
    headers = login(client, "operator")
    key = {"X-API-Key": world.keys["sensors"]}
    all_pulses = pulses([0.0, 0.31, 0.74], now)
    for i in range(0, len(all_pulses), 10):  # as the sound reaches the sensors
        assert client.post("/api/v1/ingest", headers=key, json=all_pulses[i : i + 10]).json()[
            "accepted"
        ] == len(all_pulses[i : i + 10])
        time.sleep(0.01)

    def gunshot_alert() -> dict[str, Any] | None:
        alerts = [a for a in client.get("/api/v1/alerts", headers=headers).json() if a["kind"] == "gunshot"]
        return alerts[0] if alerts and alerts[0]["detail"]["rounds"] == 3 else None

    alert = eventually(gunshot_alert, timeout=15)
    detail = alert["detail"]
    assert detail["classification"] == "multiple gunshots" and alert["severity"] == "critical"
    assert "Multiple gunshots (3 rounds)" in alert["title"]
    assert math.dist((alert["lat"], alert["lon"]), (spot_lat, spot_lon)) * 111_000 < 3
    assert detail["uncertainty"]["radius_90_m"] < 5 and detail["sensor_count"] == 25
    seen = {c["camera_id"]: c for c in detail["cameras"]}
    assert set(seen) == {"CAM-FACING", "CAM-PTZ"}
    assert seen["CAM-PTZ"]["pan_deg"] == 90.0 and seen["CAM-PTZ"]["tilt_deg"] < 0
    assert detail["ptz_commands"] == [
        {
            "camera_id": "CAM-PTZ",
            "command": "AbsoluteMove",
            "pan_deg": 90.0,
            "tilt_deg": seen["CAM-PTZ"]["tilt_deg"],
        }
    ]
    assert [u["unit_id"] for u in detail["units"]] == ["1A12", "2B07"]
    assert detail["units"][0]["distance_m"] < detail["units"][1]["distance_m"]
    # a new incident for dispatch
    calls = eventually(
        lambda: [c for c in client.get("/api/v1/calls", headers=headers).json() if c["call_type"] == "SHOOT"]
    )
    assert calls[0]["call_id"] == detail["call_id"] and calls[0]["priority"] == "highest"

    # The officer on scene finds casings: the outcome is kept and the precision report counts it.
    officer = login(client, "officer")
    bad = client.post(f"/api/v1/alerts/{alert['id']}/outcome", headers=officer, json={"outcome": "misread"})
    assert bad.status_code == 422 and "does not fit a gunshot alert" in bad.json()["detail"]
    ok = client.post(
        f"/api/v1/alerts/{alert['id']}/outcome",
        headers=officer,
        json={"outcome": "gunfire_confirmed", "note": "3 casings"},
    )
    assert ok.status_code == 200
    assert (ok.json()["status"], ok.json()["outcome"], ok.json()["outcome_by"]) == (
        "closed",
        "gunfire_confirmed",
        "officer",
    )
    analyst = login(client, "analyst")
    assert (
        client.post(
            f"/api/v1/alerts/{alert['id']}/outcome", headers=analyst, json={"outcome": "no_evidence"}
        ).status_code
        == 403
    )
    report = client.get("/api/v1/reports/alert-outcomes", headers=analyst, params={"kind": "gunshot"}).json()
    total = report["lines"][-1]
    assert (
        total["period"],
        total["alerts"],
        total["with_outcome"],
        total["confirmed"],
        total["precision"],
    ) == ("total", 1, 1, 1, 1.0)

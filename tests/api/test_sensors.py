"""The sensor registry in either frame, and sensors that stop reporting shown as down."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.config import Settings
from rtcc.domain.geo import haversine_m
from tests.conftest import World, login


def test_sensors_register_by_lat_lon_or_in_a_local_frame(client: TestClient, world: World) -> None:
    admin = login(client, "admin")
    origin = {"lat": 39.9612, "lon": -82.9988, "elevation_m": 230.0}
    body = {
        "sensors": [
            {"id": "AS-1", "lat": 39.95, "lon": -83.0, "elevation_m": 245.0},
            {"id": "AS-2", "x": 300.0, "y": 400.0, "z": 12.0, "frame": origin},
        ]
    }
    resp = client.post("/api/v1/sensors", headers=admin, json=body)
    assert resp.status_code == 201, resp.text
    listed = {s["id"]: s for s in client.get("/api/v1/sensors", headers=login(client, "operator")).json()}
    assert listed["AS-1"]["elevation_m"] == 245.0 and listed["AS-1"]["status"] == "never"
    local = listed["AS-2"]
    assert haversine_m(origin["lat"], origin["lon"], local["lat"], local["lon"]) == pytest.approx(
        500, abs=0.5
    )
    assert local["elevation_m"] == pytest.approx(242.0, abs=0.1)
    assert local["local_frame"] == {"origin": origin, "x": 300.0, "y": 400.0, "z": 12.0}


@pytest.mark.parametrize(
    "sensor",
    [
        {"id": "bad"},  # no position
        {
            "id": "bad",
            "lat": 39.9,
            "lon": -83.0,
            "x": 1.0,
            "y": 2.0,
            "frame": {"lat": 39.9, "lon": -83.0},
        },  # both
        {"id": "bad", "x": 1.0, "y": 2.0},  # a local position without its origin
        {"id": "bad", "lat": 91.0, "lon": -83.0},
    ],
)
def test_a_sensor_without_one_clear_position_is_refused(
    client: TestClient, sensor: dict[str, object]
) -> None:
    resp = client.post("/api/v1/sensors", headers=login(client, "admin"), json={"sensors": [sensor]})
    assert resp.status_code == 422


def test_only_administrators_register_sensors(client: TestClient) -> None:
    body = {"sensors": [{"id": "AS-9", "lat": 39.95, "lon": -83.0}]}
    assert client.post("/api/v1/sensors", headers=login(client, "operator"), json=body).status_code == 403


def test_a_sensor_that_stops_reporting_is_shown_down(database_url: str, world: World) -> None:
    settings = Settings(mode="demo", database_url=database_url, sensor_down_after_s=60)
    with TestClient(create_app(settings)) as client:
        admin = login(client, "admin")
        sensors = [{"id": f"AS-{i}", "lat": 39.95 + i / 1000, "lon": -83.0} for i in range(3)]
        client.post("/api/v1/sensors", headers=admin, json={"sensors": sensors})
        now = datetime.now(UTC)
        key = {"X-API-Key": world.keys["sensors"]}
        beats = [
            {"sensor_id": "AS-0", "kind": "heartbeat", "t": now.isoformat(), "lat": 39.95, "lon": -83.0},
            {
                "sensor_id": "AS-1",
                "kind": "heartbeat",
                "t": (now - timedelta(minutes=5)).isoformat(),
                "lat": 39.951,
                "lon": -83.0,
            },
        ]
        assert client.post("/api/v1/ingest", headers=key, json=beats).json()["accepted"] == 2
        deadline = datetime.now(UTC) + timedelta(seconds=5)
        status: dict[str, str] = {}
        while datetime.now(UTC) < deadline:
            status = {s["id"]: s["status"] for s in client.get("/api/v1/sensors", headers=admin).json()}
            if status.get("AS-0") == "up":
                break
        assert status == {"AS-0": "up", "AS-1": "down", "AS-2": "never"}

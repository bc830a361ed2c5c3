"""The ONVIF adapter against a real SOAP service on the loopback interface (tests/ingest/onvif_device.py):
profiles, stream and snapshot addresses, PTZ abilities, the WS-Security login checked on every call, and
`rtcc cameras onvif` printing and registering what it found with the login kept sealed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rtcc.config import Settings
from rtcc.ingest.onvif import OnvifFailed, Range, read_device, registry_entry
from rtcc.main import cli
from rtcc.storage.audit import AuditLog
from rtcc.storage.camera_credentials import CameraCredentials, Credential
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState
from tests.conftest import World
from tests.ingest.onvif_device import DeviceSpec, Profile, onvif_device

runner = CliRunner()


def dome() -> DeviceSpec:
    return DeviceSpec(
        profiles=[
            Profile("sub", "subStream", 640, 360, "rtsp://127.0.0.1:8554/Streaming/102", None),
            Profile(
                "main",
                "mainStream",
                1920,
                1080,
                "rtsp://127.0.0.1:8554/Streaming/101",
                "http://127.0.0.1:81/snap.jpg",
            ),
        ]
    )


def test_a_ptz_dome_is_read_profile_by_profile() -> None:
    spec = dome()
    with onvif_device(spec) as port:
        device = asyncio.run(read_device("127.0.0.1", port, spec.username, spec.password))
    assert (device.manufacturer, device.model) == ("Acme", "PTZ-4000")
    assert [(p.token, p.width, p.stream_url, p.snapshot_url) for p in device.profiles] == [
        ("sub", 640, "rtsp://127.0.0.1:8554/Streaming/102", None),
        ("main", 1920, "rtsp://127.0.0.1:8554/Streaming/101", "http://127.0.0.1:81/snap.jpg"),
    ]
    assert device.has_ptz and device.ptz is not None
    assert (device.ptz.pan, device.ptz.tilt, device.ptz.zoom) == (Range(-1, 1), Range(-1, 0.5), Range(0, 1))
    assert device.ptz.presets == 128 and device.ptz.home
    assert spec.refused == []
    assert {"GetServices", "GetProfiles", "GetStreamUri", "GetSnapshotUri", "GetNodes"} <= set(spec.calls)

    entry = registry_entry(device, camera_id="DOME-1", agency_id="cpd", lat=39.96, lon=-82.99)
    assert entry["stream_url"] == "rtsp://127.0.0.1:8554/Streaming/101"  # the largest profile
    assert entry["snapshot_url"] == "http://127.0.0.1:81/snap.jpg" and entry["ptz"] is True
    assert entry["name"] == "Acme PTZ-4000"
    sub = registry_entry(
        device, camera_id="DOME-1", agency_id="cpd", profile_token="sub", lat=39.96, lon=-82.99
    )
    assert sub["stream_url"].endswith("/102") and sub["snapshot_url"] is None
    with pytest.raises(OnvifFailed, match="needs its position"):
        registry_entry(device, camera_id="NEW", agency_id="cpd")


def test_a_fixed_camera_without_get_services_and_a_wrong_password() -> None:
    spec = dome()
    spec.ptz, spec.services, spec.model = False, False, "Bullet-200"
    with onvif_device(spec) as port:
        device = asyncio.run(read_device("127.0.0.1", port, spec.username, spec.password))
        assert "GetCapabilities" in spec.calls  # the older discovery call, after GetServices was refused
        assert not device.has_ptz and device.ptz is None and len(device.profiles) == 2
        with pytest.raises(OnvifFailed, match="refused the request: Sender not Authorized"):
            asyncio.run(read_device("127.0.0.1", port, spec.username, "not-the-password"))
    assert spec.refused  # the device saw a login it did not accept


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)


def test_rtcc_cameras_onvif_prints_and_registers(
    env: None, world: World, db: Database, settings: Settings, tmp_path: Path
) -> None:
    spec = dome()
    with onvif_device(spec) as port:
        address = f"127.0.0.1:{port}"
        shown = runner.invoke(
            cli,
            ["cameras", "onvif", address, "--username", spec.username, "--json"],
            input=spec.password + "\n",
        )
        assert shown.exit_code == 0, shown.output
        found = json.loads(shown.output)["device"]
        assert found["has_ptz"] and [p["token"] for p in found["profiles"]] == ["sub", "main"]
        assert spec.password not in shown.output

        args = ["cameras", "onvif", address, "--username", spec.username, "--camera-id", "DOME-7"]
        args += ["--register", "--lat", "39.961", "--lon", "-82.998", "--agency", "cpd", "--json"]
        done = runner.invoke(cli, args, input=spec.password + "\n")
        assert done.exit_code == 0, done.output
        assert spec.password not in done.output

        wrong = runner.invoke(cli, ["cameras", "onvif", address, "--username", spec.username], input="nope\n")
        assert wrong.exit_code == 1 and "Sender not Authorized" in wrong.output

    camera = SqlLiveState(db).camera("DOME-7")
    assert camera is not None and camera.ptz and camera.lat == 39.961
    assert camera.stream_url == "rtsp://127.0.0.1:8554/Streaming/101"
    assert camera.snapshot_url == "http://127.0.0.1:81/snap.jpg"
    store = CameraCredentials(db, settings.secret_key)
    assert store.get("DOME-7") == Credential(spec.username, spec.password)
    assert store.with_credentials("DOME-7", camera.stream_url) == (
        "rtsp://onvif-admin:0nvif-pw%21@127.0.0.1:8554/Streaming/101"
    )
    [audited] = AuditLog(db).entries(action="camera.credentials")
    assert audited.detail == {"camera_id": "DOME-7", "change": "set", "by": "onvif"}

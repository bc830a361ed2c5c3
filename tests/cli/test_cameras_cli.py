"""`rtcc import cameras` on the New York, Seattle and Georgia registries, and which cameras can see a place
(`rtcc cameras near` and the API the console uses)."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rtcc.main import cli
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.live_state import SqlLiveState
from tests.conftest import World, login

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "cameras"
runner = CliRunner()


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)


def rtcc(*args: str) -> str:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.skipif(not DATA.exists(), reason="camera registries not present")
@pytest.mark.parametrize(
    ("city", "count", "where", "stream"),
    [
        ("nyc", 922, "Worth St @ Centre St", False),
        ("seattle", 154, "Fauntleroy Way SW & SW Cloverdale St", True),
        ("georgia", 1496, "CRISP-0020: SR 30 at I75 SB Ramp (Crisp)", True),
    ],
)
def test_public_camera_registries_import_with_their_mappings(
    city: str, count: int, where: str, stream: bool, world: World, db: Database
) -> None:
    out = json.loads(
        rtcc(
            "import",
            "cameras",
            str(DATA / f"{city}_dot_cameras.json"),
            "--mapping",
            str(ROOT / "mappings" / f"{city}_dot_cameras.yaml"),
            "--agency",
            "cpd",
            "--json",
        )
    )
    assert (out["rows"], out["imported"], out["rejected"]) == (count, count, [])
    cams = {c.name: c for c in SqlLiveState(db).cameras(agency_id="cpd", limit=5000)}
    assert len(cams) == count
    cam = cams[where]
    assert cam.kind.value == "traffic" and cam.owner and cam.sharing == "live"
    near = json.loads(
        rtcc("cameras", "near", str(cam.lat), str(cam.lon), "--radius", "50", "--agency", "cpd", "--json")
    )
    assert near[0]["name"] == where and near[0]["distance_m"] == 0
    assert near[0]["view"] == "unknown"  # DOT registries carry no heading or field of view
    assert (cam.snapshot_url is not None) is (not stream)


REGISTRY = """id,name,kind,lat,lon,heading,fov,range,ptz,height,stream,online
FIX-AT,Pharmacy door,business,39.96000,-82.99000,0,90,80,no,3,rtsp://10.0.0.5/live,yes
FIX-AWAY,Alley cam,business,39.95980,-82.99000,180,60,80,no,3,,yes
PTZ-1,Broad and High PTZ,city_cctv,39.95955,-82.99030,,,400,yes,12,rtsp://10.0.0.9/ptz,yes
ODD,Unknown cam,resident,39.96010,-82.99010,,,,no,,,no
BAD-KIND,x,satellite,39.96,-82.99,,,,no,,,yes
CREDS,y,traffic,39.96,-82.99,,,,no,,rtsp://admin:hunter2@10.0.0.7/live,yes
FAR,z,traffic,39.98,-82.99,,,,no,,,yes
"""
MAPPING = """kind: cameras
columns:
  camera_id: id
  name: name
  kind: kind
  latitude: lat
  longitude: lon
  heading: heading
  fov: fov
  range: range
  ptz: ptz
  mount_height: height
  stream_url: stream
  online: online
"""


def test_cameras_that_can_see_a_place_come_first_with_pan_and_tilt(
    tmp_path: Path, world: World, db: Database, client: TestClient
) -> None:
    (tmp_path / "cams.csv").write_text(REGISTRY)
    (tmp_path / "cams.yaml").write_text(MAPPING)
    out = json.loads(
        rtcc(
            "import",
            "cameras",
            str(tmp_path / "cams.csv"),
            "--mapping",
            str(tmp_path / "cams.yaml"),
            "--agency",
            "cpd",
            "--json",
        )
    )
    assert out["imported"] == 5
    refused = {r["row"]: r["errors"][0] for r in out["rejected"]}
    assert refused[5]["field"] == "kind" and "satellite" in refused[5]["reason"]
    assert refused[6]["field"] == "stream_url" and "password" in refused[6]["reason"]
    assert "hunter2" not in str(SqlLiveState(db).cameras(agency_id="cpd"))
    assert len(SqlEventStore(db).dead_letters(limit=10)) == 2

    spot = (39.96050, -82.99000)  # 55 m north of the pharmacy door camera, which looks north
    sights = client.get(
        "/api/v1/cameras/near",
        headers=login(client, "officer"),
        params={"lat": spot[0], "lon": spot[1], "radius_m": 500},
    ).json()
    order = [(s["camera"]["id"], s["view"]) for s in sights]
    assert order == [
        ("FIX-AT", "in_view"),
        ("PTZ-1", "in_view"),
        ("ODD", "unknown"),
        ("FIX-AWAY", "out_of_view"),
    ]
    ptz = sights[1]
    assert 10 < ptz["pan_deg"] < 18  # a little east of north from the PTZ camera
    assert -10 < ptz["tilt_deg"] < -4  # 12 m up, about 110 m away: looking down
    assert sights[2]["camera"]["status"] == "down"  # the registry says it is offline
    assert "stream_url" not in sights[0]["camera"]  # stream addresses stay on the server

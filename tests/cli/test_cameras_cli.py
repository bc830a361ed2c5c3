"""`rtcc import cameras` on the New York, Seattle and Georgia registries, and which cameras can see a place
(`rtcc cameras near` and the API the console uses)."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rtcc.config import Settings
from rtcc.main import cli
from rtcc.storage.audit import AuditLog
from rtcc.storage.camera_credentials import CameraCredentials, Credential
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


def rtcc(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(cli, list(args), catch_exceptions=False, input=stdin)
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
CREDS,y,traffic,39.98,-82.98,,,,no,,rtsp://admin:hunter2@10.0.0.7/live,yes
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
    tmp_path: Path, world: World, db: Database, client: TestClient, settings: Settings
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
    assert out["imported"] == 6
    refused = {r["row"]: r["errors"][0] for r in out["rejected"]}
    assert list(refused) == [5]
    assert refused[5]["field"] == "kind" and "satellite" in refused[5]["reason"]
    # The login in the address is taken out of it and kept sealed, apart.
    assert "hunter2" not in str(SqlLiveState(db).cameras(agency_id="cpd"))
    assert SqlLiveState(db).camera("CREDS").stream_url == "rtsp://10.0.0.7/live"  # type: ignore[union-attr]
    assert CameraCredentials(db, settings.secret_key).get("CREDS") == Credential("admin", "hunter2")
    assert len(SqlEventStore(db).dead_letters(limit=10)) == 1

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
    # Addresses are shown without logins; the login stays on the server.
    assert sights[0]["camera"]["stream_url"] == "rtsp://10.0.0.5/live"
    listed = client.get("/api/v1/cameras", headers=login(client, "operator"))
    assert "rtsp://10.0.0.7/live" in listed.text and "hunter2" not in listed.text


LOGINS = """id,name,lat,lon,stream,snapshot,user,pass,kind
L1,Login columns,39.96,-82.99,rtsp://10.0.0.21/live,http://10.0.0.21/snap.jpg,operator,p@ss:w0rd/1,traffic
L2,Login in the snapshot address,39.96,-82.99,,http://cam%40city:s3cr3t@10.0.0.22/snap.jpg,,,traffic
L3,Two logins,39.96,-82.99,rtsp://a:one-pw@10.0.0.23/live,http://b:two-pw@10.0.0.23/s.jpg,,,traffic
L4,Refused with a login,39.96,-82.99,rtsp://root:leaky-pw@10.0.0.24/live,,,also-leaky,satellite
"""
LOGINS_MAPPING = """kind: cameras
columns:
  camera_id: id
  name: name
  kind: kind
  latitude: lat
  longitude: lon
  stream_url: stream
  snapshot_url: snapshot
  username: user
  password: pass
"""


def test_imported_logins_are_sealed_and_never_kept_in_the_clear(
    tmp_path: Path, world: World, db: Database, settings: Settings
) -> None:
    (tmp_path / "cams.csv").write_text(LOGINS)
    (tmp_path / "cams.yaml").write_text(LOGINS_MAPPING)
    args = ["import", "cameras", str(tmp_path / "cams.csv"), "--mapping", str(tmp_path / "cams.yaml")]
    out = json.loads(rtcc(*args, "--agency", "cpd", "--json"))
    assert out["imported"] == 2
    refused = {r["row"]: r["errors"][0] for r in out["rejected"]}
    assert refused[3] == {"field": "snapshot_url", "reason": "its login differs from stream_url's"}
    assert refused[4]["field"] == "kind"
    store = CameraCredentials(db, settings.secret_key)
    assert store.get("L1") == Credential("operator", "p@ss:w0rd/1")
    assert store.get("L2") == Credential("cam@city", "s3cr3t")
    assert SqlLiveState(db).camera("L2").snapshot_url == "http://10.0.0.22/snap.jpg"  # type: ignore[union-attr]
    everything = dump(db)
    for secret in ("p@ss:w0rd/1", "s3cr3t", "one-pw", "two-pw", "leaky-pw", "also-leaky"):
        assert secret not in everything and secret not in out.__repr__()
    assert {e.resource for e in AuditLog(db).entries(action="camera.credentials")} == {
        "camera/L1",
        "camera/L2",
    }


def dump(db: Database) -> str:
    """Every row of every table, as text: what someone reading the database file would see."""
    from sqlalchemy import select

    from rtcc.storage.tables import metadata

    with db.read() as conn:
        return "\n".join(str(list(conn.execute(select(t)))) for t in metadata.sorted_tables)


def test_credentials_are_set_from_standard_input_and_cleared(
    world: World, db: Database, settings: Settings
) -> None:
    SqlLiveState(db).register(
        "camera",
        [{"id": "CLI-1", "agency_id": "cpd", "name": "c", "kind": "traffic", "lat": 39.9, "lon": -83.0}],
    )
    out = rtcc("cameras", "credentials", "set", "CLI-1", "--username", "admin", stdin="Tr0ub4dor&3\n")
    assert "Tr0ub4dor" not in out
    assert CameraCredentials(db, settings.secret_key).get("CLI-1") == Credential("admin", "Tr0ub4dor&3")
    assert "Tr0ub4dor" not in dump(db)
    rtcc("cameras", "credentials", "clear", "CLI-1")
    assert CameraCredentials(db, settings.secret_key).get("CLI-1") is None
    missing = runner.invoke(cli, ["cameras", "credentials", "set", "NOPE", "--username", "x"], input="y\n")
    assert missing.exit_code == 1 and "no camera 'NOPE'" in missing.output

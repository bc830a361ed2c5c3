"""A release outside the agency, under a subpoena: the package holds exactly the matching events of the
agency, its hash is recorded, the release is logged with recipient and basis, and the public report counts it."""

import hashlib
import io
import zipfile
from datetime import UTC, datetime, timedelta

import orjson
from fastapi.testclient import TestClient

from rtcc.domain.geo import Location
from rtcc.domain.ports import NewEvent
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from tests.conftest import World, login


def test_a_subpoena_release_is_packaged_hashed_and_logged(
    client: TestClient, world: World, db: Database
) -> None:
    now = datetime.now(UTC)
    read = {"reader_id": "R1", "plate": "HJK4821"}
    store = SqlEventStore(db)

    def ev(eid: str, src: str, agency: str, hours: int, type_: str = "alpr.read") -> NewEvent:
        when = now - timedelta(hours=hours)
        return NewEvent(
            eid, type_, world.source_ids[src], agency, when, when, Location(lat=39.9, lon=-83.0), read
        )

    store.append(
        world.source_ids["alpr"],
        [
            ev("in-1", "alpr", world.agency_id, 5),
            ev("in-2", "alpr", world.agency_id, 6),
            ev("too-old", "alpr", world.agency_id, 100),
        ],
        [],
    )
    store.append(
        world.source_ids["other-cad"], [ev("other-agency", "other-cad", world.other_agency_id, 5)], []
    )

    supervisor = login(client, "supervisor")
    body = {
        "kind": "subpoena",
        "recipient": "Franklin County Prosecutor, J. Doe",
        "legal_basis": "Subpoena 26-CR-00412",
        "purpose": "prosecution of a vehicle theft ring",
        "case_number": "26-004411",
        "criteria": {
            "event_types": ["alpr.read"],
            "occurred_from": (now - timedelta(days=1)).isoformat(),
            "occurred_to": now.isoformat(),
        },
    }
    assert client.post("/api/v1/disclosures", headers=login(client, "operator"), json=body).status_code == 403
    missing_basis = {**body, "legal_basis": ""}
    assert client.post("/api/v1/disclosures", headers=supervisor, json=missing_basis).status_code == 422
    resp = client.post("/api/v1/disclosures", headers=supervisor, json=body)
    assert resp.status_code == 201, resp.text
    disclosure = resp.json()
    assert disclosure["item_count"] == 2 and disclosure["released_by"] == "supervisor"

    pkg = client.get(f"/api/v1/disclosures/{disclosure['id']}/package", headers=supervisor)
    assert pkg.status_code == 200 and hashlib.sha256(pkg.content).hexdigest() == disclosure["package_sha256"]
    with zipfile.ZipFile(io.BytesIO(pkg.content)) as zf:
        released = [orjson.loads(line) for line in zf.read("events.jsonl").splitlines()]
        manifest = orjson.loads(zf.read("manifest.json"))
    assert sorted(e["id"] for e in released) == ["in-1", "in-2"]  # nothing older, nothing of another agency
    assert manifest["disclosure"]["legal_basis"] == "Subpoena 26-CR-00412"
    assert manifest["files"]["events.jsonl"]["sha256"] == hashlib.sha256(zf_bytes(pkg.content)).hexdigest()

    [logged] = AuditLog(db).entries(action="disclosure.release")
    assert logged.username == "supervisor"
    assert logged.detail["recipient"] == "Franklin County Prosecutor, J. Doe" and logged.detail["items"] == 2
    listed = client.get("/api/v1/disclosures", headers=supervisor).json()
    assert [d["id"] for d in listed] == [disclosure["id"]]
    report = client.get("/api/v1/transparency", params={"agency": world.agency_id}).json()
    assert report["disclosures"] == {"subpoena": 1}


def zf_bytes(package: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        return zf.read("events.jsonl")

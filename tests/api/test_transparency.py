"""The public transparency report, checked against counts planted in live data: page, JSON, CSV and PDF,
with no sign-in."""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.config import Settings
from rtcc.domain.geo import Location
from rtcc.domain.ports import NewEvent
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.live_state import SqlLiveState
from tests.conftest import World, login


def plant(db: Database, world: World) -> None:
    now = datetime.now(UTC)
    src, agency = world.source_ids["alpr"], world.agency_id
    reads = [
        NewEvent(
            f"r{i}",
            "alpr.read",
            src,
            agency,
            now - timedelta(days=days),
            now,
            Location(lat=39.9, lon=-83.0),
            {"reader_id": "R1", "plate": f"ABC{i}00"},
        )
        for i, days in enumerate([1, 2, 3, 10, 20, 100, 200, 400, 500])
    ]
    SqlEventStore(db).append(src, reads, [])
    live = SqlLiveState(db)

    def alert(i: int, kind: str, outcome: str | None, days: int = 5) -> dict[str, object]:
        return {
            "id": f"{kind}-{i}",
            "agency_id": agency,
            "kind": kind,
            "severity": "high",
            "title": kind,
            "detail": {},
            "raised_at": now - timedelta(days=days),
            "status": "closed" if outcome else "new",
            "outcome": outcome,
        }

    live.register(
        "alert",
        [
            alert(1, "alpr.hit", "plate_confirmed"),
            alert(2, "alpr.hit", "misread"),
            alert(3, "gunshot", "gunfire_confirmed"),
            alert(4, "gunshot", "no_evidence"),
            alert(5, "gunshot", None),
            alert(6, "gunshot", "gunfire_confirmed", days=800),  # outside the period
        ],
    )
    cams = [
        {
            "id": f"C{i}",
            "agency_id": agency,
            "name": f"C{i}",
            "kind": kind,
            "lat": 39.9,
            "lon": -83.0,
            "status": "up",
        }
        for i, kind in enumerate(["traffic", "traffic", "traffic", "business", "business"])
    ]
    cams.append(
        {
            "id": "OTHER",
            "agency_id": world.other_agency_id,
            "name": "x",
            "kind": "school",
            "lat": 39.9,
            "lon": -83.0,
            "status": "up",
        }
    )
    live.register("camera", cams)


@pytest.fixture
def client(database_url: str, world: World) -> Iterator[TestClient]:
    # Retention runs when the server starts; keep it from racing the planted old reads.
    settings = Settings(mode="demo", database_url=database_url, retention_plate_reads_days=3650)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_report_matches_what_the_data_holds(client: TestClient, world: World, db: Database) -> None:
    plant(db, world)
    analyst = login(client, "analyst")
    for purpose, case in (("stolen vehicle", "26-1"), ("stolen vehicle", "26-2"), ("missing person", "26-3")):
        params = {"type": "alpr.read", "purpose": purpose, "case_number": case}
        assert client.get("/api/v1/events", headers=analyst, params=params).status_code == 200
    client.get("/api/v1/units", headers=analyst)  # a read, not a search: not counted

    assert client.get("/api/v1/transparency").status_code == 422  # two agencies here: name one
    report = client.get("/api/v1/transparency", params={"agency": world.agency_id}).json()  # no sign-in
    assert report["agency_name"] == "Columbus Division of Police"
    assert report["plate_reads"] == 7  # nine planted, two older than a year
    assert report["plate_hits"] == 2
    assert report["plate_searches"] == 3
    assert report["searches_by_purpose"] == {"stolen vehicle": 2, "missing person": 1}
    gunshot = report["alerts"]["gunshot"]
    assert (gunshot["alerts"], gunshot["with_outcome"], gunshot["confirmed"], gunshot["precision"]) == (
        3,
        2,
        1,
        0.5,
    )
    assert report["alerts"]["alpr.hit"]["precision"] == 0.5
    assert report["cameras_by_kind"] == {"traffic": 3, "business": 2}
    assert [r["name"] for r in report["retention"]] == [
        "plate_reads",
        "events",
        "calls",
        "dead_letters",
        "video",
        "intelligence_records",
    ]
    assert any("No facial recognition" in p for p in report["policy"])

    csv_text = client.get("/transparency.csv", params={"agency": world.agency_id}).text
    rows = {(r["section"], r["item"]): r["value"] for r in csv.DictReader(io.StringIO(csv_text))}
    assert rows[("plates", "reads held")] == "7" and rows[("alerts: gunshot", "precision")] == "0.5000"
    assert rows[("cameras by kind", "traffic")] == "3"

    pdf = client.get("/transparency.pdf", params={"agency": world.agency_id})
    assert (
        pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and b"Transparency report" in pdf.content
    )
    page = client.get("/transparency", params={"agency": world.agency_id, "days": 30})
    assert (
        page.status_code == 200 and "Columbus Division of Police" in page.text and "reads held" in page.text
    )


def test_an_unknown_agency_is_named(client: TestClient) -> None:
    resp = client.get("/api/v1/transparency", params={"agency": "nowhere"})
    assert resp.status_code == 404 and "nowhere" in resp.json()["detail"]

"""Plate reads against hotlists, end to end: a hit becomes an alert with what to confirm, misreads are
labelled, expired and removed entries stop matching, a plate is confirmed only after every check, searches
state their purpose and are audited, a plate's track and its companions, and sharing across agencies."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from rtcc.app import load_due_hotlist_files
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from tests.api._flow import at, eventually, send
from tests.conftest import World, login

PURPOSE = {"X-Purpose": "stolen vehicle investigation", "X-Case-Number": "26-004512"}


def read(plate: str, seconds: float, reader: str = "R1", **extra: Any) -> dict[str, Any]:
    return {
        "plate": plate,
        "time": at(seconds),
        "latitude": 39.96,
        "longitude": -82.99,
        "reader_id": reader,
        **extra,
    }


def fresh(plate: str, reader: str = "R1", **extra: Any) -> dict[str, Any]:
    """A read made just now: hotlist entries only match reads made after they were entered."""
    now = datetime.now(UTC).isoformat()
    return {"plate": plate, "time": now, "latitude": 39.96, "longitude": -82.99, "reader_id": reader, **extra}


def hits(client: TestClient, headers: dict[str, str], n: int) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]] | None:
        alerts = [a for a in client.get("/api/v1/alerts", headers=headers).json() if a["kind"] == "alpr.hit"]
        return alerts if len(alerts) >= n else None

    result: list[dict[str, Any]] = eventually(found)
    return result


def add_entry(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = client.post("/api/v1/hotlists", headers=headers, json=body)
    assert resp.status_code == 201, resp.text
    entry: dict[str, Any] = resp.json()
    return entry


def wait_for_matcher() -> None:
    # The matcher picks up hotlist changes every couple of seconds.
    import time

    time.sleep(2.5)


def test_a_hit_raises_an_alert_with_what_to_confirm_and_misreads_are_labelled(
    client: TestClient, world: World
) -> None:
    operator = login(client, "operator")
    stolen = add_entry(client, operator, plate="hjk-4821", state="OH", reason="stolen vehicle", source="NCIC")
    assert stolen["plate"] == "HJK4821" and stolen["added_by"] == "operator"
    add_entry(client, operator, plate="BQR7710", reason="Amber alert: white van", source="NCMEC Amber alert")
    wait_for_matcher()
    send(
        client,
        world.keys["alpr"],
        [
            fresh("HJK 4821", state="OH", image="img://r1/0001.jpg", make="Honda", colour="grey"),
            fresh("8QR7710"),  # B read as 8
            fresh("XYZ9999"),  # on no list
        ],
    )
    alerts = sorted(hits(client, operator, 2), key=lambda a: a["detail"]["plate_read"])
    assert len(alerts) == 2
    amber, exact = alerts
    assert exact["detail"]["match"] == "exact" and exact["severity"] == "high"
    assert (
        exact["detail"]["entry"]["source"] == "NCIC"
        and exact["detail"]["entry"]["reason"] == "stolen vehicle"
    )
    assert exact["detail"]["image_ref"] == "img://r1/0001.jpg" and exact["detail"]["reader_id"] == "R1"
    assert exact["lat"] == 39.96 and exact["detail"]["confirm"] == [
        "plate",
        "state",
        "vehicle",
        "entry_active",
    ]
    assert amber["detail"]["match"] == "ocr_confusion" and "8" in amber["detail"]["match_detail"]
    assert amber["severity"] == "high"  # an Amber alert, one step lower because the read needed tolerance
    assert "ocr confusion" in amber["title"]


def test_expired_and_removed_entries_stop_matching(client: TestClient, world: World) -> None:
    operator = login(client, "operator")
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    add_entry(client, operator, plate="EXP1234", reason="BOLO", expires=soon)
    gone = add_entry(client, operator, plate="DEL5678", reason="BOLO")
    assert client.delete(f"/api/v1/hotlists/{gone['entry_id']}", headers=operator).status_code == 204
    keep = add_entry(client, operator, plate="KEP4321", reason="BOLO")
    wait_for_matcher()
    now = datetime.now(UTC)
    items = [
        {"plate": p, "time": now.isoformat(), "latitude": 39.96, "longitude": -82.99, "reader_id": "R2"}
        for p in ("EXP1234", "DEL5678", "KEP4321")
    ]
    send(client, world.keys["alpr"], items)
    alerts = hits(client, operator, 1)
    import time

    time.sleep(1.0)  # anything else would have arrived by now
    alerts = [a for a in client.get("/api/v1/alerts", headers=operator).json() if a["kind"] == "alpr.hit"]
    assert [a["detail"]["entry"]["entry_id"] for a in alerts] == [keep["entry_id"]]
    listed = client.get("/api/v1/hotlists?include_removed=true", headers=operator).json()
    assert {e["entry_id"]: e["removed_at"] is not None for e in listed}[gone["entry_id"]] is True


def test_a_plate_is_confirmed_only_after_every_check(client: TestClient, world: World, db: Database) -> None:
    operator = login(client, "operator")
    add_entry(client, operator, plate="CNF1111", state="OH", reason="stolen vehicle", source="NCIC")
    wait_for_matcher()
    send(client, world.keys["alpr"], [fresh("CNF1111", state="OH")])
    alert = hits(client, operator, 1)[0]
    aid = alert["id"]
    officer = login(client, "officer")
    early = client.post(f"/api/v1/alerts/{aid}/outcome", headers=officer, json={"outcome": "plate_confirmed"})
    assert early.status_code == 422 and "plate, state, vehicle, entry_active" in early.text
    for item in ("plate", "state", "vehicle"):
        resp = client.post(
            f"/api/v1/alerts/{aid}/checks", headers=officer, json={"item": item, "result": "confirmed"}
        )
        assert resp.status_code == 201
    mismatch = client.post(
        f"/api/v1/alerts/{aid}/checks",
        headers=operator,
        json={"item": "entry_active", "result": "mismatch", "note": "NCIC: recovered 2 days ago"},
    )
    checks = mismatch.json()
    assert [(c["item"], c["by"]) for c in checks][-1] == ("entry_active", "operator")
    still = client.post(f"/api/v1/alerts/{aid}/outcome", headers=officer, json={"outcome": "plate_confirmed"})
    assert still.status_code == 422 and "entry_active" in still.text
    done = client.post(f"/api/v1/alerts/{aid}/outcome", headers=operator, json={"outcome": "entry_inactive"})
    assert done.status_code == 200 and done.json()["outcome"] == "entry_inactive"


def test_plate_searches_need_a_purpose_and_are_audited(
    client: TestClient, world: World, db: Database
) -> None:
    send(
        client,
        world.keys["alpr"],
        [read("ABC1234", 1, reader="R1"), read("ABD1234", 2, reader="R2"), read("ZZZ0001", 3, reader="R1")],
    )
    analyst = login(client, "analyst")
    no_purpose = client.get("/api/v1/plates/search", headers=analyst, params={"plate": "AB*"})
    assert no_purpose.status_code == 422 and "purpose and case_number" in no_purpose.text
    found = eventually(
        lambda: client.get(
            "/api/v1/plates/search", headers={**analyst, **PURPOSE}, params={"plate": "AB?1234"}
        ).json()
    )
    assert sorted(r["plate"] for r in found) == ["ABC1234", "ABD1234"]
    by_reader = client.get(
        "/api/v1/plates/search", headers={**analyst, **PURPOSE}, params={"plate": "*1234", "reader_id": "R2"}
    ).json()
    assert [r["plate"] for r in by_reader] == ["ABD1234"]
    bad = client.get("/api/v1/plates/search", headers={**analyst, **PURPOSE}, params={"plate": "A%"})
    assert bad.status_code == 422 and "pattern" in bad.text
    entry = next(
        e
        for e in AuditLog(db).entries(limit=50)
        if e.resource == "GET /api/v1/plates/search" and e.outcome == "success"
    )
    assert entry.purpose == "stolen vehicle investigation" and entry.detail["case_number"] == "26-004512"
    assert entry.detail["query"]["plate"] in ("AB?1234", "*1234") and entry.username == "analyst"
    # The officer role does not search plate reads; another agency sees none of these.
    assert (
        client.get(
            "/api/v1/plates/search", headers={**login(client, "officer"), **PURPOSE}, params={"plate": "A*"}
        ).status_code
        == 403
    )
    other = login(client, "other-operator")
    assert (
        client.get("/api/v1/plates/search", headers={**other, **PURPOSE}, params={"plate": "AB*"}).json()
        == []
    )


def test_a_plates_track_and_the_vehicles_travelling_with_it(client: TestClient, world: World) -> None:
    reads = [
        read("TGT1000", 0, reader="R1"),
        read("FOL2000", 20, reader="R1"),
        read("TGT1000", 600, reader="R2"),
        read("FOL2000", 640, reader="R2"),
        read("ONE3000", 30, reader="R1"),  # seen with it once only
        read("LAT4000", 900, reader="R2"),  # too late to be with it
        read("TGT1000", 1200, reader="R3"),
    ]
    send(client, world.keys["alpr"], reads)
    analyst = {**login(client, "analyst"), **PURPOSE}
    track = eventually(lambda: client.get("/api/v1/plates/TGT1000/track", headers=analyst).json())
    track = eventually(
        lambda: (
            (t := client.get("/api/v1/plates/tgt-1000/track", headers=analyst).json()) and len(t) == 3 and t
        )
    )
    assert [r["reader_id"] for r in track] == ["R1", "R2", "R3"]
    assert track[0]["occurred_at"] < track[1]["occurred_at"] < track[2]["occurred_at"]
    with_it = client.get(
        "/api/v1/plates/TGT1000/companions", headers=analyst, params={"window_s": 120}
    ).json()
    assert [(c["plate"], c["readers"]) for c in with_it] == [("FOL2000", ["R1", "R2"])]


def test_hotlists_cross_agencies_only_under_a_sharing_agreement(client: TestClient, world: World) -> None:
    operator = login(client, "operator")
    add_entry(client, operator, plate="SHR7777", reason="felony vehicle", source="agency BOLO")
    wait_for_matcher()
    sheriff = login(client, "other-operator")
    other_read = {
        "id": "r-1",
        "type": "alpr.read",
        "occurred_at": datetime.now(UTC).isoformat(),
        "location": {"lat": 39.9, "lon": -83.0},
        "payload": {"plate": "SHR7777", "reader_id": "FC-9"},
    }
    send(client, world.keys["other-cad"], [other_read])
    import time

    time.sleep(1.5)
    assert [a for a in client.get("/api/v1/alerts", headers=sheriff).json() if a["kind"] == "alpr.hit"] == []
    admin = login(client, "admin")
    body = {
        "recipient_agency_id": world.other_agency_id,
        "kinds": ["hotlists"],
        "purpose": "regional stolen vehicle recovery",
        "legal_basis": "MOU 2026-7",
    }
    assert client.post("/api/v1/sharing", headers=admin, json=body).status_code == 201
    time.sleep(0.1)
    send(
        client,
        world.keys["other-cad"],
        [{**other_read, "id": "r-2", "occurred_at": datetime.now(UTC).isoformat()}],
    )
    alert = eventually(
        lambda: [a for a in client.get("/api/v1/alerts", headers=sheriff).json() if a["kind"] == "alpr.hit"],
    )[0]
    assert alert["agency_id"] == world.other_agency_id
    assert alert["detail"]["entry"]["agency_id"] == world.agency_id
    # The owner's hotlist itself is not readable by the other agency.
    assert client.get("/api/v1/hotlists", headers=sheriff).json() == []


def test_a_hotlist_file_loads_on_its_schedule_and_replaces_its_list(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    file = tmp_path / "ncic.csv"
    file.write_text(
        "plate,state,reason,source,entered,expires\n"
        "FIL0001,OH,stolen vehicle,NCIC,2026-01-01,\n"
        "FIL0002,OH,stolen plate,NCIC,2026-01-01,\n"
        ",OH,stolen vehicle,NCIC,2026-01-01,\n"
    )
    supervisor = login(client, "supervisor")
    resp = client.post(
        "/api/v1/hotlists/files",
        headers=supervisor,
        json={"name": "ncic", "path": str(file), "every_minutes": 60},
    )
    assert resp.status_code == 204
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    assert asyncio.run(load_due_hotlist_files(ctx)) == 1
    assert sorted(e["plate"] for e in client.get("/api/v1/hotlists", headers=supervisor).json()) == [
        "FIL0001",
        "FIL0002",
    ]
    assert asyncio.run(load_due_hotlist_files(ctx)) == 0  # not due again for an hour
    file.write_text("plate,state,reason,source,entered,expires\nFIL0002,OH,stolen plate,NCIC,2026-01-01,\n")
    ctx.hotlists.file_loaded(world.agency_id, "ncic", datetime.now(UTC) - timedelta(hours=2), 2, None)
    assert asyncio.run(load_due_hotlist_files(ctx)) == 1
    assert [e["plate"] for e in client.get("/api/v1/hotlists", headers=supervisor).json()] == ["FIL0002"]

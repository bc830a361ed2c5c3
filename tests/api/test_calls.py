"""A call from arrival to clearance through the API: its timeline and units, the threat brief before dispatch
(and the audit of every view), officers nearby told at once, bulletins with receipts, the nearest units by
driving time, EIDO exchange, and response times."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from tests.api._flow import at, eventually, send
from tests.conftest import World, login

HOME = {"hno": "120", "prd": "N", "rd": "HIGH", "sts": "ST", "a3": "Columbus", "a1": "OH"}
LAT, LON = 39.96291, -82.99923  # N High St downtown


def event(
    i: str, type_: str, seconds: float, payload: dict[str, Any], loc: dict[str, Any] | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {"id": i, "type": type_, "occurred_at": at(seconds), "payload": payload}
    if loc is not None:
        item["location"] = loc
    return item


def call_received(
    i: str, call_id: str, seconds: float, call_type: str = "DISTURB", address: dict[str, str] | None = HOME
) -> dict[str, Any]:
    loc: dict[str, Any] = {"lat": LAT, "lon": LON}
    if address:
        loc["address"] = address
    return event(
        i, "call.received", seconds, {"call_id": call_id, "call_type": call_type, "priority": "high"}, loc
    )


def unit_at(i: str, unit: str, seconds: float, lat: float, lon: float) -> dict[str, Any]:
    return event(i, "unit.location", seconds, {"unit_id": unit}, {"lat": lat, "lon": lon})


def status(i: str, call_id: str, seconds: float, state: str, unit: str | None) -> dict[str, Any]:
    return event(
        i,
        "incident.status",
        seconds,
        {"incident_id": f"I-{call_id}", "call_id": call_id, "status": state, "unit_id": unit},
    )


def unit_status(i: str, unit: str, seconds: float, state: str, call_id: str | None) -> dict[str, Any]:
    return event(
        i,
        "unit.status",
        seconds,
        {"unit_id": unit, "status": state, "incident_id": f"I-{call_id}" if call_id else None},
    )


def records(client: TestClient, headers: dict[str, str], kind: str, items: list[dict[str, Any]]) -> None:
    resp = client.post(f"/api/v1/records/{kind}", headers=headers, json=items)
    assert resp.status_code == 200, resp.text
    assert resp.json()["rejected"] == [], resp.json()


def seed_household(client: TestClient) -> None:
    """A household at 120 N High St: a resident with a violent conviction and an active warrant, a dog and a
    weapons caution on the premises, a brother with a robbery record, and an intelligence link past review."""
    analyst = login(client, "analyst")
    today = datetime.now(UTC).date()
    records(
        client,
        analyst,
        "addresses",
        [{"address_id": "A1", "text": "120 North High Street, Columbus", "lat": LAT, "lon": LON}],
    )
    records(
        client,
        analyst,
        "persons",
        [
            {"person_id": "P1", "family_name": "Doe", "given_name": "Jan", "protected": {"race": "W"}},
            {"person_id": "P2", "family_name": "Doe", "given_name": "Lee"},
            {"person_id": "P3", "family_name": "Moe", "given_name": "Kim"},
        ],
    )
    records(client, analyst, "residences", [{"person_id": "P1", "address_id": "A1", "source": "DMV"}])
    records(
        client,
        analyst,
        "history",
        [
            {
                "entry_id": "H1",
                "person_id": "P1",
                "kind": "conviction",
                "nibrs_code": "13A",
                "description": "aggravated assault",
                "on": str(today - timedelta(days=400)),
                "source": "state CCH",
            },
            {
                "entry_id": "H2",
                "person_id": "P2",
                "kind": "arrest",
                "nibrs_code": "120",
                "description": "robbery",
                "on": str(today - timedelta(days=90)),
                "source": "RMS",
            },
        ],
    )
    records(
        client,
        analyst,
        "warrants",
        [
            {
                "warrant_id": "W1",
                "person_id": "P1",
                "offense": "probation violation",
                "issued": str(today - timedelta(days=10)),
                "source": "NCIC",
            }
        ],
    )
    records(
        client,
        analyst,
        "cautions",
        [
            {
                "caution_id": "K1",
                "address_id": "A1",
                "kind": "weapons",
                "severity": 4,
                "text": "shotgun by the door",
                "entered": str(today - timedelta(days=60)),
                "source": "CAD premise file",
            },
            {
                "caution_id": "K2",
                "address_id": "A1",
                "kind": "dog",
                "severity": 2,
                "text": "pit bull in yard",
                "entered": str(today),
                "source": "CAD premise file",
            },
        ],
    )
    records(
        client,
        analyst,
        "links",
        [
            {
                "link_id": "L1",
                "person_a": "P1",
                "person_b": "P2",
                "kind": "family",
                "source": "DMV household",
                "entered": "2020-01-01",
            },
            {
                "link_id": "L2",
                "person_a": "P1",
                "person_b": "P3",
                "kind": "associate",
                "source": "gang unit",
                "entered": "2019-01-01",
                "intelligence": True,
                "basis": "2019 surveillance",
                "review_date": "2023-12-31",
            },
        ],
    )


def test_the_brief_is_ready_before_dispatch_and_every_view_is_audited(
    client: TestClient, world: World, db: Database
) -> None:
    seed_household(client)
    send(client, world.keys["cad"], [call_received("e1", "C1", 0)])
    operator = login(client, "operator")
    # The engine announces the brief's level on the stream as soon as the call arrives.
    ready = eventually(lambda: client.get("/api/v1/events?type=call.brief", headers=operator).json())
    assert ready[0]["payload"]["call_id"] == "C1"
    assert ready[0]["payload"]["level"] in ("high", "severe")
    assert ready[0]["payload"]["residents"] == 1
    assert ready[0]["payload"]["ready_ms"] < 1000

    officer = login(client, "officer")
    brief = client.get("/api/v1/calls/C1/brief", headers=officer).json()
    assert brief["address_id"] == "A1"
    kinds = {f["source_id"]: f for f in brief["factors"]}
    assert set(kinds) == {"K1", "K2", "H1", "W1"}
    assert kinds["K1"]["source"] == "CAD premise file" and kinds["K1"]["kind"] == "caution"
    assert kinds["W1"]["kind"] == "warrant" and kinds["H1"]["kind"] == "violent_history"
    assert [r["person"]["name"] for r in brief["residents"]] == ["Jan Doe"]
    assert "race" not in str(brief["residents"])
    # The brother is there with his robbery arrest; the lapsed intelligence link is not.
    assert [(a["person"]["person_id"], a["hops"]) for a in brief["associates"]] == [("P2", 1)]
    assert brief["associates"][0]["relevant_history"][0]["nibrs_code"] == "120"

    views = [e for e in AuditLog(db).entries(limit=100) if e.action == "brief.view"]
    assert len(views) == 1
    assert views[0].username == "officer"
    assert views[0].detail["residents"] == ["P1"] and views[0].detail["associates"] == ["P2"]
    # Those without the permission do not see a brief at all.
    assert client.get("/api/v1/calls/C1/brief", headers=login(client, "admin")).status_code == 403
    assert client.get("/api/v1/calls/C1/brief", headers=login(client, "other-operator")).status_code == 404


def test_a_call_keeps_its_lifecycle_times_and_each_unit_its_own(client: TestClient, world: World) -> None:
    key = world.keys["cad"]
    send(client, key, [call_received("c", "C7", 0)])
    operator = login(client, "operator")
    eventually(lambda: client.get("/api/v1/calls/C7", headers=operator).status_code == 200)
    send(
        client,
        key,
        [
            status("s1", "C7", 60, "dispatched", "1A12"),
            unit_status("u1", "1A12", 60, "dispatched", "C7"),
            unit_status("u2", "1A14", 75, "dispatched", "C7"),
            status("s2", "C7", 90, "en_route", "1A12"),
            unit_status("u3", "1A12", 90, "en_route", "C7"),
            unit_status("u4", "1A14", 100, "en_route", "C7"),
            unit_status("u5", "1A14", 300, "on_scene", "C7"),
            status("s3", "C7", 300, "on_scene", "1A14"),
            unit_status("u6", "1A12", 360, "on_scene", "C7"),
            unit_status("u7", "1A14", 900, "available", None),
            status("s4", "C7", 1500, "cleared", "1A12"),
        ],
    )

    def done() -> Any:
        c = client.get("/api/v1/calls/C7", headers=operator).json()
        return c if c["status"] == "cleared" and c["cleared_at"] else None

    call = eventually(done)
    assert call["dispatched_at"] == at(60).replace("+00:00", "Z")
    assert call["en_route_at"] == at(90).replace("+00:00", "Z")
    assert call["on_scene_at"] == at(300).replace("+00:00", "Z")
    units = {u["unit_id"]: u for u in call["units"]}
    assert units["1A14"]["dispatched_at"] == at(75).replace("+00:00", "Z")
    assert units["1A14"]["on_scene_at"] == at(300).replace("+00:00", "Z")
    assert units["1A14"]["cleared_at"] == at(900).replace("+00:00", "Z")  # went back in service first
    assert units["1A12"]["on_scene_at"] == at(360).replace("+00:00", "Z")
    assert units["1A12"]["cleared_at"] == at(1500).replace("+00:00", "Z")  # cleared with the call

    note = client.post(
        "/api/v1/calls/C7/notes", headers=operator, json={"text": "caller says suspect left in a red sedan"}
    )
    assert note.status_code == 201
    assert note.json()["notes"][0]["author"] == "operator"

    report = client.get("/api/v1/reports/response-times", headers=operator).json()
    overall = report[-1]
    times = {i["interval"]: i for i in overall["intervals"]}
    assert overall["group"] == "all" and overall["calls"] == 1
    assert times["received_to_dispatched"]["median_s"] == 60
    assert times["dispatched_to_on_scene"]["median_s"] == 240
    assert times["received_to_on_scene"]["median_s"] == 300  # the first unit on scene counts


def test_officers_near_a_new_call_are_told_at_once_and_get_bulletins_with_receipts(
    client: TestClient, world: World
) -> None:
    key = world.keys["cad"]
    send(
        client,
        key,
        [
            unit_at("p1", "1A12", 0, LAT + 0.004, LON),  # about 450 m north
            unit_at("p2", "9Z99", 0, LAT + 0.05, LON),  # 5.5 km away
        ],
    )
    officer = login(client, "officer")
    before = client.get("/api/v1/field", headers=officer)  # not signed on yet: an empty view that says so
    assert before.status_code == 200 and before.json()["unit_id"] is None and before.json()["bulletins"] == []
    assert client.post("/api/v1/field/sign-on", headers=officer, json={"unit_id": "1A12"}).status_code == 204
    operator = login(client, "operator")
    eventually(lambda: len(client.get("/api/v1/units", headers=operator).json()) == 2)
    send(client, key, [call_received("n1", "C9", 30, call_type="SHOOT")])
    nearby = eventually(lambda: client.get("/api/v1/events?type=call.nearby", headers=operator).json())
    assert [u["unit_id"] for u in nearby[0]["payload"]["units"]] == ["1A12"]
    assert 400 < nearby[0]["payload"]["units"][0]["distance_m"] < 500
    view = eventually(lambda: client.get("/api/v1/field", headers=officer).json()["nearby_calls"])
    assert view[0]["call"]["call_id"] == "C9" and view[0]["call"]["call_type"] == "SHOOT"

    # Dispatched: the call is the officer's, with its brief; a bulletin from the center arrives.
    send(
        client,
        key,
        [status("d1", "C9", 60, "dispatched", "1A12"), unit_status("d2", "1A12", 60, "dispatched", "C9")],
    )
    eventually(
        lambda: (client.get("/api/v1/field", headers=officer).json()["call"] or {}).get("call_id") == "C9"
    )
    sent = client.post(
        "/api/v1/calls/C9/bulletins",
        headers=operator,
        json={"text": "Caller reports two shooters, one in a grey hoodie", "plate": "HJK4821"},
    )
    assert sent.status_code == 201, sent.text
    bulletin = sent.json()
    assert [r["unit_id"] for r in bulletin["receipts"]] == ["1A12"]
    assert bulletin["receipts"][0]["delivered_at"] is None
    assert client.post("/api/v1/calls/C9/bulletins", headers=officer, json={"text": "x"}).status_code == 403

    view = client.get("/api/v1/field", headers=officer).json()
    assert view["brief"] is not None and view["call"]["call_id"] == "C9"
    mine = view["bulletins"][0]
    assert mine["text"].startswith("Caller reports two shooters") and mine["plate"] == "HJK4821"
    receipts = client.get("/api/v1/calls/C9/bulletins", headers=operator).json()[0]["receipts"][0]
    assert receipts["delivered_to"] == "officer" and receipts["read_at"] is None
    read = client.post(f"/api/v1/field/bulletins/{mine['id']}/read", headers=officer)
    assert read.status_code == 200
    receipts = client.get("/api/v1/calls/C9/bulletins", headers=operator).json()[0]["receipts"][0]
    assert receipts["read_by"] == "officer" and receipts["read_at"] is not None
    # The bulletin also went out on the live stream.
    assert eventually(lambda: client.get("/api/v1/events?type=call.bulletin", headers=operator).json())


def test_nearest_units_are_ranked_by_driving_time_with_an_eta(client: TestClient, world: World) -> None:
    key = world.keys["cad"]
    send(
        client,
        key,
        [
            unit_at("a", "NEAR", 0, LAT + 0.003, LON),
            unit_at("b", "MID", 0, LAT - 0.012, LON),
            unit_at("c", "FAR", 0, LAT + 0.04, LON + 0.02),
            unit_at("d", "BUSY", 0, LAT + 0.001, LON),
            unit_status("e", "BUSY", 1, "on_scene", "other"),
            call_received("f", "C11", 2, call_type="ASSAULT"),
        ],
    )
    operator = login(client, "operator")
    eventually(lambda: client.get("/api/v1/calls/C11", headers=operator).status_code == 200)
    eventually(lambda: len(client.get("/api/v1/units", headers=operator).json()) == 4)
    ranked = client.get("/api/v1/calls/C11/units/nearest", headers=operator).json()
    assert [r["unit_id"] for r in ranked] == ["NEAR", "MID", "FAR"]  # the busy unit is not offered
    assert 0 < ranked[0]["eta_s"] < ranked[1]["eta_s"] < ranked[2]["eta_s"]
    assert all(r["route_m"] >= r["straight_m"] * 0.95 for r in ranked)
    everyone = client.get("/api/v1/calls/C11/units/nearest?available_only=false", headers=operator).json()
    assert everyone[0]["unit_id"] == "BUSY"


def test_eido_export_and_import_through_the_api(client: TestClient, world: World) -> None:
    send(
        client,
        world.keys["cad"],
        [call_received("x1", "C21", 0), status("x2", "C21", 40, "dispatched", "1A12")],
    )
    operator = login(client, "operator")
    eventually(lambda: client.get("/api/v1/calls/C21", headers=operator).json().get("dispatched_at"))
    client.post("/api/v1/calls/C21/notes", headers=operator, json={"text": "gate code 4411"})
    original = client.get("/api/v1/calls/C21", headers=operator).json()
    doc = client.get("/api/v1/calls/C21/eido", headers=operator).json()
    assert doc["eidoVersion"] and doc["incidentComponent"][0]["incidentTypeCommonRegistryText"] == "DISTURB"
    other = login(client, "other-operator")
    resp = client.post("/api/v1/eido", headers=other, json=doc)
    assert resp.status_code == 201, resp.text
    assert resp.json()["imported"] == ["C21"]
    copy = client.get("/api/v1/calls/C21", headers=other).json()
    assert {k: v for k, v in copy.items() if k != "agency_id"} == {
        k: v for k, v in original.items() if k != "agency_id"
    }
    broken = dict(
        doc, incidentComponent=[{**doc["incidentComponent"][0], "incidentTypeCommonRegistryText": None}]
    )
    bad = client.post("/api/v1/eido", headers=other, json=broken)
    assert bad.status_code == 422
    assert "incidentTypeCommonRegistryText" in str(bad.json())


def test_records_import_names_bad_fields_and_intelligence_can_be_revalidated(
    client: TestClient, world: World
) -> None:
    analyst = login(client, "analyst")
    resp = client.post(
        "/api/v1/records/links",
        headers=analyst,
        json=[
            {
                "link_id": "L1",
                "person_a": "P1",
                "person_b": "P2",
                "kind": "associate",
                "source": "RMS",
                "entered": "2024-05-01",
                "intelligence": True,
                "basis": "CI: buys guns for P2",
            },
            {
                "link_id": "L2",
                "person_a": "P1",
                "person_b": "P3",
                "kind": "associate",
                "source": "RMS",
                "entered": "2024-05-01",
                "intelligence": True,
            },
            {
                "link_id": "L3",
                "person_a": "P1",
                "person_b": "P4",
                "kind": "associate",
                "source": "tip",
                "entered": "2024-05-01",
                "about_views": True,
            },
        ],
    )
    body = resp.json()
    assert body["accepted"] == 1
    reasons = {r["index"]: r["errors"][0]["reason"] for r in body["rejected"]}
    assert "reasonable suspicion" in reasons[1]
    assert "criminal investigation" in reasons[2]
    later = (date.today() + timedelta(days=6 * 365)).isoformat()
    too_late = client.post(
        "/api/v1/records/links/L1/revalidate",
        headers=analyst,
        json={"basis": "still active", "review_date": later},
    )
    assert too_late.status_code == 422
    assert (
        client.post(
            "/api/v1/records/links/L1/revalidate", headers=analyst, json={"basis": "CI re-interviewed 2026"}
        ).status_code
        == 204
    )
    assert client.get("/api/v1/records", headers=analyst).json()["links"] == 1


def test_changing_a_residents_protected_attributes_leaves_the_brief_unchanged(
    client: TestClient, world: World
) -> None:
    """End to end, through storage: race, ethnicity, religion and views are kept but never read."""
    seed_household(client)
    send(client, world.keys["cad"], [call_received("pa", "C31", 0)])
    operator = login(client, "operator")
    eventually(lambda: client.get("/api/v1/calls/C31", headers=operator).status_code == 200)

    def brief() -> dict[str, Any]:
        body = client.get("/api/v1/calls/C31/brief", headers=operator).json()
        body.pop("as_of")
        return body

    before = brief()
    analyst = login(client, "analyst")
    for protected in (
        {"race": "B", "ethnicity": "hispanic", "religion": "muslim"},
        {"political_views": "socialist", "associations": "union local 12"},
        {},
    ):
        records(
            client,
            analyst,
            "persons",
            [
                {"person_id": "P1", "family_name": "Doe", "given_name": "Jan", "protected": protected},
                {"person_id": "P2", "family_name": "Doe", "given_name": "Lee", "protected": protected},
            ],
        )
        assert brief() == before

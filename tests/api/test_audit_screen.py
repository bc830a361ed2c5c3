"""What the auditor's screen reads: the log filtered by who, what, resource, outcome, time, agency and the
purpose or case number stated; paged with a total that holds still while the log grows; each entry with its
hashes; the chain check naming each break; a CSV export of the filtered entries that is itself audited."""

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from rtcc.domain.roles import Permission, Role, can
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from rtcc.storage.tables import audit_log
from tests.conftest import login

PURPOSE = {"X-Purpose": "stolen vehicle investigation", "X-Case-Number": "26-004512"}
TYPES_TS = Path(__file__).resolve().parents[2] / "web" / "src" / "types.ts"


def page(client: TestClient, auditor: dict[str, str], **params: Any) -> dict[str, Any]:
    resp = client.get("/api/v1/audit/entries", headers=auditor, params=params)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def plate_search(client: TestClient, who: dict[str, str], plate: str, **headers: str) -> None:
    resp = client.get("/api/v1/plates/search", headers={**who, **headers}, params={"plate": plate})
    assert resp.status_code == 200, resp.text


def test_an_auditor_finds_a_plate_search_by_its_case_number_and_sees_why_it_was_made(
    client: TestClient, db: Database
) -> None:
    operator = login(client, "operator")
    plate_search(client, operator, "ABC1234", **PURPOSE)
    plate_search(client, operator, "XYZ9876", **{"X-Purpose": "amber alert", "X-Case-Number": "26-007000"})
    client.get("/api/v1/plates/search", headers=operator, params={"plate": "NOPURP1"})  # refused: no purpose
    auditor = login(client, "auditor")

    found = page(client, auditor, purpose_or_case="26-0045")
    assert [e["purpose"] for e in found["entries"]] == ["stolen vehicle investigation"]
    entry = found["entries"][0]
    assert entry["case_number"] == "26-004512" and entry["username"] == "operator"
    assert entry["action"] == "search" and entry["resource"] == "GET /api/v1/plates/search"
    assert entry["detail"]["query"] == {"plate": "ABC1234"} and entry["source_ip"]
    assert re.fullmatch(r"[0-9a-f]{64}", entry["hash"]) and re.fullmatch(r"[0-9a-f]{64}", entry["prev_hash"])
    # the purpose text matches too, whatever its case
    assert [e["case_number"] for e in page(client, auditor, purpose_or_case="AMBER")["entries"]] == [
        "26-007000"
    ]
    # a search refused for want of a purpose is there, as a failure
    refused = page(client, auditor, resource="plates/search", outcome="failure")["entries"]
    assert [e["detail"]["query"]["plate"] for e in refused] == ["NOPURP1"]
    both = page(client, auditor, resource="PLATES", action="search", username="operator", outcome="success")
    assert both["total"] == 2 and [e["detail"]["query"]["plate"] for e in both["entries"]] == [
        "XYZ9876",
        "ABC1234",
    ]


def test_filters_by_time_agency_and_outcome_keep_to_the_auditors_own_agency(
    client: TestClient, db: Database
) -> None:
    client.post("/api/v1/auth/login", json={"username": "nobody-known", "password": "guessing-1"})
    login(client, "other-operator")  # another agency's sign-in
    login(client, "operator")
    auditor = login(client, "auditor")
    signins = page(client, auditor, action="login")["entries"]
    assert {e["username"] for e in signins} >= {"operator", "nobody-known"}
    assert "other-operator" not in {e["username"] for e in signins}
    unknown = page(client, auditor, action="login", agency_id="none")["entries"]
    assert [(e["username"], e["outcome"]) for e in unknown] == [("nobody-known", "failure")]
    assert {e["agency_id"] for e in page(client, auditor, agency_id="cpd")["entries"]} == {"cpd"}
    assert page(client, auditor, agency_id="fcso")["total"] == 0  # another agency's log is not theirs

    now = datetime.now(UTC)
    recent = page(client, auditor, action="login", since=(now - timedelta(minutes=5)).isoformat())
    assert recent["total"] == len(signins)
    assert page(client, auditor, action="login", until=(now - timedelta(minutes=5)).isoformat())["total"] == 0
    window = {
        "since": (now - timedelta(hours=1)).isoformat(),
        "until": (now + timedelta(hours=1)).isoformat(),
    }
    assert page(client, auditor, action="login", **window)["total"] == len(signins)


def test_pages_hold_still_while_the_log_grows(client: TestClient, db: Database) -> None:
    for _ in range(5):
        login(client, "operator")
    auditor = login(client, "auditor")
    first = page(client, auditor, action="login", limit=4)
    assert first["total"] == 6 and len(first["entries"]) == 4  # five operators' and the auditor's sign-ins
    seqs = [e["seq"] for e in first["entries"]]
    assert seqs == sorted(seqs, reverse=True)  # newest first
    login(client, "operator")  # arrives while the auditor pages: not on the next page, not in the total
    second = page(client, auditor, action="login", limit=4, offset=4, upto=first["upto"])
    assert second["total"] == 6 and len(second["entries"]) == 2
    assert not set(seqs) & {e["seq"] for e in second["entries"]}
    assert page(client, auditor, action="login", limit=4)["total"] == 7  # a fresh look sees it


def test_the_filter_pickers_offer_what_is_in_the_auditors_log(client: TestClient) -> None:
    operator = login(client, "operator")
    plate_search(client, operator, "ABC1234", **PURPOSE)
    login(client, "other-operator")
    auditor = login(client, "auditor")
    values = client.get("/api/v1/audit/values", headers=auditor).json()
    assert {"operator", "auditor"} <= set(values["usernames"]) and "other-operator" not in values["usernames"]
    assert {"login", "search"} <= set(values["actions"])
    assert "success" in values["outcomes"]
    assert values["agencies"] == ["cpd"]


def test_the_csv_export_holds_the_filtered_entries_and_is_audited(client: TestClient, db: Database) -> None:
    operator = login(client, "operator")
    plate_search(client, operator, "ABC1234", **PURPOSE)
    plate_search(client, operator, "DEF5678", **PURPOSE)
    plate_search(client, operator, "GHI9012", **{"X-Purpose": "other matter", "X-Case-Number": "26-000001"})
    # a sign-in name is whatever someone typed: it must not become a spreadsheet formula
    client.post("/api/v1/auth/login", json={"username": '=HYPERLINK("http://x")', "password": "guessing-1"})
    auditor = login(client, "auditor")
    shown = page(client, auditor, purpose_or_case="26-004512")

    resp = client.get(
        "/api/v1/audit/export.csv",
        headers=auditor,
        params={"purpose_or_case": "26-004512", "upto": shown["upto"]},
    )
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["seq"] for r in rows] == [str(e["seq"]) for e in shown["entries"]]
    assert {(r["purpose"], r["case_number"], r["username"]) for r in rows} == {
        ("stolen vehicle investigation", "26-004512", "operator")
    }
    details = [json.loads(r["detail"]) for r in rows]
    assert sorted(d["query"]["plate"] for d in details) == ["ABC1234", "DEF5678"]
    assert all(len(r["hash"]) == 64 and len(r["prev_hash"]) == 64 for r in rows)

    failures = client.get(
        "/api/v1/audit/export.csv", headers=auditor, params={"action": "login", "outcome": "failure"}
    )
    names = [r["username"] for r in csv.DictReader(io.StringIO(failures.text))]
    assert names == ['\'=HYPERLINK("http://x")']

    exports = AuditLog(db).entries(action="audit.export")
    assert [(e.username, e.outcome, e.detail["rows"]) for e in exports] == [
        ("auditor", "success", 1),
        ("auditor", "success", 2),
    ]
    assert exports[1].detail["filters"] == {"purpose_or_case": "26-004512", "upto": shown["upto"]}
    # and the reading itself, like every read of the audit
    reads = AuditLog(db).entries(username="auditor", action="search")
    assert {"GET /api/v1/audit/entries", "GET /api/v1/audit/export.csv"} <= {e.resource for e in reads}


def test_the_chain_check_names_the_altered_entry_and_is_audited(client: TestClient, db: Database) -> None:
    login(client, "operator")
    auditor = login(client, "auditor")
    intact = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert intact["intact"] and intact["findings"] == [] and intact["checked"] >= 2
    with db.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(username="someone-else"))
    broken = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert not broken["intact"]
    assert [(f["kind"], f["first_seq"]) for f in broken["findings"]] == [("altered", 1)]
    assert broken["problems"] == ["entry 1: its content was altered after it was written"]
    checks = AuditLog(db).entries(action="audit.verify")
    assert [(c.username, c.outcome) for c in checks] == [("auditor", "broken"), ("auditor", "intact")]


def test_bad_filters_are_refused_naming_the_field(client: TestClient) -> None:
    auditor = login(client, "auditor")
    naive = client.get("/api/v1/audit/entries", headers=auditor, params={"since": "2026-11-21T08:00:00"})
    assert naive.status_code == 422
    assert naive.json()["errors"] == [
        {"field": "query.since", "reason": "needs a UTC offset, e.g. 2026-11-21T08:00:00Z"}
    ]
    backwards = client.get(
        "/api/v1/audit/export.csv",
        headers=auditor,
        params={"since": "2026-11-21T08:00:00Z", "until": "2026-11-21T07:00:00Z"},
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "query.until"
    too_many = client.get("/api/v1/audit/entries", headers=auditor, params={"limit": 501})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "query.limit"
    # the older list keeps its shape and takes the same filters
    listed = client.get("/api/v1/audit", headers=auditor, params={"action": "login", "resource": "session"})
    assert listed.status_code == 200 and {e["action"] for e in listed.json()} == {"login"}
    assert client.get("/api/v1/audit/entries", headers=login(client, "operator")).status_code == 403


def test_the_consoles_list_of_who_may_read_the_audit_matches_the_permissions() -> None:
    source = TYPES_TS.read_text()

    def listed(name: str) -> set[str]:
        match = re.search(rf"{name}: readonly string\[\] = \[([^\]]*)\]", source)
        assert match, name
        return set(re.findall(r'"(\w+)"', match.group(1)))

    assert listed("ROLES_WITH_AUDIT_READ") == {r.value for r in Role if can(r, Permission.AUDIT_READ)}
    assert listed("ROLES_WITH_LIVE_READ") == {r.value for r in Role if can(r, Permission.LIVE_READ)}
    assert listed("ROLES_WITH_REPORTS_READ") == {r.value for r in Role if can(r, Permission.REPORTS_READ)}
    assert listed("ROLES_WITH_BRIEF_READ") == {r.value for r in Role if can(r, Permission.BRIEF_READ)}

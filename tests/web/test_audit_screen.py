"""The auditor's screen in Chromium, against the live demo city: an auditor signs in to the audit log alone
(no map, no live stream, no panels they cannot use), finds an operator's plate search by its case number,
opens it to see why it was made, checks the hash chain, exports the filtered entries as CSV, and finds their
own reading and export recorded in the same log."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import update

from rtcc.storage.db import Database
from rtcc.storage.tables import audit_log
from tests.web.conftest import Demo, Page, sign_in

PURPOSE = "stolen vehicle investigation, audit screen"
CASE = "26-AUD-4512"
AUDITOR_PASSWORD = "ledger-cobalt-harbour-7"


def _auditor(demo: Demo) -> None:
    """The demo seeds no auditor: the administrator makes one, as an agency would."""
    if "auditor" in demo.passwords:
        return
    made = demo.api(
        "admin",
        "POST",
        "/api/v1/users",
        json={"username": "auditor", "password": AUDITOR_PASSWORD, "role": "auditor"},
    )
    assert made.status_code == 201, made.text
    demo.passwords["auditor"] = AUDITOR_PASSWORD


def _plate_search(demo: Demo, plate: str, purpose: str, case: str) -> None:
    resp = demo.api(
        "operator",
        "GET",
        "/api/v1/plates/search",
        params={"plate": plate},
        headers={"X-Purpose": purpose, "X-Case-Number": case},
    )
    assert resp.status_code == 200, resp.text


def _rows(p: Any) -> list[dict[str, str]]:
    return [
        dict(
            zip(
                ("seq", "when", "who", "action", "resource", "outcome", "purpose", "case"), cells, strict=True
            )
        )
        for cells in p.eval_on_selector_all(
            "tr.audit-row", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
        )
    ]


def _click_and_wait_for_entries(p: Any, button: str) -> None:
    loads = int(p.evaluate("() => window.__rtcc.audit.loads"))
    p.click(f".audit-filters button[name={button}]")
    p.wait_for_function("n => window.__rtcc.audit.loads > n", arg=loads, timeout=10_000)


def _filter(p: Any, expected_rows: int, **fields: str) -> list[dict[str, str]]:
    for name, value in fields.items():
        if name in ("action", "outcome", "agency_id"):
            p.select_option(f".audit-filters select[name={name}]", value)
        else:
            p.fill(f".audit-filters input[name={name}]", value)
    _click_and_wait_for_entries(p, "apply")
    assert p.locator("tr.audit-row").count() == expected_rows, p.locator(".audit-summary").inner_text()
    return _rows(p)


def test_an_auditor_finds_a_search_opens_it_checks_the_chain_and_exports_it(
    demo: Demo, open_page: Any
) -> None:
    _auditor(demo)
    _plate_search(demo, "ABC1234", PURPOSE, CASE)
    _plate_search(demo, "XYZ9876", PURPOSE, CASE)
    _plate_search(demo, "QRS5555", "another matter", "26-000001")

    page: Page = open_page()
    p = page.page
    sockets: list[str] = []
    p.on("websocket", lambda ws: sockets.append(ws.url))
    sign_in(page, demo, "auditor")
    p.wait_for_selector("body[data-ready=true]", timeout=15_000)
    # The audit log is the whole console: no map, no tabs for panels an auditor cannot use.
    assert p.locator("main.audit-screen tr.audit-row").count() > 0
    assert p.locator("#map").count() == 0 and p.locator("nav.tabs").count() == 0
    assert p.locator(".topbar .me").inner_text() == "auditor · auditor"

    shown = _filter(p, 2, action="search", resource="plates/search", purpose_or_case=CASE)
    assert [r["who"] for r in shown] == ["operator", "operator"]
    assert {(r["purpose"], r["case"], r["outcome"]) for r in shown} == {(PURPOSE, CASE, "success")}
    assert int(shown[0]["seq"]) > int(shown[1]["seq"])  # newest first

    p.click("tr.audit-row >> nth=0")
    entry = p.locator("tr.audit-detail:visible dl.audit-entry")
    assert entry.locator("dd[data-field=purpose]").inner_text() == PURPOSE
    assert entry.locator("dd[data-field=case_number]").inner_text() == CASE
    assert entry.locator("dd[data-field=who]").inner_text().startswith("operator")
    assert entry.locator("dd[data-field=what]").inner_text() == "search · GET /api/v1/plates/search"
    assert '"plate": "XYZ9876"' in entry.locator("dd[data-field=detail]").inner_text()
    assert len(entry.locator("dd[data-field=hash]").inner_text()) == 64
    assert len(entry.locator("dd[data-field=prev_hash]").inner_text()) == 64
    page.shot("entry")

    p.click(".audit-filters button[name=verify]")
    p.wait_for_selector(".audit-chain[data-state=intact]", timeout=30_000)
    assert "Chain intact" in p.locator(".audit-chain").inner_text()

    with p.expect_download(timeout=15_000) as caught:
        p.click(".audit-filters button[name=export]")
    download = caught.value
    assert download.suggested_filename.endswith(".csv")
    with Path(download.path()).open(newline="") as f:
        exported = list(csv.DictReader(f))
    assert [r["seq"] for r in exported] == [r["seq"] for r in shown]
    assert sorted(r["detail"] for r in exported) == sorted(
        f'{{"case_number":"{CASE}","query":{{"plate":"{plate}"}},"status":200}}'
        for plate in ("ABC1234", "XYZ9876")
    )
    assert {(r["username"], r["purpose"], r["case_number"]) for r in exported} == {
        ("operator", PURPOSE, CASE)
    }

    # The auditor's own reading, check and export are in the log, found on the same screen.
    _click_and_wait_for_entries(p, "clear")
    assert p.locator(".audit-filters input[name=purpose_or_case]").input_value() == ""
    own_reads = _filter(p, 1, username="auditor", action="search", resource="export.csv")
    assert own_reads[0]["resource"] == "GET /api/v1/audit/export.csv"
    exports = _filter(p, 1, resource="", action="audit.export")
    p.click("tr.audit-row >> nth=0")
    detail = p.locator("tr.audit-detail:visible dl.audit-entry dd[data-field=detail]").inner_text()
    assert '"rows": 2' in detail and CASE in detail and exports[0]["outcome"] == "success"
    checks = _filter(p, 1, action="audit.verify")
    assert checks[0]["outcome"] == "intact"
    searched = demo.api(
        "auditor",
        "GET",
        "/api/v1/audit/entries",
        params={"username": "auditor", "resource": "/api/v1/audit/entries"},
    ).json()
    assert any(e["detail"]["query"].get("purpose_or_case") == CASE for e in searched["entries"])
    page.shot("own-reads")

    assert sockets == []  # the live stream gives an auditor nothing, so the console does not open it
    assert page.errors == []


def test_a_broken_filter_is_named_and_the_screen_keeps_its_entries(demo: Demo, open_page: Any) -> None:
    _auditor(demo)
    page: Page = open_page()
    p = page.page
    sign_in(page, demo, "auditor")
    p.wait_for_selector("body[data-ready=true]", timeout=15_000)
    before = _rows(p)
    p.fill(".audit-filters input[name=since]", "2026-11-21T10:00:00")
    p.fill(".audit-filters input[name=until]", "2026-11-21T09:00:00")
    p.click(".audit-filters button[name=apply]")
    p.wait_for_selector(".audit-summary.error", timeout=10_000)
    assert "until: must be after since" in p.locator(".audit-summary").inner_text()
    assert [r["seq"] for r in _rows(p)] == [r["seq"] for r in before]
    page.errors.clear()  # the refused request is logged by the browser as a failed request, as it should be


# Last in this module: it breaks the demo's chain on purpose.
def test_an_altered_entry_is_named_and_shown_when_the_chain_is_checked(demo: Demo, open_page: Any) -> None:
    _auditor(demo)
    _plate_search(demo, "TMP0001", "burglary series", "26-AUD-9999")
    found = demo.api(
        "auditor", "GET", "/api/v1/audit/entries", params={"purpose_or_case": "26-AUD-9999"}
    ).json()
    seq = found["entries"][0]["seq"]
    db = Database(demo.database_url)
    try:
        with db.write() as conn:  # someone with database access rewrites who made the search
            conn.execute(update(audit_log).where(audit_log.c.seq == seq).values(username="analyst"))
    finally:
        db.dispose()

    page: Page = open_page()
    p = page.page
    sign_in(page, demo, "auditor")
    p.wait_for_selector("body[data-ready=true]", timeout=15_000)
    p.click(".audit-filters button[name=verify]")
    p.wait_for_selector(".audit-chain[data-state=broken]", timeout=30_000)
    problem = p.locator(f".audit-chain li[data-kind=altered][data-seq='{seq}']")
    assert problem.inner_text().startswith(f"entry {seq}: its content was altered after it was written")
    assert p.locator(".audit-chain li").count() == 1
    loads = int(p.evaluate("() => window.__rtcc.audit.loads"))
    problem.locator("button").click()
    p.wait_for_function("n => window.__rtcc.audit.loads > n", arg=loads, timeout=10_000)
    first = _rows(p)[0]
    assert (first["seq"], first["who"], first["case"]) == (str(seq), "analyst", "26-AUD-9999")
    altered = p.locator(f"tr.audit-row[data-seq='{seq}']")
    assert altered.get_attribute("aria-expanded") == "true"
    assert "chain-problem" in (altered.get_attribute("class") or "")  # marked as the one the check named
    assert p.locator("tr.audit-row.chain-problem").count() == 1
    page.shot("broken-chain")
    assert page.errors == []

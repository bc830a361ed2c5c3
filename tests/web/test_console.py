"""The operator console and the officer's field view in Chromium, against the live demo city: sign in, the
live map, the alert queue, the incident workspace, the video wall, positions, and a bulletin read in the
field. Each test leaves a screenshot in test-output/web/."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from tests.web.conftest import Demo, Page, sign_in


def _ready(page: Page, timeout_ms: float = 15_000) -> None:
    page.page.wait_for_selector("body[data-ready=true]", timeout=timeout_ms)


def _console(demo: Demo, open_page: Any, username: str = "operator") -> Page:
    """A browser tab signed in to the console, with the live picture loaded."""
    page: Page = open_page()
    sign_in(page, demo, username)
    _ready(page)
    return page


def _wait(check: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_new_user_signs_in_and_sees_the_live_city_within_five_seconds(demo: Demo, open_page: Any) -> None:
    page = open_page()
    p = page.page
    p.goto(demo.base + "/")
    p.fill("input[name=username]", "operator")
    p.fill("input[name=password]", "not the password")
    p.click("button[type=submit]")
    p.wait_for_selector("form.login .error:has-text('wrong username or password')")
    page.errors.clear()  # the refused sign-in is logged by the browser as a failed request, as it should be

    p.fill("input[name=password]", demo.passwords["operator"])
    p.click("button[type=submit]")
    # The map shows the city: streets drawn, units and cameras on their layers, the stream live. (How long
    # that takes is measured by bench/console.py, not asserted here.)
    _ready(page, 15_000)
    p.wait_for_selector(".street-tiles canvas", timeout=15_000)
    p.wait_for_selector(".link[data-state=live]", timeout=15_000)
    counts = p.evaluate(
        "() => Object.fromEntries(Object.entries(window.__rtcc.picture.layers).map(([k, l]) => [k, l.features.size]))"
    )
    assert counts["units"] > 0 and counts["cameras"] > 0, counts
    # The layer list counts what each layer holds.
    _wait(
        lambda: int(p.locator(".layer-control [data-layer=units] .n").inner_text() or 0) > 0, 3, "unit count"
    )
    page.shot("live-city")
    assert page.errors == [], page.errors

    # A reload keeps the session (same tab); signing out ends it.
    p.reload()
    _ready(page)
    p.click("button:has-text('Sign out')")
    p.wait_for_selector("form.login")


def test_units_move_on_the_map_live(demo: Demo, open_page: Any) -> None:
    page = _console(demo, open_page)
    p = page.page
    # Zoom to street level on a unit that is driving, so each unit is drawn on its own, not in a cluster.
    _wait(
        lambda: p.evaluate(
            """() => { const r = window.__rtcc;
                       const u = [...r.picture.units.values()].find(u => u.lat !== null && (u.speed_mps ?? 0) > 2);
                       if (u) r.map.setView([u.lat, u.lon], 15, {animate: false});
                       return !!u; }"""
        ),
        30,
        "a unit on the move",
    )
    before = _wait(
        lambda: p.evaluate(
            """() => { const r = window.__rtcc, out = {};
                       for (const id of r.picture.units.keys()) { const d = r.drawn('units', id); if (d) out[id] = d; }
                       return Object.keys(out).length ? out : null; }"""
        ),
        10,
        "units drawn on screen",
    )

    def moved() -> list[str]:
        now = p.evaluate(
            "(ids) => Object.fromEntries(ids.map(id => [id, window.__rtcc.drawn('units', id)]))", list(before)
        )
        return [
            i
            for i, d in now.items()
            if d and (abs(d["x"] - before[i]["x"]) + abs(d["y"] - before[i]["y"])) > 0.5
        ]

    assert _wait(moved, 30, "a unit to move on the screen")
    page.shot("units-moving")

    # The stream recovers from a dropped connection by itself and catches up on what it missed.
    p.evaluate("() => window.__rtcc.picture.stream.drop()")
    _wait(lambda: p.evaluate("() => window.__rtcc.picture.stream.reconnects") >= 1, 10, "a reconnect")
    p.wait_for_selector(".link[data-state=live]", timeout=10_000)
    received = p.evaluate("() => window.__rtcc.picture.stream.received")
    _wait(
        lambda: p.evaluate("() => window.__rtcc.picture.stream.received") > received,
        15,
        "events after reconnecting",
    )
    assert page.errors == [], page.errors


def test_an_alert_from_the_simulator_is_acknowledged_and_given_an_outcome_by_keyboard(
    demo: Demo, open_page: Any
) -> None:
    page = _console(demo, open_page)
    p = page.page
    # The demo city raises alerts on its own (hotlist hits, cameras going down): wait for a new one.
    p.wait_for_selector(".alert-list li.alert[data-status=new]", timeout=90_000)
    row = p.locator(".alert-list li.alert[data-status=new]").first
    alert_id = row.get_attribute("data-alert-id")
    assert alert_id
    row.click()
    p.keyboard.press("a")
    sel = f".alert-list li[data-alert-id='{alert_id}']"
    p.wait_for_selector(f"{sel}[data-status=acknowledged]", timeout=5000)
    assert "acknowledged by operator" in p.locator(sel).inner_text()

    p.keyboard.press("o")
    form = p.locator(f"{sel} .alert-form")
    outcome = form.locator("select[name=outcome]")
    options = outcome.locator("option").evaluate_all("els => els.map(e => e.value)")
    # A plate hit is confirmed only after its four checks; a misread needs none.
    choice = "misread" if "misread" in options else options[-1]
    outcome.select_option(choice)
    form.locator("input[name=note]").fill("checked from the console")
    form.locator("button[type=submit]").click()
    p.wait_for_selector(f"{sel}[data-status=closed]", timeout=5000)
    page.shot("alert-outcome")

    stored = demo.api("operator", "GET", f"/api/v1/alerts/{alert_id}").json()
    assert stored["outcome"] == choice and stored["outcome_by"] == "operator"
    assert stored["acknowledged_by"] == "operator"
    assert page.errors == [], page.errors


def test_an_alert_is_dismissed_with_a_reason_and_routed_to_a_position(demo: Demo, open_page: Any) -> None:
    page = _console(demo, open_page)
    p = page.page
    p.click("button.tab[data-tab=positions]")
    p.click("tr[data-position='Desk 1'] button")
    p.wait_for_selector(".my-position:text-is('at Desk 1')", timeout=5000)
    assert p.locator("tr[data-position='Desk 1'] button").inner_text() == "Leave"

    p.click("button.tab[data-tab=alerts]")
    p.wait_for_selector(".alert-list li.alert[data-status=new]", timeout=90_000)
    rows = p.locator(".alert-list li.alert[data-status=new]")
    first = rows.first.get_attribute("data-alert-id")
    rows.first.click()
    p.keyboard.press("s")
    sel = f".alert-list li[data-alert-id='{first}']"
    p.locator(f"{sel} select[name=position]").select_option(label="Desk 1 (operator)")
    p.locator(f"{sel} .alert-form button[type=submit]").click()
    p.wait_for_selector(f"{sel}:has-text('→ Desk 1')", timeout=5000)
    # "Mine and my position" shows what was routed here.
    p.select_option(".panel-alerts select[aria-label='Which alerts']", "mine")
    p.wait_for_selector(sel, timeout=5000)

    p.locator(sel).click()
    p.keyboard.press("d")
    p.locator(f"{sel} input[name=reason]").fill("duplicate of an alert already handled")
    p.keyboard.press("Enter")
    p.wait_for_selector(f"{sel}[data-status=dismissed]", timeout=5000)
    page.shot("dismissed")
    stored = demo.api("operator", "GET", f"/api/v1/alerts/{first}").json()
    assert stored["status"] == "dismissed"
    assert stored["dismissed_reason"] == "duplicate of an alert already handled"
    positions = demo.api("operator", "GET", "/api/v1/positions").json()
    assert next(x for x in positions if x["name"] == "Desk 1")["occupant"] == "operator"
    assert page.errors == [], page.errors


def _a_call_with_units(demo: Demo) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        calls = demo.api("operator", "GET", "/api/v1/calls", params={"open_only": "true"}).json()
        with_units = [c for c in calls if c["units"] and c["lat"] is not None and c["status"] != "cleared"]
        return with_units[0] if with_units else None

    return _wait(found, 90, "an open call with a unit on it")


def test_opening_an_incident_shows_its_panels_and_takes_a_note(demo: Demo, open_page: Any) -> None:
    call = _a_call_with_units(demo)
    page = _console(demo, open_page)
    p = page.page
    p.click("button.tab[data-tab=calls]")
    p.evaluate("(id) => window.__rtcc.workspace.open(id)", call["call_id"])
    ws = p.locator("#workspace")
    ws.locator(".ws-details h3").wait_for(timeout=5000)
    assert call["call_type"] in ws.locator(".ws-details h3").inner_text()
    ws.locator(".ws-details .timeline").wait_for()
    ws.locator(".ws-brief .brief[data-level]").wait_for(timeout=5000)
    level = ws.locator(".ws-brief .brief").get_attribute("data-level")
    assert level in {"low", "moderate", "high", "severe"}
    ws.locator(".ws-cameras h3:has-text('Cameras that can see it')").wait_for(timeout=5000)
    ws.locator(".ws-units h3").wait_for(timeout=5000)
    assert ws.locator(".ws-units table, .ws-units p").count() >= 1

    ws.locator("textarea[name=note]").fill("Caller says the side door is unlocked")
    ws.locator(".ws-notes button[type=submit]").click()
    ws.locator(".ws-notes li:has-text('Caller says the side door is unlocked')").wait_for(timeout=5000)
    page.shot("incident")
    notes = demo.api("operator", "GET", f"/api/v1/calls/{call['call_id']}").json()["notes"]
    assert any(
        n["text"] == "Caller says the side door is unlocked" and n["author"] == "operator" for n in notes
    )
    assert page.errors == [], page.errors


def test_a_camera_dragged_from_the_map_goes_on_the_wall_and_a_down_camera_shows_down(
    demo: Demo, open_page: Any
) -> None:
    page = _console(demo, open_page)
    p = page.page
    p.click("button.tab[data-tab=wall]")
    p.select_option("select[name=wall-size]", "9")
    assert p.locator(".wall-tile").count() == 9

    def drag(camera: dict[str, Any], slot: int) -> None:
        p.evaluate(
            "(c) => window.__rtcc.map.setView([c.lat, c.lon], 17, {animate: false})",
            camera,
        )
        point = _wait(
            lambda: p.evaluate("(id) => window.__rtcc.drawn('cameras', id)", camera["id"]),
            5,
            "the camera drawn",
        )
        box = p.locator("#map").bounding_box()
        tile = p.locator(f".wall-tile[data-slot='{slot}']").bounding_box()
        p.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        p.mouse.down()
        p.mouse.move(box["x"] + point["x"] + 20, box["y"] + point["y"] + 20, steps=4)
        p.mouse.move(tile["x"] + tile["width"] / 2, tile["y"] + tile["height"] / 2, steps=10)
        p.mouse.up()

    cameras = demo.api("operator", "GET", "/api/v1/cameras").json()
    up = next(c for c in cameras if c["status"] == "up")
    drag(up, 0)
    p.wait_for_selector(
        f".wall-tile[data-slot='0'][data-camera-id='{up['id']}'][data-state=up]", timeout=5000
    )
    assert up["name"] in p.locator(".wall-tile[data-slot='0'] .tile-name").inner_text()

    down = _wait(
        lambda: next(
            (c for c in demo.api("operator", "GET", "/api/v1/cameras").json() if c["status"] == "down"), None
        ),
        60,
        "a camera that is down",
    )
    drag(down, 1)
    tile = p.locator(f".wall-tile[data-slot='1'][data-camera-id='{down['id']}']")
    tile.wait_for(timeout=5000)
    assert tile.get_attribute("data-state") == "down"
    assert "CAMERA DOWN" in tile.inner_text()
    page.shot("wall")
    # The wall is kept for the next visit.
    p.reload()
    _ready(page)
    p.click("button.tab[data-tab=wall]")
    p.wait_for_selector(f".wall-tile[data-slot='0'][data-camera-id='{up['id']}']", timeout=5000)
    assert page.errors == [], page.errors


def test_a_bulletin_sent_from_the_console_is_read_in_the_officer_view(demo: Demo, open_page: Any) -> None:
    call = _a_call_with_units(demo)
    unit_id = call["units"][0]
    console = open_page(label="console")
    c = console.page
    sign_in(console, demo, "operator")
    _ready(console)
    c.evaluate("(id) => window.__rtcc.workspace.open(id)", call["call_id"])
    ws = c.locator("#workspace")
    ws.locator("textarea[name=bulletin]").fill("Subject may be armed; approach from the alley")
    ws.locator(".ws-bulletin button[type=submit]").click()
    ws.locator(".bulletins li:has-text('approach from the alley')").wait_for(timeout=5000)

    field = open_page(viewport=(390, 844), label="field")
    f = field.page
    sign_in(field, demo, "officer", path="/field")
    f.fill("input[name=unit]", unit_id)
    f.click("button:has-text('Sign on')")
    item = f.locator(".field-bulletins li:has-text('approach from the alley')")
    item.wait_for(timeout=10_000)
    assert "unread" in (item.get_attribute("class") or "")
    field.shot("bulletin-unread")
    item.locator("button:has-text('Mark read')").click()
    f.wait_for_selector(".field-bulletins li.read:has-text('approach from the alley')", timeout=5000)
    field.shot("bulletin-read")

    sent = demo.api("operator", "GET", f"/api/v1/calls/{call['call_id']}/bulletins").json()
    receipt = next(r for b in sent if "alley" in b["text"] for r in b["receipts"] if r["unit_id"] == unit_id)
    assert receipt["read_by"] == "officer" and receipt["read_at"]
    # The operator sees the receipt when the panel reloads.
    c.evaluate("(id) => window.__rtcc.workspace.open(id)", call["call_id"])
    ws.locator(f".bulletins .tag:has-text('{unit_id}: read')").wait_for(timeout=5000)
    console.shot("receipt")
    assert console.errors == [] and field.errors == [], console.errors + field.errors


def test_when_the_session_ends_elsewhere_the_console_returns_to_sign_in_and_says_why(
    demo: Demo, open_page: Any
) -> None:
    page = _console(demo, open_page)
    p = page.page
    token = p.evaluate("() => sessionStorage.getItem('rtcc-token')")
    # Signed out from another place (or ended by an administrator, or idle too long).
    resp = httpx.post(
        f"{demo.base}/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert resp.status_code == 204
    p.wait_for_selector("form.login .error:has-text('Your session ended')", timeout=15_000)
    assert p.evaluate("() => sessionStorage.getItem('rtcc-token')") is None
    page.shot("session-ended")
    # A request made between the end and the stream's notice may be refused (401): that is how it ends.
    assert all("401" in e for e in page.errors), page.errors


def test_plates_are_searched_with_a_purpose_tracked_on_the_map_and_entered_on_the_hotlist(
    demo: Demo, open_page: Any
) -> None:
    stated = {"X-Purpose": "test setup", "X-Case-Number": "T-1"}

    def a_read_plate() -> str | None:
        reads = demo.api(
            "operator", "GET", "/api/v1/events", params={"type": "alpr.read", "limit": 50}, headers=stated
        ).json()
        return reads[-1]["payload"]["plate"] if reads else None

    plate = _wait(a_read_plate, 60, "a plate read in the demo city")
    assert demo.api(
        "operator", "GET", "/api/v1/plates/search", params={"plate": plate}, headers=stated
    ).json()
    page = _console(demo, open_page)
    p = page.page
    p.click("button.tab[data-tab=plates]")
    p.fill("input[name=plate]", plate[:3] + "*")
    p.fill("input[name=purpose]", "stolen vehicle investigation")
    p.fill("input[name=case_number]", "2026-004512")
    p.click(".plate-search button[type=submit]")
    row = p.locator(f".reads tr[data-plate='{plate}']").first
    row.wait_for(timeout=10_000)
    row.locator("button:has-text('Track')").click()
    p.wait_for_selector(".plate-results[data-track]", timeout=10_000)
    assert int(p.locator(".plate-results").get_attribute("data-track") or 0) >= 1
    page.shot("plate-track")

    # The search was logged with who, the terms, the purpose and the case number (California SB 34).
    db = Database(demo.database_url)
    try:
        searches = [
            e
            for e in AuditLog(db).entries(action="search", username="operator", limit=200)
            if e.resource == "GET /api/v1/plates/search" and e.detail["query"].get("plate") == plate[:3] + "*"
        ]
    finally:
        db.dispose()
    assert searches and searches[0].purpose == "stolen vehicle investigation"
    assert searches[0].detail["case_number"] == "2026-004512"

    # A plate entered by hand is on the hotlist at once.
    p.fill("input[name=hot-plate]", "zzt-4821")
    p.fill("input[name=hot-state]", "OH")
    p.fill("input[name=hot-reason]", "armed robbery suspect vehicle")
    p.click(".hotlist-entry button[type=submit]")
    p.wait_for_selector(".hot-entries tr[data-entry='ZZT4821']", timeout=5000)
    entries = demo.api("operator", "GET", "/api/v1/hotlists", params={"plate": "ZZT4821"}).json()
    assert (
        entries
        and entries[0]["reason"] == "armed robbery suspect vehicle"
        and entries[0]["added_by"] == "operator"
    )
    assert page.errors == [], page.errors


DASH = "\N{EN DASH}"  # what the panel shows where there is nothing to measure


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def test_the_reports_tab_shows_the_same_response_times_and_alert_precision_as_the_report(
    demo: Demo, open_page: Any
) -> None:
    page = _console(demo, open_page, "operator")
    p = page.page
    p.click("button.tab[data-tab=reports]")
    intervals = ("received_to_dispatched", "dispatched_to_on_scene", "received_to_on_scene")

    def times_match() -> bool:
        # The city keeps moving: ask the panel again, then the report, until both saw the same calls.
        p.select_option("select[name=by]", "")
        p.select_option("select[name=by]", "priority")
        p.wait_for_selector(".report-times table.response-times, .report-times p")
        since = (datetime.now(UTC) - timedelta(days=7)).isoformat()
        report = demo.api(
            "operator", "GET", "/api/v1/reports/response-times", params={"by": "priority", "since": since}
        ).json()
        shown = p.eval_on_selector_all(
            "table.response-times tbody tr",
            "rows => rows.map(r => [...r.children].map(c => c.textContent))",
        )
        expected = []
        for g in report:
            by_name = {i["interval"]: i for i in g["intervals"]}
            cells = []
            for name in intervals:
                i = by_name.get(name)
                if not i or not i["count"]:
                    cells.append(DASH)
                else:
                    cells.append(f"{_duration(i['median_s'])} · p90 {_duration(i['p90_s'])}")
            label = "All calls" if g["group"] == "all" else g["group"]
            expected.append([label, str(g["calls"]), *cells])
        return bool(expected) and shown == expected

    _wait(times_match, 40, "the panel's response times to match the report")

    def outcomes_match() -> bool:
        p.select_option("select[name=period]", "day")
        p.select_option("select[name=period]", "week")
        p.wait_for_selector(".report-outcomes table.alert-outcomes, .report-outcomes p")
        report = demo.api(
            "operator", "GET", "/api/v1/reports/alert-outcomes", params={"period": "week"}
        ).json()
        shown = p.eval_on_selector_all(
            "table.alert-outcomes tbody tr", "rows => rows.map(r => [...r.children].map(c => c.textContent))"
        )
        lines = [x for x in reversed(report["lines"]) if x["period"] != "total"]
        lines += [x for x in report["lines"] if x["period"] == "total"]
        expected = [
            [
                "All periods" if line["period"] == "total" else line["period"],
                str(line["alerts"]),
                str(line["with_outcome"]),
                str(line["confirmed"]),
                DASH if line["precision"] is None else f"{line['precision'] * 100:.1f}%",
            ]
            for line in lines
        ]
        return shown == expected

    _wait(outcomes_match, 40, "the panel's alert outcomes to match the report")
    page.shot("reports")
    assert page.errors == []


def test_an_analyst_looks_a_person_up_with_purpose_and_case_number(demo: Demo, open_page: Any) -> None:
    """The People tab finds the agency's persons by family name (any case), shows the same persons as the
    API, opens a record with its history, and the lookups are audited with their purpose and case number."""
    from sqlalchemy import func, select

    from rtcc.storage.tables import criminal_history, persons

    db = Database(demo.database_url)
    try:
        with db.read() as conn:
            # A person with history, whose family name is rare enough for one page of results.
            person_id, family = conn.execute(
                select(persons.c.person_id, persons.c.family_name)
                .join(
                    criminal_history,
                    (criminal_history.c.agency_id == persons.c.agency_id)
                    & (criminal_history.c.person_id == persons.c.person_id),
                )
                .order_by(persons.c.person_id)
                .limit(1)
            ).one()
            named = conn.execute(
                select(func.count()).where(func.lower(persons.c.family_name) == family.lower())
            ).scalar_one()
    finally:
        db.dispose()

    page = _console(demo, open_page, "analyst")
    p = page.page
    p.click("button.tab[data-tab=people]")
    p.fill("input[name=family_name]", family.lower())
    p.fill("input[name=person-purpose]", "robbery series follow-up")
    p.fill("input[name=person-case]", "2026-007731")
    p.click(".person-search button[type=submit]")
    p.wait_for_selector("table.persons", timeout=10_000)

    stated = {"X-Purpose": "robbery series follow-up", "X-Case-Number": "2026-007731"}
    listed = demo.api(
        "analyst", "GET", "/api/v1/persons", params={"family_name": family.upper()}, headers=stated
    ).json()
    shown = p.eval_on_selector_all("table.persons tbody tr", "rows => rows.map(r => r.dataset.person)")
    assert shown == [x["person_id"] for x in listed] and len(shown) == min(named, 50)

    p.click(f"table.persons tr[data-person='{person_id}']")
    p.wait_for_selector(f".person-record[data-person='{person_id}']", timeout=10_000)
    record = demo.api("analyst", "GET", f"/api/v1/persons/{person_id}", headers=stated).json()
    history = p.eval_on_selector_all(".person-record ul.history li", "items => items.length")
    assert history == len(record["history"]) >= 1
    assert (
        p.locator(".person-record h4:has-text('Criminal history')")
        .inner_text()
        .endswith(f"({len(record['history'])})")
    )
    page.shot("person-record")

    db = Database(demo.database_url)
    try:
        entries = AuditLog(db).entries(username="analyst", limit=200)
    finally:
        db.dispose()
    lookups = [e for e in entries if e.resource.startswith("GET /api/v1/persons") and e.purpose]
    searched = [e for e in lookups if e.detail["query"].get("family_name") == family.lower()]
    opened = [e for e in lookups if e.resource == f"GET /api/v1/persons/{person_id}"]
    assert searched and len(opened) == 2  # the panel's and this test's own
    assert {e.detail["case_number"] for e in [*searched, *opened]} == {"2026-007731"}
    assert page.errors == [], page.errors

"""The community camera program in Chromium, against the demo city: a resident registers a camera on the
public page, confirms it from the link in the mail (read from the outbox folder), the agency approves it on
the review page, an investigator asks for footage, the owner opens the mailed link, accepts and uploads a
file, and the investigator downloads it with its SHA-256 checked. Screenshots go to test-output/web/."""

from __future__ import annotations

import email
import hashlib
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import Demo, Page, sign_in

# A short clip's first bytes as an MP4 file has them, then some content.
CLIP = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 16
EMAIL = "sam.resident@example.org"


@pytest.fixture(scope="module", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo's data folder (mail outbox, uploads), set before the demo starts (autouse runs first)."""
    folder = tmp_path_factory.mktemp("community-data")
    before = os.environ.get("RTCC_DATA_DIR")
    os.environ["RTCC_DATA_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("RTCC_DATA_DIR", None)
    else:
        os.environ["RTCC_DATA_DIR"] = before


def _wait(check: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def mailed_link(folder: Path, to: str, kind: str, after: int = 0) -> tuple[str, int]:
    """The path of the newest /community/<kind>/ link mailed to ``to`` among the outbox's messages after the
    first ``after``, and how many messages the outbox holds."""

    def find() -> tuple[str, int] | None:
        files = sorted((folder / "outbox").glob("*.eml"))
        for path in reversed(files[after:]):
            msg = email.message_from_bytes(path.read_bytes())
            body = msg.get_payload(decode=True)
            assert isinstance(body, bytes)
            found = re.search(rf"https?://\S+/community/{kind}/[A-Za-z0-9_-]+", body.decode())
            if msg["To"] == to and found:
                return urlsplit(found.group(0)).path, len(files)
        return None

    result: tuple[str, int] = _wait(find, 15, f"a {kind} mail to {to}")
    return result


def _ready(page: Page) -> None:
    page.page.wait_for_selector("body[data-ready=true]", timeout=15_000)


def test_a_resident_registers_confirms_is_approved_and_shares_footage_that_arrives_intact(
    demo: Demo, open_page: Any, data_dir: Path
) -> None:
    # The public page, without an account: pick the place on the map, then refine it by typing.
    owner = open_page(label="owner")
    p = owner.page
    p.goto(demo.base + "/community")
    _ready(owner)
    p.click(".picker", position={"x": 200, "y": 150})
    assert p.input_value("input[name=lat]") and p.input_value("input[name=lon]")
    p.fill("input[name=heading_deg]", "180")
    owner.shot("picker")
    p.fill("input[name=label]", "Porch camera")
    p.fill("input[name=address]", "88 E Broad St")
    cam_lat, cam_lon = 39.963500, -82.995600
    p.fill("input[name=lat]", str(cam_lat))
    p.fill("input[name=lon]", str(cam_lon))
    p.fill("input[name=heading_deg]", "180")
    p.fill("input[name=fov_deg]", "80")
    p.fill("input[name=range_m]", "25")
    p.check("input[name=kind][value=resident]")
    p.fill("input[name=contact_name]", "Sam Resident")
    p.fill("input[name=email]", "sam at example")
    p.fill("input[name=phone]", "614-555-0199")
    p.check("input[name=sharing][value=footage_on_request]")
    p.check("input[name=public_count]")
    owner.shot("form")
    p.click("form.register button[type=submit]")
    # A mistake is named beside its field; nothing else is lost.
    p.wait_for_selector(".field-error[data-for=email]:has-text('not an email address')")
    assert p.input_value("input[name=contact_name]") == "Sam Resident"
    owner.errors.clear()  # the refused post is logged by the browser as a failed request, as it should be
    p.fill("input[name=email]", EMAIL)
    p.click("form.register button[type=submit]")
    p.wait_for_selector(f".done:has-text('{EMAIL}')")
    owner.shot("registered")

    # The confirmation link from the mail.
    confirm_path, seen = mailed_link(data_dir, EMAIL, "confirm")
    p.goto(demo.base + confirm_path)
    _ready(owner)
    p.click("button:has-text('Confirm my registration')")
    p.wait_for_selector(".done:has-text('Confirmed')")

    # The agency reviews and approves it.
    agency = open_page(label="agency")
    sign_in(agency, demo, "admin", "/community/review")
    _ready(agency)
    card = agency.page.locator("article.registration", has_text="Porch camera")
    card.wait_for()
    assert "Sam Resident" in card.inner_text() and EMAIL in card.inner_text()
    card.locator("button.approve").click()
    agency.page.wait_for_selector("article.registration[data-status=approved]:has-text('is in the registry')")
    agency.shot("approved")
    cameras = demo.api("operator", "GET", "/api/v1/cameras").json()
    (camera,) = [c for c in cameras if c["kind"] == "resident" and c["owner"] == "Sam Resident"]
    assert (camera["lat"], camera["lon"], camera["sharing"]) == (cam_lat, cam_lon, "footage_on_request")
    # The public count shows one resident camera, by area only.
    counts = demo.api("operator", "GET", "/api/v1/community/participation").json()
    assert counts["resident"] == 1 and str(cam_lat) not in str(counts)

    # An investigator asks the owner for footage.
    now = datetime.now(UTC)
    asked = demo.api(
        "operator",
        "POST",
        "/api/v1/community/footage-requests",
        json={
            "camera_id": camera["id"],
            "start": (now - timedelta(hours=2)).isoformat(),
            "end": (now - timedelta(hours=1)).isoformat(),
            "reason": "A parcel theft on your street; your porch camera faces the sidewalk.",
        },
        headers={"X-Purpose": "theft investigation", "X-Case-Number": "2026-7710"},
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]

    # The owner opens the private link from the mail, sees why, accepts and uploads a clip.
    footage_path, _ = mailed_link(data_dir, EMAIL, "footage", after=seen)
    p.goto(demo.base + footage_path)
    _ready(owner)
    assert "parcel theft" in p.inner_text(".reason") and "2026-7710" in p.inner_text("dl.facts")
    p.click("button.accept")
    p.wait_for_selector(".upload input[type=file]")
    p.set_input_files(
        ".upload input[type=file]", files=[{"name": "porch.mp4", "mimeType": "video/mp4", "buffer": CLIP}]
    )
    p.click("button.send")
    sha256 = hashlib.sha256(CLIP).hexdigest()
    p.wait_for_selector(f"table.received td.hash:has-text('{sha256}')")
    owner.shot("uploaded")

    # The investigator downloads it on the review page; the browser checks its SHA-256.
    investigator = open_page(label="investigator")
    sign_in(investigator, demo, "operator", "/community/review")
    _ready(investigator)
    request_card = investigator.page.locator(f"article.request[data-id='{request_id}']")
    request_card.locator(".file button.download").click()
    investigator.page.wait_for_selector(f"article.request[data-id='{request_id}'] .check[data-matches=true]")
    assert request_card.locator(".check").get_attribute("data-sha256") == sha256
    request_card.locator("ul.custody li[data-action=downloaded]:has-text('operator')").wait_for()
    investigator.shot("downloaded")
    detail = demo.api("operator", "GET", f"/api/v1/community/footage-requests/{request_id}").json()
    (received,) = detail["files"]
    assert received["sha256"] == sha256
    assert [c["action"] for c in received["custody"]] == ["received", "downloaded"]
    assert EMAIL in received["custody"][0]["actor"] and received["custody"][1]["actor"].startswith("operator")
    # The public page now counts one resident camera, by area.
    p.goto(demo.base + "/community")
    _ready(owner)
    assert "1 camera (0 business, 1 resident)" in p.inner_text("section.participation")
    for page in (owner, agency, investigator):
        assert page.errors == [], page.errors

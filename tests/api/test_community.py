"""The community camera program through the API: a resident or business registers a camera, confirms it with
the link mailed to them (read from the outbox folder), the agency approves it into the camera registry or
rejects it; an investigator asks the owner for footage, the owner answers through a private link and
uploads, and the investigator downloads the file with its hash checked and its chain of custody kept. The
public sees counts by area only, and the registration form turns floods away."""

from __future__ import annotations

import asyncio
import email
import hashlib
import re
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rtcc.api.parts.community import MAX_FILES_PER_REQUEST, purge_unconfirmed
from rtcc.config import Settings
from rtcc.storage.audit import AuditLog
from rtcc.storage.community import CommunityStore
from rtcc.storage.db import Database
from tests.conftest import World, login

# Where the camera is: Columbus, near the Statehouse.
LAT, LON = 39.96155, -82.99905
# A few bytes that start like an MP4 file, and a small JPEG-like image: what owners upload.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x11" * 600 + b"\xff\xd9"
PURPOSE = {"X-Purpose": "burglary investigation", "X-Case-Number": "2026-0451"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        mode="demo", database_url=database_url, sqlite_synchronous="NORMAL", data_dir=str(tmp_path / "data")
    )


def outbox(settings: Settings) -> list[Message]:
    folder = Path(settings.data_dir) / "outbox"
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def mail_to(settings: Settings, address: str) -> list[Message]:
    return [m for m in outbox(settings) if m["To"] == address]


def body_of(msg: Message) -> str:
    payload = msg.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def link_in(msg: Message, kind: str) -> str:
    found = re.search(rf"/community/{kind}/([A-Za-z0-9_-]+)", body_of(msg))
    assert found, body_of(msg)
    return found.group(1)


def registration(**overrides: Any) -> dict[str, Any]:
    return {
        "agency_id": "cpd",
        "kind": "business",
        "label": "Deli front door",
        "address": "1 Capitol Sq, Columbus",
        "lat": LAT,
        "lon": LON,
        "heading_deg": 90,
        "fov_deg": 70,
        "range_m": 40,
        "contact_name": "Dana Ortiz",
        "email": "dana@example.org",
        "phone": "+1 614 555 0100",
        "sharing": "footage_on_request",
        "public_count": True,
        **overrides,
    }


def register_and_confirm(client: TestClient, settings: Settings, **overrides: Any) -> str:
    resp = client.post("/api/v1/community/registrations", json=registration(**overrides))
    assert resp.status_code == 201, resp.text
    token = link_in(mail_to(settings, overrides.get("email", "dana@example.org"))[-1], "confirm")
    assert client.post("/api/v1/community/confirm", json={"token": token}).status_code == 200
    return str(resp.json()["id"])


def approved_camera(client: TestClient, settings: Settings, **overrides: Any) -> str:
    reg_id = register_and_confirm(client, settings, **overrides)
    resp = client.post(
        f"/api/v1/community/registrations/{reg_id}/approve", json={}, headers=login(client, "supervisor")
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["camera_id"])


def test_a_registration_with_bad_fields_is_refused_naming_each_field_and_keeps_nothing(
    client: TestClient, settings: Settings, world: World
) -> None:
    resp = client.post(
        "/api/v1/community/registrations",
        json=registration(
            email="dana at example", phone="call me", lat=123, kind="shop", sharing="always", contact_name=" "
        ),
    )
    assert resp.status_code == 422
    reasons = {e["field"]: e["reason"] for e in resp.json()["errors"]}
    assert set(reasons) == {"email", "phone", "lat", "kind", "sharing", "contact_name"}
    assert "email address" in reasons["email"] and "telephone" in reasons["phone"]
    # Two agencies take registrations here: the form has to say which.
    resp = client.post("/api/v1/community/registrations", json=registration(agency_id=None))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "agency_id"
    headers = login(client, "supervisor")
    assert client.get("/api/v1/community/registrations", headers=headers).json() == []
    assert outbox(settings) == []


def test_the_mailed_link_confirms_a_registration_which_then_waits_for_review(
    client: TestClient, settings: Settings, world: World
) -> None:
    program = client.get("/api/v1/community/program").json()
    assert {a["id"] for a in program["agencies"]} == {"cpd", "fcso"}
    resp = client.post("/api/v1/community/registrations", json=registration())
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "pending_confirmation"
    assert "token" not in resp.text
    reg_id = resp.json()["id"]
    (mail,) = mail_to(settings, "dana@example.org")
    assert mail["Subject"] == "Confirm your camera registration"
    token = link_in(mail, "confirm")
    supervisor = login(client, "supervisor")
    # Not confirmed yet: nothing to review, and it cannot be approved.
    assert client.get("/api/v1/community/registrations?status=confirmed", headers=supervisor).json() == []
    resp = client.post(f"/api/v1/community/registrations/{reg_id}/approve", json={}, headers=supervisor)
    assert resp.status_code == 409 and "pending confirmation" in resp.json()["detail"]

    assert client.post("/api/v1/community/confirm", json={"token": "not-the-token"}).status_code == 404
    first = client.post("/api/v1/community/confirm", json={"token": token})
    assert first.status_code == 200 and first.json()["status"] == "confirmed"
    again = client.post("/api/v1/community/confirm", json={"token": token})
    assert again.status_code == 200 and again.json()["status"] == "confirmed"
    waiting = client.get("/api/v1/community/registrations?status=confirmed", headers=supervisor).json()
    assert [(r["id"], r["contact_name"], r["email"], r["phone"]) for r in waiting] == [
        (reg_id, "Dana Ortiz", "dana@example.org", "+1 614 555 0100")
    ]
    # Another agency's reviewer does not see it.
    other = login(client, "other-operator")
    assert client.get("/api/v1/community/registrations", headers=other).status_code == 403


def test_an_approved_camera_joins_the_registry_and_is_found_among_cameras_that_see_a_place(
    client: TestClient, settings: Settings, db: Database, world: World
) -> None:
    reg_id = register_and_confirm(client, settings)
    supervisor = login(client, "supervisor")
    resp = client.post(
        f"/api/v1/community/registrations/{reg_id}/approve", json={"note": "checked"}, headers=supervisor
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "approved" and resp.json()["reviewed_by"] == "supervisor"
    camera_id = resp.json()["camera_id"]
    operator = login(client, "operator")
    cameras = {c["id"]: c for c in client.get("/api/v1/cameras", headers=operator).json()}
    cam = cameras[camera_id]
    assert (cam["kind"], cam["owner"], cam["sharing"], cam["name"]) == (
        "business",
        "Dana Ortiz",
        "footage_on_request",
        "Deli front door",
    )
    # The camera looks east; a place 20 m east of it is in view.
    near = client.get(
        f"/api/v1/cameras/near?lat={LAT}&lon={LON + 0.00023}&radius_m=200", headers=operator
    ).json()
    assert camera_id in [n["camera"]["id"] for n in near]
    assert [e.username for e in AuditLog(db).entries(action="community.approve")] == ["supervisor"]
    assert mail_to(settings, "dana@example.org")[-1]["Subject"] == "Your camera registration was approved"
    # Reviewed once only.
    again = client.post(f"/api/v1/community/registrations/{reg_id}/approve", json={}, headers=supervisor)
    assert again.status_code == 409


def test_a_rejected_registration_needs_a_reason_tells_the_owner_and_adds_no_camera(
    client: TestClient, settings: Settings, db: Database, world: World
) -> None:
    reg_id = register_and_confirm(client, settings, kind="resident", label=None)
    admin = login(client, "admin")
    resp = client.post(
        f"/api/v1/community/registrations/{reg_id}/reject", json={"reason": " "}, headers=admin
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "reason"
    resp = client.post(
        f"/api/v1/community/registrations/{reg_id}/reject",
        json={"reason": "the camera looks into a neighbour's garden"},
        headers=admin,
    )
    assert resp.status_code == 200 and resp.json()["status"] == "rejected"
    cameras = client.get("/api/v1/cameras", headers=login(client, "operator")).json()
    assert not [c for c in cameras if c["kind"] == "resident"]
    last = mail_to(settings, "dana@example.org")[-1]
    assert "neighbour's garden" in body_of(last)
    (entry,) = AuditLog(db).entries(action="community.reject")
    assert (
        entry.username == "admin" and entry.detail["reason"] == "the camera looks into a neighbour's garden"
    )


def test_footage_is_requested_accepted_uploaded_and_downloaded_with_its_hash_checked_and_custody_kept(
    client: TestClient, settings: Settings, db: Database, world: World
) -> None:
    camera_id = approved_camera(client, settings)
    investigator = login(client, "analyst")
    now = datetime.now(UTC)
    ask = {
        "camera_id": camera_id,
        "start": (now - timedelta(hours=3)).isoformat(),
        "end": (now - timedelta(hours=2)).isoformat(),
        "reason": "A burglary at the corner shop; your camera faces its door.",
    }
    resp = client.post("/api/v1/community/footage-requests", json=ask, headers=investigator)
    assert resp.status_code == 422 and "purpose" in resp.json()["detail"]
    backwards = {**ask, "end": (now - timedelta(hours=4)).isoformat()}
    resp = client.post(
        "/api/v1/community/footage-requests", json=backwards, headers={**investigator, **PURPOSE}
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "end"
    resp = client.post("/api/v1/community/footage-requests", json=ask, headers={**investigator, **PURPOSE})
    assert resp.status_code == 201, resp.text
    request_id = resp.json()["id"]
    assert resp.json()["status"] == "requested" and resp.json()["case_number"] == "2026-0451"

    mail = mail_to(settings, "dana@example.org")[-1]
    assert mail["Subject"] == "A request for footage from your camera"
    assert "corner shop" in body_of(mail) and "2026-0451" in body_of(mail)
    owner = {"X-Owner-Token": link_in(mail, "footage")}
    view = client.get("/api/v1/community/owner/footage-request", headers=owner).json()
    assert (view["agency"], view["camera"], view["status"]) == (
        "Columbus Division of Police",
        "Deli front door",
        "requested",
    )
    assert view["reason"] == ask["reason"] and view["purpose"] == "burglary investigation"
    bad = client.get("/api/v1/community/owner/footage-request", headers={"X-Owner-Token": "guess"})
    assert bad.status_code == 404

    files = "/api/v1/community/owner/footage-request/files"
    early = client.post(f"{files}?filename=door.mp4", content=MP4, headers=owner)
    assert early.status_code == 409 and "accept" in early.json()["detail"]
    answer = client.post(
        "/api/v1/community/owner/footage-request/answer",
        json={"accept": True, "note": "two files"},
        headers=owner,
    )
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    twice = client.post(
        "/api/v1/community/owner/footage-request/answer", json={"accept": False}, headers=owner
    )
    assert twice.status_code == 409

    # Only video and image files, whatever they are called; nothing larger than the limit.
    text = client.post(f"{files}?filename=notes.mp4", content=b"<html>not a video</html>" * 40, headers=owner)
    assert text.status_code == 415 and text.json()["detail"].startswith("file: not a video or image")
    client.app.state.ctx.community.max_upload_bytes = 1000  # type: ignore[attr-defined]
    big = client.post(f"{files}?filename=long.mp4", content=MP4 + bytes(2000), headers=owner)
    assert big.status_code == 413
    client.app.state.ctx.community.max_upload_bytes = 10_000_000  # type: ignore[attr-defined]
    stored = list((Path(settings.data_dir) / "community-footage").rglob("*"))
    assert not [p for p in stored if p.is_file()], "a refused upload leaves no file behind"

    up = client.post(f"{files}?filename=C:\\Videos\\door.mp4", content=MP4, headers=owner)
    assert up.status_code == 201, up.text
    sent = up.json()
    assert sent["sha256"] == hashlib.sha256(MP4).hexdigest() and sent["size_bytes"] == len(MP4)
    assert (sent["filename"], sent["content_type"]) == ("door.mp4", "video/mp4")
    still = client.post(f"{files}?filename=still.jpg", content=JPEG, headers=owner)
    assert still.status_code == 201 and still.json()["content_type"] == "image/jpeg"

    detail = client.get(f"/api/v1/community/footage-requests/{request_id}", headers=investigator).json()
    assert detail["owner_note"] == "two files"
    video = next(f for f in detail["files"] if f["id"] == sent["id"])
    (received,) = video["custody"]
    assert received["action"] == "received" and "dana@example.org" in received["actor"]
    assert received["sha256"] == sent["sha256"] and received["size_bytes"] == len(MP4)

    got = client.get(
        f"/api/v1/community/footage-requests/{request_id}/files/{sent['id']}", headers=investigator
    )
    assert got.status_code == 200 and got.content == MP4
    assert got.headers["x-content-sha256"] == hashlib.sha256(got.content).hexdigest()
    detail = client.get(f"/api/v1/community/footage-requests/{request_id}", headers=investigator).json()
    video = next(f for f in detail["files"] if f["id"] == sent["id"])
    assert [(c["action"], c["actor"]) for c in video["custody"]] == [
        ("received", received["actor"]),
        ("downloaded", "analyst (cpd)"),
    ]

    # A file changed on disk after it was received is not released, and the failed check is kept.
    (path,) = [p for p in (Path(settings.data_dir) / "community-footage").rglob("*.mp4")]
    path.write_bytes(MP4 + b"tampered")
    bad_copy = client.get(
        f"/api/v1/community/footage-requests/{request_id}/files/{sent['id']}", headers=investigator
    )
    assert bad_copy.status_code == 409 and "SHA-256" in bad_copy.json()["detail"]
    detail = client.get(f"/api/v1/community/footage-requests/{request_id}", headers=investigator).json()
    video = next(f for f in detail["files"] if f["id"] == sent["id"])
    assert video["custody"][-1]["action"] == "hash_mismatch"

    actions = [e.action for e in AuditLog(db).entries(limit=500) if e.action.startswith("community.footage")]
    assert sorted(set(actions)) == [
        "community.footage.accept",
        "community.footage.download",
        "community.footage.request",
        "community.footage.upload",
    ]
    downloads = AuditLog(db).entries(action="community.footage.download")
    assert sorted(e.outcome for e in downloads) == ["failure", "success"]
    # Another agency's investigator cannot see the request.
    other = client.get(
        f"/api/v1/community/footage-requests/{request_id}", headers=login(client, "other-operator")
    )
    assert other.status_code == 404


def test_an_owner_may_decline_and_then_nothing_can_be_uploaded(
    client: TestClient, settings: Settings, world: World
) -> None:
    camera_id = approved_camera(client, settings)
    now = datetime.now(UTC)
    resp = client.post(
        "/api/v1/community/footage-requests",
        json={
            "camera_id": camera_id,
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": now.isoformat(),
            "reason": "A collision at the corner",
        },
        headers={**login(client, "operator"), **PURPOSE},
    )
    assert resp.status_code == 201, resp.text
    owner = {"X-Owner-Token": link_in(mail_to(settings, "dana@example.org")[-1], "footage")}
    declined = client.post(
        "/api/v1/community/owner/footage-request/answer",
        json={"accept": False, "note": "the camera was off"},
        headers=owner,
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    up = client.post("/api/v1/community/owner/footage-request/files", content=MP4, headers=owner)
    assert up.status_code == 409
    mine = client.get("/api/v1/community/footage-requests", headers=login(client, "operator")).json()
    assert [(r["status"], r["owner_note"]) for r in mine] == [("declined", "the camera was off")]


def test_footage_is_asked_only_of_owners_who_agreed_to_requests(
    client: TestClient, settings: Settings, world: World
) -> None:
    camera_id = approved_camera(client, settings, sharing="registered")
    now = datetime.now(UTC)
    resp = client.post(
        "/api/v1/community/footage-requests",
        json={
            "camera_id": camera_id,
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": now.isoformat(),
            "reason": "A collision",
        },
        headers={**login(client, "operator"), **PURPOSE},
    )
    assert resp.status_code == 422
    (error,) = resp.json()["errors"]
    assert error["field"] == "camera_id" and "registration only" in error["reason"]


def test_the_public_counts_show_areas_never_locations_and_only_cameras_whose_owners_agreed(
    client: TestClient, settings: Settings, world: World
) -> None:
    approved_camera(client, settings, email="a@example.org")
    approved_camera(
        client, settings, email="b@example.org", kind="resident", lat=LAT + 0.001, lon=LON + 0.001
    )
    approved_camera(client, settings, email="c@example.org", public_count=False, lat=40.1, lon=-83.1)
    register_and_confirm(client, settings, email="d@example.org", lat=40.2, lon=-83.2)  # not approved
    resp = client.get("/api/v1/community/participation")
    assert resp.status_code == 200
    counts = resp.json()
    assert (counts["total"], counts["business"], counts["resident"]) == (2, 1, 1)
    (area,) = counts["areas"]
    assert (area["business"], area["resident"], area["total"]) == (1, 1, 2)
    assert area["south"] <= LAT <= area["north"] and area["west"] <= LON <= area["east"]
    # At least a kilometre on each side, and nothing in the answer close to an exact position.
    assert (area["north"] - area["south"]) * 111_320 >= 1000
    assert (area["east"] - area["west"]) * 111_320 * 0.76 >= 1000
    for needle in ("39.9615", "82.9990", "39.9625", "40.1", "40.2", "Dana", "example.org"):
        assert needle not in resp.text


def test_the_registration_form_turns_floods_away_per_address_and_per_mailbox(
    client: TestClient, settings: Settings, world: World
) -> None:
    for n in range(3):
        ok = client.post("/api/v1/community/registrations", json=registration(email="same@example.org"))
        assert ok.status_code == 201, (n, ok.text)
    same_mailbox = client.post("/api/v1/community/registrations", json=registration(email="same@example.org"))
    assert same_mailbox.status_code == 429 and same_mailbox.json()["detail"].startswith("email:")
    for n in range(2):
        ok = client.post("/api/v1/community/registrations", json=registration(email=f"n{n}@example.org"))
        assert ok.status_code == 201, (n, ok.text)
    flood = client.post("/api/v1/community/registrations", json=registration(email="next@example.org"))
    assert flood.status_code == 429 and "your address" in flood.json()["detail"]
    assert int(flood.headers["retry-after"]) > 0
    assert len(outbox(settings)) == 5
    # A robot that fills the hidden field is told it worked, and nothing is sent.
    client.app.state.ctx.community.registrations_by_address.limit = 100  # type: ignore[attr-defined]
    robot = client.post(
        "/api/v1/community/registrations", json=registration(email="x@example.org", website="x")
    )
    assert robot.status_code == 201 and len(outbox(settings)) == 5


def test_the_community_page_and_its_mailed_links_are_public_with_the_strict_policy(
    client: TestClient,
) -> None:
    for path in ("/community", "/community/review", "/community/confirm/abc", "/community/footage/abc"):
        resp = client.get(path)
        assert resp.status_code in (200, 503), (path, resp.status_code)  # 503: the page is not built
        assert "script-src 'self'" in resp.headers["content-security-policy"]
        # The addresses hold private tokens: the page never passes them on.
        assert resp.headers["referrer-policy"] == "no-referrer"
    assert client.get("/community/elsewhere/abc").status_code == 404


def test_registrations_never_confirmed_are_forgotten_when_their_link_expires(
    client: TestClient, settings: Settings, db: Database, world: World
) -> None:
    store = CommunityStore(db)
    old = store.register(
        registration(), token="old", source_ip=None, now=datetime.now(UTC) - timedelta(days=8)
    )
    fresh = client.post("/api/v1/community/registrations", json=registration(email="fresh@example.org"))
    assert fresh.status_code == 201
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    asyncio.run(purge_unconfirmed(ctx))  # the server's own hourly run may have been first: either forgets it
    assert store.registration(old.id) is None
    assert store.registration(fresh.json()["id"]) is not None
    # An expired link confirms nothing.
    assert client.post("/api/v1/community/confirm", json={"token": "old"}).status_code == 404
    purges = AuditLog(db).entries(action="community.purge_unconfirmed")
    assert sum(e.detail["registrations"] for e in purges) == 1


def test_a_request_takes_a_bounded_number_of_files(
    client: TestClient, settings: Settings, world: World
) -> None:
    camera_id = approved_camera(client, settings)
    now = datetime.now(UTC)
    resp = client.post(
        "/api/v1/community/footage-requests",
        json={
            "camera_id": camera_id,
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": now.isoformat(),
            "reason": "A fall",
        },
        headers={**login(client, "analyst"), **PURPOSE},
    )
    assert resp.status_code == 201, resp.text
    owner = {"X-Owner-Token": link_in(mail_to(settings, "dana@example.org")[-1], "footage")}
    client.post("/api/v1/community/owner/footage-request/answer", json={"accept": True}, headers=owner)
    files = "/api/v1/community/owner/footage-request/files"
    for n in range(MAX_FILES_PER_REQUEST):
        assert client.post(f"{files}?filename=still{n}.jpg", content=JPEG, headers=owner).status_code == 201
    one_more = client.post(f"{files}?filename=more.jpg", content=JPEG, headers=owner)
    assert one_more.status_code == 409 and one_more.json()["detail"].startswith("file:")
    view = client.get("/api/v1/community/owner/footage-request", headers=owner).json()
    assert len(view["files"]) == MAX_FILES_PER_REQUEST

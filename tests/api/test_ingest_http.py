"""Malformed input over HTTP gets a clear error and a dead-letter record, and the server keeps serving."""

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.config import Settings
from tests.conftest import World, login


def call(i: int, **over: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": f"c{i}",
        "type": "call.received",
        "occurred_at": datetime.now(UTC).isoformat(),
        "location": {"lat": 39.96, "lon": -82.99},
        "payload": {"call_id": f"C{i}", "call_type": "ASSAULT", "priority": "high"},
    }
    item.update(over)
    return item


def dead_letters(client: TestClient) -> list[dict[str, object]]:
    resp = client.get("/api/v1/deadletters", headers=login(client, "admin"))
    assert resp.status_code == 200
    return list(resp.json())


def still_serving(client: TestClient, world: World) -> None:
    ok = client.post("/api/v1/ingest", headers={"X-API-Key": world.keys["cad"]}, json=[call(999)])
    assert ok.status_code == 200 and ok.json()["accepted"] + ok.json()["duplicates"] == 1


def test_a_good_batch_is_acknowledged_with_its_ids(client: TestClient, world: World) -> None:
    resp = client.post("/api/v1/ingest", headers={"X-API-Key": world.keys["cad"]}, json=[call(1), call(2)])
    assert resp.status_code == 200
    assert resp.json() == {"accepted": 2, "duplicates": 0, "rejected": [], "ids": ["c1", "c2"]}
    again = client.post("/api/v1/ingest", headers={"X-API-Key": world.keys["cad"]}, json={"items": [call(1)]})
    assert again.json()["duplicates"] == 1


@pytest.mark.parametrize(
    ("item", "field", "reason_part"),
    [
        (
            call(1, payload={"call_id": "C1", "call_type": "ASSAULT", "priority": 7}),
            "payload.priority",
            "Input should be",
        ),
        (call(1, payload={"call_id": "C1", "call_type": "ASSAULT"}), "payload.priority", "Field required"),
        ({"id": "x", "type": "call.received", "payload": {}}, "occurred_at", "Field required"),
        (call(1, location={"lat": 39.96, "lon": -182.0}), "location.lon", "greater than or equal to -180"),
        (
            call(1, occurred_at=(datetime.now(UTC) + timedelta(days=3)).isoformat()),
            "occurred_at",
            "in the future",
        ),
        (call(1, type="call.teleported"), "type", "unknown event type"),
        (call(1, occurred_at="last tuesday"), "occurred_at", "Input should be a valid datetime"),
    ],
)
def test_each_bad_item_is_named_by_index_field_and_reason(
    client: TestClient, world: World, item: dict[str, object], field: str, reason_part: str
) -> None:
    resp = client.post("/api/v1/ingest", headers={"X-API-Key": world.keys["cad"]}, json=[call(0), item])
    assert resp.status_code == 200
    body = resp.json()
    assert body["accepted"] == 1
    [rejected] = body["rejected"]
    assert rejected["index"] == 1
    assert rejected["errors"][0]["field"] == field
    assert reason_part in rejected["errors"][0]["reason"]
    [letter] = dead_letters(client)
    assert letter["item_index"] == 1 and letter["errors"][0]["field"] == field
    assert orjson.loads(str(letter["raw"])) == item  # what arrived is kept as it arrived
    still_serving(client, world)


def test_a_body_that_is_not_json_is_refused_and_kept(client: TestClient, world: World) -> None:
    resp = client.post(
        "/api/v1/ingest",
        headers={"X-API-Key": world.keys["cad"], "Content-Type": "application/json"},
        content=b'[{"id": "c1", "type": ',
    )
    assert resp.status_code == 400
    assert "not valid JSON" in resp.json()["detail"]
    [letter] = dead_letters(client)
    assert letter["errors"][0]["field"] == "(body)" and letter["raw"] == '[{"id": "c1", "type": '
    still_serving(client, world)


def test_json_lines_with_a_broken_line_accept_the_others(client: TestClient, world: World) -> None:
    body = b"\n".join([orjson.dumps(call(1)), b'{"id": "c2", "type"', orjson.dumps(call(3))])
    resp = client.post(
        "/api/v1/ingest",
        headers={"X-API-Key": world.keys["cad"], "Content-Type": "application/x-ndjson"},
        content=body,
    )
    assert resp.status_code == 200
    assert resp.json()["accepted"] == 2
    [rejected] = resp.json()["rejected"]
    assert rejected["index"] == 1 and "line 2: not valid JSON" in rejected["errors"][0]["reason"]


def test_unknown_and_missing_api_keys_are_refused_and_recorded(client: TestClient, world: World) -> None:
    for headers, reason in (
        ({"X-API-Key": "rtcc_deadbeef_guess"}, "unknown or disabled API key"),
        ({}, "missing API key"),
        ({"X-API-Key": world.keys["cad"] + "x"}, "unknown or disabled API key"),
    ):
        resp = client.post("/api/v1/ingest", headers=headers, json=[call(1)])
        assert resp.status_code == 401 and reason in resp.json()["detail"]
    letters = dead_letters(client)
    assert len(letters) == 3
    assert all(d["errors"][0]["field"] == "X-API-Key" and d["source_id"] is None for d in letters)
    # an operator of the agency does not see refusals that belong to no source; an administrator does
    assert client.get("/api/v1/deadletters", headers=login(client, "operator")).json() == []
    still_serving(client, world)


def test_oversize_bodies_get_413_and_a_record(database_url: str, world: World) -> None:
    settings = Settings(mode="demo", database_url=database_url, max_body_bytes=4096)
    with TestClient(create_app(settings)) as client:
        big = [
            call(
                i,
                payload={
                    "call_id": f"C{i}",
                    "call_type": "ASSAULT",
                    "priority": "high",
                    "description": "x" * 400,
                },
            )
            for i in range(20)
        ]
        resp = client.post("/api/v1/ingest", headers={"X-API-Key": world.keys["cad"]}, json=big)
        assert resp.status_code == 413
        assert "larger than 4096 bytes" in resp.json()["detail"]
        [letter] = dead_letters(client)
        assert letter["errors"][0]["field"] == "(body)" and letter["source_id"] == world.source_ids["cad"]
        still_serving(client, world)


def test_too_many_items_in_one_batch_are_refused(database_url: str, world: World) -> None:
    settings = Settings(mode="demo", database_url=database_url, max_batch_items=3)
    with TestClient(create_app(settings)) as client:
        resp = client.post(
            "/api/v1/ingest", headers={"X-API-Key": world.keys["cad"]}, json=[call(i) for i in range(4)]
        )
        assert resp.status_code == 413 and "at most 3" in resp.json()["detail"]


def test_feed_counters_add_up(client: TestClient, world: World) -> None:
    key = {"X-API-Key": world.keys["cad"]}
    client.post(
        "/api/v1/ingest", headers=key, json=[call(1), call(2), call(3, location={"lat": 99, "lon": 0})]
    )
    client.post("/api/v1/ingest", headers=key, json=[call(1)])
    feeds = {f["name"]: f for f in client.get("/api/v1/feeds", headers=login(client, "operator")).json()}
    cad = feeds["cad"]
    assert (cad["arrived"], cad["accepted"], cad["rejected"], cad["duplicates"]) == (4, 2, 1, 1)
    assert "other-cad" not in feeds  # another agency's feeds are not listed


def test_metrics_count_what_each_feed_sent(client: TestClient, world: World) -> None:
    client.post(
        "/api/v1/ingest", headers={"X-API-Key": world.keys["cad"]}, json=[call(1), call(2), call(3, type="x")]
    )
    text = client.get("/metrics").text
    assert 'rtcc_ingest_items_total{outcome="accepted",source="cad"} 2.0' in text
    assert 'rtcc_ingest_items_total{outcome="rejected",source="cad"} 1.0' in text
    assert 'rtcc_dead_letters_total{transport="http"} 1.0' in text

"""The live WebSocket: what each role receives, catching up after a reconnect, and slow clients."""

import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from rtcc.app import create_app
from rtcc.config import Settings
from tests.api._flow import at, read_events, send, token
from tests.conftest import World


def ping(unit: str, s: float) -> dict[str, object]:
    return {"unit": unit, "time": at(s), "lat": 39.96, "lon": -82.99}


def plate(s: float) -> dict[str, object]:
    return {"plate": "HJK4821", "time": at(s), "latitude": 39.9, "longitude": -83.0, "reader_id": "R1"}


def test_without_a_session_the_socket_is_closed(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as exc, client.websocket_connect("/ws?token=nope") as ws:
        ws.receive_json()
    assert exc.value.code == 4401


def test_an_officer_gets_units_but_not_every_plate_read(client: TestClient, world: World) -> None:
    with client.websocket_connect(f"/ws?token={token(client, 'officer')}") as ws:
        hello = ws.receive_json()
        # The hello names the sequence number the stream starts after: a reconnect catches up from there.
        assert {k: hello[k] for k in ("kind", "user", "role")} == {
            "kind": "hello",
            "user": "officer",
            "role": "officer",
        }
        assert isinstance(hello["seq"], int)
        send(client, world.keys["alpr"], [plate(1)])
        send(client, world.keys["avl"], [ping("1A12", 2)])
        [event] = read_events(ws, 1)
        assert event["type"] == "unit.location" and event["payload"]["unit_id"] == "1A12"


def test_an_operator_gets_both_in_order_and_only_their_agency(client: TestClient, world: World) -> None:
    with client.websocket_connect(f"/ws?token={token(client, 'operator')}") as ws:
        ws.receive_json()
        send(
            client,
            world.keys["other-cad"],
            [
                {
                    "id": "o1",
                    "type": "unit.status",
                    "occurred_at": at(0),
                    "payload": {"unit_id": "F9", "status": "available"},
                }
            ],
        )
        send(client, world.keys["alpr"], [plate(1)])
        send(client, world.keys["avl"], [ping("1A12", 2)])
        events = read_events(ws, 2)
        assert [e["type"] for e in events] == ["alpr.read", "unit.location"]
        assert events[0]["seq"] < events[1]["seq"]


def test_types_narrow_the_stream(client: TestClient, world: World) -> None:
    with client.websocket_connect(f"/ws?token={token(client, 'operator')}&types=unit.*") as ws:
        ws.receive_json()
        send(client, world.keys["alpr"], [plate(1)])
        send(client, world.keys["avl"], [ping("1A12", 2)])
        assert read_events(ws, 1)[0]["type"] == "unit.location"


def test_a_reconnecting_console_catches_up_on_what_it_missed(client: TestClient, world: World) -> None:
    tok = token(client, "operator")
    with client.websocket_connect(f"/ws?token={tok}") as ws:
        ws.receive_json()
        send(client, world.keys["avl"], [ping("1A12", 1)])
        last_seen = read_events(ws, 1)[0]["seq"]
    send(client, world.keys["avl"], [ping("1A12", 2), ping("1B04", 3)])  # while disconnected
    with client.websocket_connect(f"/ws?token={tok}&since={last_seen}") as ws:
        ws.receive_json()
        missed = read_events(ws, 2)
        assert [e["payload"]["unit_id"] for e in missed] == ["1A12", "1B04"]
        send(client, world.keys["avl"], [ping("1C01", 4)])
        assert read_events(ws, 1)[0]["payload"]["unit_id"] == "1C01"


def test_a_slow_client_is_caught_up_from_the_store_without_gaps(database_url: str, world: World) -> None:
    settings = Settings(mode="demo", database_url=database_url, ws_queue_size=10)
    with (
        TestClient(create_app(settings)) as client,
        client.websocket_connect(f"/ws?token={token(client, 'operator')}&types=unit.*") as ws,
    ):
        ws.receive_json()
        for batch in range(5):
            send(client, world.keys["avl"], [ping(f"U{batch}-{i}", batch * 100 + i) for i in range(40)])
        events = read_events(ws, 200)
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(seqs) and len(set(seqs)) == 200


def test_a_client_that_leaves_is_let_go_even_when_nothing_is_flowing(client: TestClient) -> None:
    def subscribers() -> int:
        return int(client.get("/readyz").json()["bus_subscribers"])

    before = subscribers()
    with client.websocket_connect(f"/ws?token={token(client, 'operator')}") as ws:
        ws.receive_json()
        assert subscribers() == before + 1
    deadline = time.monotonic() + 5
    while subscribers() != before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert subscribers() == before


def test_a_stream_ends_when_its_session_ends(settings: Settings, world: World) -> None:
    settings.ws_session_check_s = 0.1
    with TestClient(create_app(settings)) as client:
        t = token(client, "operator")
        with (
            pytest.raises(WebSocketDisconnect) as exc,
            client.websocket_connect(f"/ws?token={t}") as ws,
        ):
            assert ws.receive_json()["kind"] == "hello"
            # Signed out elsewhere (another tab, an administrator): the live picture stops too.
            assert (
                client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {t}"}).status_code
                == 204
            )
            while True:
                ws.receive_json()
        assert exc.value.code == 4401

"""The live WebSocket: streams bus events to signed-in clients, filtered by what their role may see.

Connect to /ws with the session cookie, or ?token=. Optional ?since=SEQ replays what was stored after
that sequence number first (a reconnecting console catches up), and ?types=unit.*,call.* narrows the
stream. A client too slow to keep up is caught up from the store instead of being dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from rtcc.api.context import AppContext
from rtcc.api.deps import audit_action, bearer_token, needs_enrolment, note_shared_access, resolve_session
from rtcc.bus.memory import topic_matches
from rtcc.domain.events import Event
from rtcc.domain.roles import WS_TOPICS, Role, may_receive
from rtcc.domain.sharing import SharingKind

router = APIRouter(tags=["live"])

CATCH_UP_LIMIT = 5000
# What a `live` sharing agreement covers on the stream.
LIVE_PICTURE = ("call.", "incident.", "unit.", "camera.", "drone.", "alert.")


def _frame(event: Event) -> str:
    return orjson.dumps({"kind": "event", "event": event.model_dump(mode="json")}).decode()


@router.websocket("/ws")
async def live_socket(websocket: WebSocket) -> None:
    ctx: AppContext = websocket.app.state.ctx
    token = websocket.query_params.get("token") or bearer_token(websocket)
    session = await resolve_session(ctx, token)
    if session is None:
        await websocket.close(code=4401, reason="sign in first")
        return
    if needs_enrolment(ctx, session):
        await websocket.close(code=4403, reason="set up a second factor first")
        return
    role = session.user.role
    agency = session.user.agency_id
    wanted = [t for t in websocket.query_params.get("types", "").split(",") if t]
    patterns = [p + "*" for p in WS_TOPICS[role]]

    # Other agencies' live pictures and plate reads, as far as recorded agreements share them now.
    live_owners = set((await asyncio.to_thread(ctx.sharing.visible_agencies, agency, SharingKind.LIVE))[1:])
    plate_owners = set(
        (await asyncio.to_thread(ctx.sharing.visible_agencies, agency, SharingKind.PLATES))[1:]
    )
    agencies = [agency, *sorted(live_owners | plate_owners)]

    def shared(e: Event) -> bool:
        if e.agency_id == agency:
            return True
        if e.agency_id in live_owners and e.type.startswith(LIVE_PICTURE):
            return True
        return e.agency_id in plate_owners and e.type.startswith("alpr.")

    def visible(e: Event) -> bool:
        if not shared(e) or not may_receive(role, e.type):
            return False
        return not wanted or any(topic_matches(w, e.type) for w in wanted)

    await websocket.accept()
    sub = ctx.bus.subscribe(patterns, maxsize=ctx.settings.ws_queue_size, drop_when_full=True)
    ctx.metrics.ws_clients.inc()
    detail = {"types": wanted, "role": role.value, "shared_from": agencies[1:]}
    await audit_action(ctx, session.user, websocket, action="live.subscribe", resource="ws", detail=detail)
    await note_shared_access(ctx, session.user, websocket, agencies[1:], "ws")
    since = websocket.query_params.get("since")
    # Without ?since the stream starts now; with it, from the given sequence number.
    start_seq = (
        int(since) if since is not None and since.isdigit() else await asyncio.to_thread(ctx.events.last_seq)
    )

    async def pump() -> None:
        last_seq = start_seq
        await websocket.send_text(
            orjson.dumps(
                {"kind": "hello", "user": session.user.username, "role": role.value, "seq": start_seq}
            ).decode()
        )
        if since is not None:
            last_seq = await _catch_up(websocket, ctx, role, agencies, last_seq, visible)
        while True:
            if sub.lagged:
                # Dropped events are still in the store: empty the queue and replay from there.
                while not sub.queue.empty():
                    sub.queue.get_nowait()
                sub.lagged = False
                last_seq = await _catch_up(websocket, ctx, role, agencies, last_seq, visible)
            event = await sub.get()
            if event.seq <= last_seq or not visible(event):
                continue
            await websocket.send_text(_frame(event))
            last_seq = event.seq

    async def while_signed_in() -> None:
        # A session that ends (signed out, idle too long, past its maximum age, account disabled) stops
        # its stream too. The check does not count as activity: watching a screen is not using it.
        while True:
            await asyncio.sleep(ctx.settings.ws_session_check_s)
            if await resolve_session(ctx, token, touch=False) is None:
                await websocket.close(code=4401, reason="session ended; sign in again")
                return

    async def until_disconnect() -> None:
        # Reading the socket is how a closed client is noticed even when no event is flowing.
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass

    tasks = [
        asyncio.create_task(pump()),
        asyncio.create_task(until_disconnect()),
        asyncio.create_task(while_signed_in()),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                await task
        sub.close()
        ctx.metrics.ws_clients.dec()
        with contextlib.suppress(Exception):
            await websocket.close()


async def _catch_up(
    websocket: WebSocket,
    ctx: AppContext,
    role: Role,
    agencies: list[str],
    after: int,
    visible: Callable[[Event], bool],
) -> int:
    last = after
    while True:
        events = await asyncio.to_thread(
            ctx.events.query,
            type_prefixes=WS_TOPICS[role],
            after_seq=last,
            limit=CATCH_UP_LIMIT,
            agency_ids=agencies,
        )
        for event in events:
            if visible(event):
                await websocket.send_text(_frame(event))
            last = event.seq
        if len(events) < CATCH_UP_LIMIT:
            return last

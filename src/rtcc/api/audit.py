"""Audits every read, search and change made through the API: who, what, when, from where, outcome."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rtcc.api.context import AppContext

# Feeds' machine submissions are counted per source, not audited per batch; sign-in audits itself.
# Routes that write their own, fuller entries (and whose query strings hold one-use secrets). A live video
# view is audited once, when it is opened (video.view); its playlist and segments, fetched every second or
# two while someone watches, are part of that view and would otherwise bury the log in reads.
NOT_AUDITED = (
    "/api/v1/video/views/",
    "/api/v1/ingest",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/auth/sso/callback",
    "/api/v1/auth/sso/code",
)


def action_for(method: str, has_query: bool) -> str:
    if method in ("GET", "HEAD"):
        return "search" if has_query else "read"
    return "change"


def outcome_for(status_code: int) -> str:
    if status_code < 400:
        return "success"
    if status_code in (401, 403):
        return "denied"
    return "failure"


class AuditMiddleware:
    """Plain ASGI (no body buffering), so the high-volume ingest path pays nothing for it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path.startswith(NOT_AUDITED):
            await self.app(scope, receive, send)
            return
        status_code = 500

        async def capture(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            await self._record(scope, path, status_code)

    async def _record(self, scope: Scope, path: str, status_code: int) -> None:
        ctx: AppContext = scope["app"].state.ctx
        user = scope.get("state", {}).get("user")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = scope.get("client")
        await asyncio.to_thread(
            ctx.audit.record,
            action=action_for(scope["method"], bool(query)),
            resource=f"{scope['method']} {path}",
            outcome=outcome_for(status_code),
            user_id=user.id if user else None,
            username=user.username if user else None,
            agency_id=user.agency_id if user else None,
            source_ip=client[0] if client else None,
            purpose=headers.get("x-purpose") or query.get("purpose"),
            detail={
                "query": query,
                "status": status_code,
                **({"case_number": headers["x-case-number"]} if "x-case-number" in headers else {}),
            },
        )

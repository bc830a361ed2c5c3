"""Typed dependencies: the application context, the signed-in user, and permission checks."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, WebSocket, status

from rtcc.api.context import AppContext
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission, can
from rtcc.storage.accounts import SessionInfo

SESSION_COOKIE = "rtcc_session"


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def client_ip(request: Request | WebSocket) -> str | None:
    return request.client.host if request.client else None


def bearer_token(request: Request | WebSocket) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


async def resolve_session(ctx: AppContext, token: str | None, *, touch: bool = True) -> SessionInfo | None:
    if not token:
        return None
    return await asyncio.to_thread(
        ctx.accounts.resume_session, token, idle=ctx.session_idle, max_age=ctx.session_max_age, touch=touch
    )


# Until a second factor is set up, a session reaches only these (CJIS: MFA for every account).
ENROLMENT_PATHS = ("/api/v1/auth/mfa/", "/api/v1/auth/me", "/api/v1/auth/logout")


def needs_enrolment(ctx: AppContext, session: SessionInfo) -> bool:
    """A session must set up a second factor first unless the account has one, or the single sign-on
    provider that opened the session vouched for one."""
    return bool(ctx.settings.require_mfa) and not session.user.mfa_enrolled and not session.provider_mfa


async def current_session(request: Request, ctx: Ctx) -> SessionInfo:
    session = await resolve_session(ctx, bearer_token(request))
    if session is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="sign in first: no valid session (it may have expired)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.user = session.user
    if needs_enrolment(ctx, session) and not request.url.path.startswith(ENROLMENT_PATHS):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="set up a second factor first: POST /api/v1/auth/mfa/begin, then /api/v1/auth/mfa/confirm",
        )
    return session


async def current_user(session: Annotated[SessionInfo, Depends(current_session)]) -> User:
    return session.user


CurrentUser = Annotated[User, Depends(current_user)]


def require(permission: Permission) -> Callable[..., Coroutine[Any, Any, User]]:
    """A dependency that lets through only users whose role holds the permission."""

    async def check(user: CurrentUser) -> User:
        if not can(user.role, permission):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {user.role.value} lacks permission {permission.value}",
            )
        return user

    return check


def require_any(*permissions: Permission) -> Callable[..., Coroutine[Any, Any, User]]:
    """A dependency that lets through users whose role holds at least one of the permissions."""

    async def check(user: CurrentUser) -> User:
        if not any(can(user.role, p) for p in permissions):
            needed = " or ".join(p.value for p in permissions)
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"role {user.role.value} lacks permission {needed}"
            )
        return user

    return check


async def audit_action(
    ctx: AppContext,
    user: User,
    conn: Request | WebSocket,
    *,
    action: str,
    resource: str,
    detail: dict[str, Any] | None = None,
    outcome: str = "success",
) -> None:
    """Record something a signed-in user did, with who, from where and the outcome."""
    await asyncio.to_thread(
        ctx.audit.record,
        action=action,
        resource=resource,
        outcome=outcome,
        user_id=user.id,
        username=user.username,
        agency_id=user.agency_id,
        source_ip=client_ip(conn),
        detail=detail,
    )


async def note_shared_access(
    ctx: AppContext, user: User, request: Request | WebSocket, owners: Iterable[str], resource: str
) -> None:
    """When a user reads another agency's data under a sharing agreement, the owning agency's audit gets
    an entry too: every release outside the agency is logged (who received it, when, how much)."""
    counts = Counter(a for a in owners if a != user.agency_id)
    for owner, rows in counts.items():
        await asyncio.to_thread(
            ctx.audit.record,
            action="sharing.access",
            resource=resource,
            outcome="success",
            user_id=user.id,
            username=user.username,
            agency_id=owner,
            source_ip=client_ip(request),
            detail={"recipient_agency": user.agency_id, "rows": rows},
        )


def require_stated_purpose(request: Request, what: str) -> tuple[str, str]:
    """California SB 34 and 28 CFR Part 23: a search of plate reads (or persons) states why, and for which
    case. Both are taken from X-Purpose and X-Case-Number (or purpose and case_number parameters) and the
    audit middleware keeps them with the search."""
    stated = {
        "purpose": request.headers.get("x-purpose") or request.query_params.get("purpose"),
        "case_number": request.headers.get("x-case-number") or request.query_params.get("case_number"),
    }
    missing = [name for name, value in stated.items() if not (value and value.strip())]
    if missing:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"{' and '.join(missing)}: required to {what} (X-Purpose and X-Case-Number "
            "headers, or purpose and case_number parameters)",
        )
    return str(stated["purpose"]), str(stated["case_number"])

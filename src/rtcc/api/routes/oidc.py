"""OpenID Connect single sign-on, beside the username, password and code sign-in.

The browser goes to /auth/sso/start, on to the agency's identity provider, and back to /auth/sso/callback,
which checks the answer and sets the same session cookie as a password sign-in before returning to the
console (or the field view). Accounts are never created here: the identity names an existing account, and
its subject is pinned to that account at the first sign-in. Every sign-in and every refusal is audited
with its reason.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from rtcc.api.context import AppContext
from rtcc.api.deps import (
    SESSION_COOKIE,
    Ctx,
    audit_action,
    bearer_token,
    client_ip,
    needs_enrolment,
    require,
    resolve_session,
)
from rtcc.api.parts.sso import SsoError, second_factor_shown
from rtcc.api.routes.auth import REFUSALS, LoginResponse, lock_if_repeated
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission
from rtcc.storage.accounts import now_utc

router = APIRouter(prefix="/api/v1", tags=["auth"])
Admin = Annotated[User, Depends(require(Permission.USERS_MANAGE))]

# The browser that started a sign-in holds this cookie until the identity provider sends it back. Lax, not
# Strict: the return from the provider is a top-level navigation from another site.
FLOW_COOKIE = "rtcc_sso_flow"
# Holds a sign-in the provider vouched for while the account's one-time code is asked for.
SECOND_STEP_COOKIE = "rtcc_sso_second_step"
COOKIE_PATH = "/api/v1/auth/sso"
REQUEST_MAX_AGE = timedelta(minutes=10)
SECOND_STEP_MAX_AGE = timedelta(minutes=5)
PAGES = {"console": "/", "field": "/field"}
ReturnTo = Literal["console", "field"]

# What the person signing in is told; the audit log keeps the precise reason.
MESSAGES = {
    "state_mismatch": "this sign-in was not started here, was already used or took too long; start again",
    "issuer_refused": "the sign-in service did not sign you in",
    "issuer_unreachable": "the sign-in service is not answering; try again or sign in with your password",
    "issuer_mismatch": "the sign-in service is misconfigured; tell an administrator",
    "code_refused": "the sign-in service refused this sign-in; start again",
    "bad_token": "the sign-in service's answer could not be verified; tell an administrator",
    "no_username": "the sign-in service did not say which account to use; tell an administrator",
    "unknown_user": "there is no OpenRTCC account for this identity; an administrator must create it",
    "subject_mismatch": "this identity is not the one linked to the account; tell an administrator",
    "locked": REFUSALS["locked"],
    "disabled": REFUSALS["disabled"],
    "inactive": REFUSALS["inactive"],
}


class SsoStatus(BaseModel):
    enabled: bool = Field(..., description="Whether single sign-on is configured on this server.")
    label: str | None = Field(None, description="The sign-in button's label, when enabled.")
    start: str | None = Field(None, description="Where the browser goes to sign in, when enabled.")


class LinkedIdentity(BaseModel):
    issuer: str
    subject: str = Field(..., description="The identity's subject at the issuer, pinned to the account.")
    linked_at: datetime
    last_sign_in_at: datetime | None


class CodeRequest(BaseModel):
    code: str = Field(..., min_length=6, max_length=10, description="The 6-digit code from the app.")


class SsoLoginResponse(LoginResponse):
    return_to: ReturnTo = Field("console", description="The page where the sign-in started.")


def _sso_off() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail="single sign-on is off on this server")


def _set_cookie(request: Request, response: Response, name: str, value: str, **kw: Any) -> None:
    response.set_cookie(name, value, httponly=True, secure=request.url.scheme == "https", **kw)


def _back_to(page: str, **fragment: str) -> RedirectResponse:
    # A fragment: the outcome reaches the page's script without being sent to any server or its logs.
    return RedirectResponse(f"{PAGES.get(page, '/')}#{urlencode(fragment)}", status_code=303)


async def _refuse(ctx: AppContext, request: Request, error: SsoError, page: str) -> RedirectResponse:
    await asyncio.to_thread(
        ctx.audit.record,
        action="login",
        resource="session",
        outcome="failure",
        username=error.username,
        source_ip=client_ip(request),
        detail={"method": "sso", "reason": error.reason, "problem": error.message, **error.context},
    )
    response = _back_to(page, sso="error", message=MESSAGES.get(error.reason, error.message))
    response.delete_cookie(FLOW_COOKIE, path=COOKIE_PATH)
    return response


async def _account_for(ctx: AppContext, claims: dict[str, Any]) -> tuple[User, dict[str, Any]]:
    """The account a verified identity signs in to, pinning the identity to it at the first sign-in; and
    what the audit keeps about the identity."""
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    pinned = {"issuer": issuer, "subject": subject}
    claim = ctx.settings.oidc_username_claim
    username = claims.get(claim)
    if not isinstance(username, str) or not username:
        raise SsoError("no_username", f"no {claim} claim", context=pinned)
    link = await asyncio.to_thread(ctx.sso.identities.check, issuer, subject, username)
    if link.user_id is None:
        problem = link.detail or f"no account {username}"
        raise SsoError(link.outcome, problem, username=username, context=pinned)
    admitted = await asyncio.to_thread(ctx.accounts.admit, link.user_id)
    if admitted.user is None:
        raise SsoError(admitted.outcome, f"account {admitted.outcome}", username=username, context=pinned)
    now = now_utc()
    if link.outcome == "first_link":
        if not await asyncio.to_thread(ctx.sso.identities.link, issuer, subject, admitted.user.id, now):
            problem = "linked to another identity meanwhile"
            raise SsoError("subject_mismatch", problem, username=username, context=pinned)
    else:
        await asyncio.to_thread(ctx.sso.identities.touch, issuer, subject, now)
    amr = claims["amr"] if isinstance(claims.get("amr"), list) else []
    return admitted.user, {**pinned, "amr": amr, "linked": link.outcome == "first_link"}


async def _open_session(
    ctx: AppContext, request: Request, response: Response, user: User, detail: dict[str, Any]
) -> str:
    await asyncio.to_thread(ctx.accounts.note_sign_in, user.id)
    token = await asyncio.to_thread(
        partial(
            ctx.accounts.start_session,
            user,
            client_ip(request),
            provider_mfa=detail.get("second_factor") == "provider",
        )
    )
    await asyncio.to_thread(
        ctx.audit.record,
        action="login",
        resource="session",
        outcome="success",
        user_id=user.id,
        username=user.username,
        agency_id=user.agency_id,
        source_ip=client_ip(request),
        detail={"method": "sso", **detail},
    )
    _set_cookie(request, response, SESSION_COOKIE, token, samesite="strict")
    return token


@router.get("/auth/sso", response_model=SsoStatus)
async def sso_status(ctx: Ctx) -> SsoStatus:
    """Whether single sign-on is on, and the label of its button (public: the sign-in page asks)."""
    if not ctx.sso.enabled:
        return SsoStatus(enabled=False)
    return SsoStatus(enabled=True, label=ctx.settings.oidc_label, start=f"{COOKIE_PATH}/start")


@router.get("/auth/sso/start", response_class=RedirectResponse, status_code=302)
async def sso_start(
    request: Request,
    ctx: Ctx,
    return_to: Annotated[ReturnTo, Query(description="The page to return to once signed in.")] = "console",
) -> Response:
    """Send the browser to the identity provider, with a one-use state, a nonce and a PKCE challenge."""
    client = ctx.sso.client
    if client is None:
        raise _sso_off()
    started = await asyncio.to_thread(ctx.sso.identities.start_request, return_to, now_utc())
    try:
        url = await client.authorization_url(
            ctx.sso.redirect_uri, started.state, started.nonce, started.code_verifier
        )
    except SsoError as error:
        return await _refuse(ctx, request, error, return_to)
    response = RedirectResponse(url, status_code=302)
    max_age = int(REQUEST_MAX_AGE.total_seconds())
    _set_cookie(
        request, response, FLOW_COOKIE, started.browser_key, samesite="lax", path=COOKIE_PATH, max_age=max_age
    )
    return response


@router.get("/auth/sso/callback", response_class=RedirectResponse, status_code=303)
async def sso_callback(
    request: Request,
    ctx: Ctx,
    state: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str, Query(max_length=4000)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Where the identity provider sends the browser back: check everything, then sign in or refuse."""
    client = ctx.sso.client
    if client is None:
        raise _sso_off()
    flow = await asyncio.to_thread(
        ctx.sso.identities.take_request,
        state,
        request.cookies.get(FLOW_COOKIE),
        now=now_utc(),
        max_age=REQUEST_MAX_AGE,
    )
    if flow is None:
        return await _refuse(
            ctx, request, SsoError("state_mismatch", "unknown, used, expired or foreign state"), "console"
        )
    page = flow.return_to
    if error or not code:
        problem = f"the provider answered {error!r}" if error else "no code in the answer"
        return await _refuse(ctx, request, SsoError("issuer_refused", problem), page)
    try:
        id_token = await client.redeem(code, flow.code_verifier, ctx.sso.redirect_uri)
        claims = await client.verify(id_token, flow.nonce)
        user, detail = await _account_for(ctx, claims)
    except SsoError as failed:
        return await _refuse(ctx, request, failed, page)
    if not second_factor_shown(claims) and user.mfa_enrolled:
        # The provider did not show a second factor: the account's own code is asked for, as at a
        # password sign-in.
        step = await asyncio.to_thread(ctx.sso.identities.start_second_step, user.id, page, now_utc())
        await asyncio.to_thread(
            ctx.audit.record,
            action="login.sso.second_step",
            resource="session",
            outcome="success",
            user_id=user.id,
            username=user.username,
            agency_id=user.agency_id,
            source_ip=client_ip(request),
            detail={**detail, "reason": "no second factor shown by the provider: code asked for"},
        )
        response = _back_to(page, sso="code")
        max_age = int(SECOND_STEP_MAX_AGE.total_seconds())
        _set_cookie(
            request, response, SECOND_STEP_COOKIE, step, samesite="strict", path=COOKIE_PATH, max_age=max_age
        )
    else:
        response = _back_to(page, sso="signed-in")
        factor = "provider" if second_factor_shown(claims) else "none"
        await _open_session(ctx, request, response, user, {**detail, "second_factor": factor})
    response.delete_cookie(FLOW_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/auth/sso/code", response_model=SsoLoginResponse)
async def sso_code(body: CodeRequest, request: Request, response: Response, ctx: Ctx) -> SsoLoginResponse:
    """The account's one-time code, after a provider sign-in that showed no second factor."""
    step_token = request.cookies.get(SECOND_STEP_COOKIE)
    step = None
    if step_token and ctx.sso.enabled:
        step = await asyncio.to_thread(
            ctx.sso.identities.second_step, step_token, now=now_utc(), max_age=SECOND_STEP_MAX_AGE
        )
    if step_token is None or step is None:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail="code: no single sign-on is waiting for a code (it may have expired); sign in again",
        )
    user_id, page = step
    admitted = await asyncio.to_thread(ctx.accounts.admit, user_id)
    ip = client_ip(request)
    if admitted.user is None or not await asyncio.to_thread(ctx.accounts.check_code, user_id, body.code):
        reason = admitted.outcome if admitted.user is None else "wrong_otp"
        username = admitted.user.username if admitted.user else None
        await asyncio.to_thread(
            ctx.audit.record,
            action="login",
            resource="session",
            outcome="failure",
            user_id=user_id,
            username=username,
            source_ip=ip,
            detail={"method": "sso", "reason": reason},
        )
        if reason == "wrong_otp" and username is not None:
            await lock_if_repeated(ctx, username, admitted.unlocked_at, ip)
        else:
            await asyncio.to_thread(
                ctx.sso.identities.end_second_step, step_token, now=now_utc(), max_age=SECOND_STEP_MAX_AGE
            )
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=REFUSALS.get(reason, "sign in again"))
    await asyncio.to_thread(
        ctx.sso.identities.end_second_step, step_token, now=now_utc(), max_age=SECOND_STEP_MAX_AGE
    )
    user = admitted.user
    token = await _open_session(ctx, request, response, user, {"second_factor": "code"})
    response.delete_cookie(SECOND_STEP_COOKIE, path=COOKIE_PATH)
    enrol = bool(ctx.settings.require_mfa) and not user.mfa_enrolled
    return SsoLoginResponse(token=token, user=user, mfa_enrolment_required=enrol, return_to=page)


@router.post("/auth/sso/session", response_model=LoginResponse)
async def sso_session(request: Request, ctx: Ctx) -> LoginResponse:
    """The session a single sign-on opened (held in its cookie), for the console to use like the answer
    of a password sign-in."""
    token = bearer_token(request)
    session = await resolve_session(ctx, token)
    if token is None or session is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="sign in first: no valid session (it may have expired)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.user = session.user
    return LoginResponse(token=token, user=session.user, mfa_enrolment_required=needs_enrolment(ctx, session))


async def _agency_account(ctx: AppContext, admin: User, username: str) -> User:
    target = await asyncio.to_thread(ctx.accounts.get_user, username)
    if target is None or target.agency_id != admin.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no user {username!r}")
    return target


@router.get("/users/{username}/sso", response_model=list[LinkedIdentity])
async def linked_identities(username: str, request: Request, ctx: Ctx, admin: Admin) -> list[LinkedIdentity]:
    """The single sign-on identity pinned to an account, per issuer."""
    await _agency_account(ctx, admin, username)
    links = await asyncio.to_thread(ctx.sso.identities.links_of, username)
    await audit_action(ctx, admin, request, action="sso.links.read", resource=f"user/{username}")
    return [LinkedIdentity(**vars(link)) for link in links]


@router.post("/users/{username}/sso/unlink", status_code=204)
async def unlink_identities(username: str, request: Request, ctx: Ctx, admin: Admin) -> None:
    """Forget the identity pinned to an account (the person was re-created at the identity provider):
    the next single sign-on under this username links again."""
    await _agency_account(ctx, admin, username)
    links = await asyncio.to_thread(ctx.sso.identities.links_of, username)
    if not links:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"{username!r} has no single sign-on identity")
    await asyncio.to_thread(ctx.sso.identities.unlink, username)
    detail = {"unlinked": [{"issuer": link.issuer, "subject": link.subject} for link in links]}
    await audit_action(ctx, admin, request, action="sso.unlink", resource=f"user/{username}", detail=detail)

"""Sign-in and sign-out. Every attempt, successful or not, is audited."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated

import pyotp
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from rtcc.api.deps import SESSION_COOKIE, Ctx, CurrentUser, audit_action, client_ip, current_session
from rtcc.domain.entities import User
from rtcc.domain.roles import LOCKOUT_ATTEMPTS, LOCKOUT_WINDOW_MINUTES
from rtcc.storage.accounts import SessionInfo, now_utc

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginRequest(BaseModel):
    username: str = Field(..., min_length=1, max_length=100)
    password: str = Field(..., min_length=1, max_length=500)
    otp: str | None = Field(None, max_length=10, description="The 6-digit code from the authenticator app.")


class LoginResponse(BaseModel):
    token: str = Field(..., description="Session token: send as 'Authorization: Bearer <token>'.")
    user: User
    mfa_enrolment_required: bool = Field(
        False,
        description="True until the account has a second factor: only enrolment is open to this session.",
    )


class MfaBegin(BaseModel):
    secret: str = Field(..., description="Base32 secret for the authenticator app; shown once.")
    otpauth_uri: str = Field(..., description="The same as an otpauth:// URI (for a QR code).")


class MfaConfirm(BaseModel):
    code: str = Field(..., min_length=6, max_length=10)


REFUSALS = {
    "locked": "account locked after repeated failed sign-ins; an administrator must unlock it",
    "disabled": "account disabled",
    "inactive": "account disabled after 90 days without use; an administrator must enable it",
    "otp_required": "otp: this account has a second factor; send the 6-digit code",
    "wrong_otp": "otp: wrong or already used code",
}


@router.post("/login", response_model=LoginResponse)
async def login(body: LoginRequest, request: Request, response: Response, ctx: Ctx) -> LoginResponse:
    ip = client_ip(request)
    result = await asyncio.to_thread(ctx.accounts.authenticate, body.username, body.password, body.otp)
    if result.user is None:
        await asyncio.to_thread(
            ctx.audit.record,
            action="login",
            resource="session",
            outcome="failure",
            username=body.username,
            source_ip=ip,
            detail={"reason": result.outcome},
        )
        if result.outcome in ("wrong_password", "wrong_otp"):
            await lock_if_repeated(ctx, body.username, result.unlocked_at, ip)
        # Wrong and unknown look the same from outside: no telling which usernames exist.
        detail = REFUSALS.get(result.outcome, "wrong username or password")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail)
    user = result.user
    token = await asyncio.to_thread(ctx.accounts.start_session, user, ip)
    await audit_action(ctx, user, request, action="login", resource="session")
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    enrol = bool(ctx.settings.require_mfa) and not user.mfa_enrolled
    return LoginResponse(token=token, user=user, mfa_enrolment_required=enrol)


@router.post("/mfa/begin", response_model=MfaBegin)
async def mfa_begin(
    request: Request, ctx: Ctx, session: Annotated[SessionInfo, Depends(current_session)]
) -> MfaBegin:
    """Start setting up (or replacing) the second factor: a new TOTP secret, active once confirmed."""
    user = session.user
    if user.mfa_enrolled:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail="a second factor is already set up; an administrator can reset it",
        )
    secret = await asyncio.to_thread(ctx.accounts.begin_mfa, user.id)
    await audit_action(ctx, user, request, action="mfa.begin", resource=f"user/{user.username}")
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="OpenRTCC")
    return MfaBegin(secret=secret, otpauth_uri=uri)


@router.post("/mfa/confirm", status_code=204)
async def mfa_confirm(
    body: MfaConfirm, request: Request, ctx: Ctx, session: Annotated[SessionInfo, Depends(current_session)]
) -> None:
    """Confirm the second factor with a code from the app; from then on, sign-in asks for one."""
    user = session.user
    ok = await asyncio.to_thread(ctx.accounts.confirm_mfa, user.id, body.code)
    outcome = "success" if ok else "failure"
    await audit_action(
        ctx, user, request, action="mfa.confirm", resource=f"user/{user.username}", outcome=outcome
    )
    if not ok:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="code: wrong or expired; begin again if needed"
        )


async def lock_if_repeated(ctx: Ctx, username: str, unlocked_at: datetime | None, ip: str | None) -> None:
    since = now_utc() - timedelta(minutes=LOCKOUT_WINDOW_MINUTES)
    if unlocked_at is not None and unlocked_at > since:
        since = unlocked_at  # failures before an administrator's unlock do not count again
    failures = await asyncio.to_thread(
        ctx.audit.entries,
        action="login",
        username=username,
        outcome="failure",
        since=since,
        limit=LOCKOUT_ATTEMPTS,
    )
    wrong = [e for e in failures if e.detail.get("reason") in ("wrong_password", "wrong_otp")]
    if len(wrong) >= LOCKOUT_ATTEMPTS and await asyncio.to_thread(ctx.accounts.lock, username):
        await asyncio.to_thread(
            ctx.audit.record,
            action="account.lock",
            resource=f"user/{username}",
            outcome="success",
            username=username,
            source_ip=ip,
            detail={"failed_sign_ins": len(wrong), "within_minutes": LOCKOUT_WINDOW_MINUTES},
        )


@router.post("/logout", status_code=204)
async def logout(
    request: Request, response: Response, ctx: Ctx, session: Annotated[SessionInfo, Depends(current_session)]
) -> None:
    await asyncio.to_thread(ctx.accounts.end_session, session.token_hash)
    await audit_action(ctx, session.user, request, action="logout", resource="session")
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", response_model=User)
async def me(user: CurrentUser) -> User:
    return user

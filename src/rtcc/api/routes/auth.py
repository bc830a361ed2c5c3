"""Sign-in and sign-out. Every attempt, successful or not, is audited."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from rtcc.api.deps import SESSION_COOKIE, Ctx, CurrentUser, audit_action, client_ip, current_session
from rtcc.domain.entities import User
from rtcc.storage.accounts import SessionInfo

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginRequest(BaseModel):
    username: str = Field(..., min_length=1, max_length=100)
    password: str = Field(..., min_length=1, max_length=500)


class LoginResponse(BaseModel):
    token: str = Field(..., description="Session token: send as 'Authorization: Bearer <token>'.")
    user: User


@router.post("/login", response_model=LoginResponse)
async def login(body: LoginRequest, request: Request, response: Response, ctx: Ctx) -> LoginResponse:
    ip = client_ip(request)
    user = await asyncio.to_thread(ctx.accounts.authenticate, body.username, body.password)
    if user is None:
        await asyncio.to_thread(
            ctx.audit.record,
            action="login",
            resource="session",
            outcome="failure",
            username=body.username,
            source_ip=ip,
            detail={"reason": "wrong username or password, or account disabled"},
        )
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="wrong username or password")
    token = await asyncio.to_thread(ctx.accounts.start_session, user, ip)
    await audit_action(ctx, user, request, action="login", resource="session")
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return LoginResponse(token=token, user=user)


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

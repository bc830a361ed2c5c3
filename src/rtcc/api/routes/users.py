"""User accounts (administrators only)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from rtcc.api.deps import Ctx, audit_action, require
from rtcc.domain.entities import User
from rtcc.domain.passwords import password_problem
from rtcc.domain.roles import Permission, Role

router = APIRouter(prefix="/api/v1/users", tags=["users"])
Admin = Annotated[User, Depends(require(Permission.USERS_MANAGE))]


class UserCreate(BaseModel):
    username: str = Field(..., min_length=2, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(..., min_length=8, max_length=500, description="At least 8 characters.")
    role: Role
    display_name: str | None = Field(None, max_length=200)


@router.get("", response_model=list[User])
async def list_users(ctx: Ctx, user: Admin) -> list[User]:
    users = await asyncio.to_thread(ctx.accounts.list_users)
    return [u for u in users if u.agency_id == user.agency_id]


@router.post("", response_model=User, status_code=201)
async def create_user(body: UserCreate, request: Request, ctx: Ctx, user: Admin) -> User:
    problem = password_problem(body.password, body.username)
    if problem is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"password: {problem}")
    if await asyncio.to_thread(ctx.accounts.get_user, body.username):
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"username: {body.username!r} is taken")
    created = await asyncio.to_thread(
        ctx.accounts.create_user,
        user.agency_id,
        body.username,
        body.password,
        body.role,
        display_name=body.display_name,
    )
    detail = {"new_username": created.username, "role": created.role.value}
    await audit_action(ctx, user, request, action="user.create", resource=f"user/{created.id}", detail=detail)
    return created


async def _account_action(
    ctx: Ctx,
    admin: User,
    request: Request,
    username: str,
    action: str,
    change: Callable[[str], bool],
    refusal: str,
) -> User:
    """An administrator's change to another account of the agency: done, audited, and the account returned.
    ``change`` answers False when there was nothing to change (``refusal`` says why)."""
    target = await asyncio.to_thread(ctx.accounts.get_user, username)
    if target is None or target.agency_id != admin.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no user {username!r}")
    if not await asyncio.to_thread(change, username):
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"{username!r} {refusal}")
    await audit_action(ctx, admin, request, action=action, resource=f"user/{username}")
    changed = await asyncio.to_thread(ctx.accounts.get_user, username)
    assert changed is not None
    return changed


@router.post("/{username}/unlock", response_model=User)
async def unlock_user(username: str, request: Request, ctx: Ctx, user: Admin) -> User:
    """Unlock an account locked after repeated failed sign-ins."""
    return await _account_action(
        ctx, user, request, username, "account.unlock", ctx.accounts.unlock, "is not locked"
    )


@router.post("/{username}/enable", response_model=User)
async def enable_user(username: str, request: Request, ctx: Ctx, user: Admin) -> User:
    """Enable an account disabled after 90 days without use."""
    return await _account_action(
        ctx, user, request, username, "account.enable", ctx.accounts.enable, "is not disabled"
    )


@router.post("/{username}/mfa/reset", response_model=User)
async def reset_mfa(username: str, request: Request, ctx: Ctx, user: Admin) -> User:
    """Remove a user's second factor (a lost phone): they set up a new one at their next sign-in."""
    return await _account_action(
        ctx, user, request, username, "mfa.reset", ctx.accounts.reset_mfa, "does not exist"
    )

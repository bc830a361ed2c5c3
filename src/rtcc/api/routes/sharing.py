"""Sharing agreements: one agency's data made visible to another public agency, as the agreement says."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rtcc.api.deps import Ctx, audit_action, require
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission
from rtcc.domain.sharing import SharingAgreement, SharingKind

router = APIRouter(prefix="/api/v1/sharing", tags=["sharing"])
Manager = Annotated[User, Depends(require(Permission.SHARING_MANAGE))]
Reader = Annotated[User, Depends(require(Permission.SHARING_READ))]


class AgreementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient_agency_id: str = Field(
        ..., min_length=1, max_length=64, description="A public agency known here."
    )
    kinds: list[SharingKind] = Field(..., min_length=1)
    purpose: str = Field(..., min_length=3, max_length=500)
    legal_basis: str = Field(
        ..., min_length=3, max_length=500, description="e.g. the mutual aid agreement's number."
    )
    ends_at: AwareDatetime | None = None


@router.post("", response_model=SharingAgreement, status_code=201)
async def create_agreement(body: AgreementIn, request: Request, ctx: Ctx, user: Manager) -> SharingAgreement:
    """Share this agency's data with another agency (only agencies registered here, which are public)."""
    if body.recipient_agency_id == user.agency_id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="recipient_agency_id: that is this agency"
        )
    if await asyncio.to_thread(ctx.accounts.get_agency, body.recipient_agency_id) is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="recipient_agency_id: no such agency"
        )
    agreement = await asyncio.to_thread(
        ctx.sharing.create,
        owner=user.agency_id,
        recipient=body.recipient_agency_id,
        kinds=body.kinds,
        purpose=body.purpose,
        legal_basis=body.legal_basis,
        ends_at=body.ends_at,
        created_by=user.username,
    )
    detail = {
        "recipient": body.recipient_agency_id,
        "kinds": [k.value for k in body.kinds],
        "legal_basis": body.legal_basis,
    }
    await audit_action(
        ctx, user, request, action="sharing.create", resource=f"sharing/{agreement.id}", detail=detail
    )
    return agreement


@router.get("", response_model=list[SharingAgreement])
async def list_agreements(ctx: Ctx, user: Reader) -> list[SharingAgreement]:
    """Agreements this agency made and those made with it."""
    return await asyncio.to_thread(ctx.sharing.involving, user.agency_id)


@router.post("/{agreement_id}/revoke", status_code=204)
async def revoke_agreement(agreement_id: str, request: Request, ctx: Ctx, user: Manager) -> None:
    if not await asyncio.to_thread(ctx.sharing.revoke, agreement_id, user.agency_id, user.username):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no active agreement {agreement_id!r} of this agency"
        )
    await audit_action(ctx, user, request, action="sharing.revoke", resource=f"sharing/{agreement_id}")

"""Disclosures: releasing data outside the agency (public records requests, subpoenas, court orders, other
agencies), each with its recipient, legal basis and purpose, logged and kept as a hashed package."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from rtcc.api.deps import Ctx, audit_action, require
from rtcc.domain.disclosures import Disclosure, DisclosureCriteria, DisclosureKind
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission
from rtcc.storage.disclosures import Disclosures

router = APIRouter(prefix="/api/v1/disclosures", tags=["disclosures"])
Custodian = Annotated[User, Depends(require(Permission.DISCLOSURES))]


class DisclosureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DisclosureKind
    recipient: str = Field(
        ..., min_length=3, max_length=300, description="Who receives it (person and body)."
    )
    legal_basis: str = Field(
        ...,
        min_length=3,
        max_length=500,
        description="The statute, subpoena or order number it is released under.",
    )
    purpose: str = Field(..., min_length=3, max_length=500)
    case_number: str | None = Field(None, max_length=100)
    criteria: DisclosureCriteria


@router.post("", response_model=Disclosure, status_code=201)
async def release(body: DisclosureRequest, request: Request, ctx: Ctx, user: Custodian) -> Disclosure:
    """Release the matching events: build the package, keep it, and log the release."""
    if body.criteria.occurred_to <= body.criteria.occurred_from:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="criteria.occurred_to: must be after occurred_from"
        )
    disclosure = await asyncio.to_thread(
        Disclosures(ctx.db).release,
        agency_id=user.agency_id,
        kind=body.kind,
        recipient=body.recipient,
        legal_basis=body.legal_basis,
        purpose=body.purpose,
        case_number=body.case_number,
        criteria=body.criteria,
        released_by=user.username,
    )
    detail = {
        "recipient": body.recipient,
        "kind": body.kind.value,
        "legal_basis": body.legal_basis,
        "items": disclosure.item_count,
        "package_sha256": disclosure.package_sha256,
    }
    await audit_action(
        ctx, user, request, action="disclosure.release", resource=f"disclosure/{disclosure.id}", detail=detail
    )
    return disclosure


@router.get("", response_model=list[Disclosure])
async def list_disclosures(ctx: Ctx, user: Custodian) -> list[Disclosure]:
    return await asyncio.to_thread(Disclosures(ctx.db).list, user.agency_id)


@router.get("/{disclosure_id}/package")
async def download_package(disclosure_id: str, ctx: Ctx, user: Custodian) -> Response:
    """The package exactly as released (its SHA-256 is in the record)."""
    found = await asyncio.to_thread(Disclosures(ctx.db).package, user.agency_id, disclosure_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no disclosure {disclosure_id!r}")
    disclosure, package = found
    return Response(
        package,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{disclosure.id}.zip"',
            "X-Content-SHA256": disclosure.package_sha256,
        },
    )

"""Disclosures: every release of data outside the agency, on a stated legal basis, logged and packaged."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class DisclosureKind(StrEnum):
    PUBLIC_RECORDS = "public_records_request"
    SUBPOENA = "subpoena"
    COURT_ORDER = "court_order"
    AGENCY_REQUEST = "agency_request"  # another public agency, under a recorded agreement


class DisclosureCriteria(BaseModel):
    """Which stored events are released."""

    model_config = ConfigDict(extra="forbid")

    event_types: list[str] = Field(..., min_length=1, description="e.g. alpr.read, call.received.")
    occurred_from: AwareDatetime
    occurred_to: AwareDatetime
    source_id: str | None = None


class Disclosure(BaseModel):
    id: str
    agency_id: str
    kind: DisclosureKind
    recipient: str
    legal_basis: str
    purpose: str
    case_number: str | None = None
    criteria: dict[str, Any]
    item_count: int
    package_sha256: str = Field(..., description="SHA-256 of the package as released.")
    released_at: datetime
    released_by: str

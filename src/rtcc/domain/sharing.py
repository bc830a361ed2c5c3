"""Sharing between agencies: only under a recorded agreement, only with public agencies, only what it names."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class SharingKind(StrEnum):
    LIVE = "live"  # the live picture: calls, units, cameras, drones, alerts
    EVENTS = "events"  # the event history, plate reads excepted
    PLATES = "plates"  # plate reads (ALPR): named on their own, as state law asks
    HOTLISTS = "hotlists"  # hotlist entries: the recipient's reads are matched against the owner's list


class SharingAgreement(BaseModel):
    id: str
    owner_agency_id: str = Field(..., description="The agency whose data is shared.")
    recipient_agency_id: str = Field(..., description="The public agency that may see it.")
    kinds: list[SharingKind]
    purpose: str
    legal_basis: str
    starts_at: datetime
    ends_at: datetime | None = None
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def active(self, now: datetime) -> bool:
        return (
            self.revoked_at is None and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)
        )

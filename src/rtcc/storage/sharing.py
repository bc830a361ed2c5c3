"""Recorded sharing agreements, and which agencies' data a user's agency may see under them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select, update

from rtcc.domain.sharing import SharingAgreement, SharingKind
from rtcc.storage.accounts import now_utc
from rtcc.storage.db import Database
from rtcc.storage.tables import sharing_agreements


class Sharing:
    def __init__(self, db: Database):
        self.db = db

    def create(
        self,
        *,
        owner: str,
        recipient: str,
        kinds: list[SharingKind],
        purpose: str,
        legal_basis: str,
        ends_at: datetime | None,
        created_by: str,
    ) -> SharingAgreement:
        row = {
            "id": f"S-{uuid.uuid4().hex[:10]}",
            "owner_agency_id": owner,
            "recipient_agency_id": recipient,
            "kinds": [k.value for k in kinds],
            "purpose": purpose,
            "legal_basis": legal_basis,
            "starts_at": now_utc(),
            "ends_at": ends_at,
            "created_by": created_by,
        }
        with self.db.write() as conn:
            conn.execute(sharing_agreements.insert().values(**row))
        return SharingAgreement.model_validate(row)

    def revoke(self, agreement_id: str, owner: str, by: str) -> bool:
        with self.db.write() as conn:
            res = conn.execute(
                update(sharing_agreements)
                .where(
                    sharing_agreements.c.id == agreement_id,
                    sharing_agreements.c.owner_agency_id == owner,
                    sharing_agreements.c.revoked_at.is_(None),
                )
                .values(revoked_at=now_utc(), revoked_by=by)
            )
        return bool(res.rowcount)

    def involving(self, agency_id: str) -> list[SharingAgreement]:
        q = select(sharing_agreements).where(
            or_(
                sharing_agreements.c.owner_agency_id == agency_id,
                sharing_agreements.c.recipient_agency_id == agency_id,
            )
        )
        with self.db.read() as conn:
            return [SharingAgreement.model_validate(r._mapping) for r in conn.execute(q)]

    def visible_agencies(
        self, agency_id: str, kind: SharingKind | None, now: datetime | None = None
    ) -> list[str]:
        """The agency itself, then every agency sharing this kind of data with it now (none for no kind)."""
        if kind is None:
            return [agency_id]
        now = now or now_utc()
        owners = [
            a.owner_agency_id
            for a in self.involving(agency_id)
            if a.recipient_agency_id == agency_id and kind in a.kinds and a.active(now)
        ]
        return [agency_id, *sorted(set(owners))]

    def recipients(self, owner: str, now: datetime | None = None) -> list[str]:
        now = now or now_utc()
        return sorted(
            {
                a.recipient_agency_id
                for a in self.involving(owner)
                if a.owner_agency_id == owner and a.active(now)
            }
        )

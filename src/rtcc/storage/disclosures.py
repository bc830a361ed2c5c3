"""Releasing data outside the agency: the package (a ZIP with a manifest and per-file hashes) is built,
kept, and recorded with its recipient and legal basis in one step."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from typing import Any

import orjson
from sqlalchemy import select

from rtcc.domain.disclosures import Disclosure, DisclosureCriteria, DisclosureKind
from rtcc.storage.accounts import now_utc
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.tables import disclosures

MAX_ITEMS = 1_000_000


class Disclosures:
    def __init__(self, db: Database):
        self.db = db
        self.events = SqlEventStore(db)

    def release(
        self,
        *,
        agency_id: str,
        kind: DisclosureKind,
        recipient: str,
        legal_basis: str,
        purpose: str,
        case_number: str | None,
        criteria: DisclosureCriteria,
        released_by: str,
    ) -> Disclosure:
        found = self.events.query(
            types=criteria.event_types,
            source_id=criteria.source_id,
            occurred_from=criteria.occurred_from,
            occurred_to=criteria.occurred_to,
            limit=MAX_ITEMS,
            agency_ids=[agency_id],  # only the agency's own data leaves
        )
        items = list(found)
        now = now_utc()
        disclosure_id = f"D-{now:%Y%m%d}-{uuid.uuid4().hex[:8]}"
        record: dict[str, Any] = {
            "id": disclosure_id,
            "agency_id": agency_id,
            "kind": kind.value,
            "recipient": recipient,
            "legal_basis": legal_basis,
            "purpose": purpose,
            "case_number": case_number,
            "criteria": criteria.model_dump(mode="json"),
            "item_count": len(items),
            "released_at": now,
            "released_by": released_by,
        }
        package = build_package(record, [e.model_dump(mode="json") for e in items])
        record["package"] = package
        record["package_sha256"] = hashlib.sha256(package).hexdigest()
        with self.db.write() as conn:
            conn.execute(disclosures.insert().values(**record))
        return Disclosure.model_validate(record)

    def list(self, agency_id: str, limit: int = 200) -> list[Disclosure]:
        q = (
            select(disclosures)
            .where(disclosures.c.agency_id == agency_id)
            .order_by(disclosures.c.released_at.desc())
            .limit(limit)
        )
        with self.db.read() as conn:
            return [Disclosure.model_validate(r._mapping) for r in conn.execute(q)]

    def package(self, agency_id: str, disclosure_id: str) -> tuple[Disclosure, bytes] | None:
        q = select(disclosures).where(disclosures.c.id == disclosure_id, disclosures.c.agency_id == agency_id)
        with self.db.read() as conn:
            r = conn.execute(q).first()
        return (Disclosure.model_validate(r._mapping), bytes(r.package)) if r else None

    def counts(self, agency_id: str, since: Any, until: Any) -> dict[str, int]:
        q = select(disclosures.c.kind).where(
            disclosures.c.agency_id == agency_id,
            disclosures.c.released_at >= since,
            disclosures.c.released_at < until,
        )
        out: dict[str, int] = {}
        with self.db.read() as conn:
            for (kind,) in conn.execute(q):
                out[kind] = out.get(kind, 0) + 1
        return out


def build_package(record: dict[str, Any], items: list[dict[str, Any]]) -> bytes:
    """A ZIP: events.jsonl and manifest.json (who, why, on what basis, and each file's SHA-256)."""
    body = b"".join(orjson.dumps(item) + b"\n" for item in items)
    manifest = {
        "disclosure": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in record.items()},
        "files": {"events.jsonl": {"sha256": hashlib.sha256(body).hexdigest(), "items": len(items)}},
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        # Fixed timestamps inside the archive: the same release always packs to the same bytes.
        for name, data in (
            ("events.jsonl", body),
            ("manifest.json", orjson.dumps(manifest, option=orjson.OPT_INDENT_2)),
        ):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()

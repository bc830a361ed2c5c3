"""Counts for the public transparency report, straight from live data."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select

from rtcc.domain.outcomes import precision_by_period
from rtcc.domain.retention import RetentionPolicy
from rtcc.domain.transparency import RetentionLine, TransparencyReport, policy_text
from rtcc.storage.accounts import now_utc
from rtcc.storage.db import Database
from rtcc.storage.disclosures import Disclosures
from rtcc.storage.sharing import Sharing
from rtcc.storage.tables import agencies, alerts, audit_log, cameras, events, retention_runs


def build_report(
    db: Database,
    agency_id: str,
    period_from: datetime,
    period_to: datetime,
    retention: list[RetentionPolicy],
    *,
    require_mfa: bool,
) -> TransparencyReport | None:
    with db.read() as conn:
        name = conn.execute(select(agencies.c.name).where(agencies.c.id == agency_id)).scalar()
        if name is None:
            return None
        in_period = (events.c.occurred_at >= period_from) & (events.c.occurred_at < period_to)
        reads = conn.execute(
            select(func.count()).where(
                events.c.agency_id == agency_id, events.c.type == "alpr.read", in_period
            )
        ).scalar_one()
        purged = conn.execute(
            select(func.coalesce(func.sum(retention_runs.c.purged), 0)).where(
                retention_runs.c.policy == "plate_reads",
                retention_runs.c.ran_at >= period_from,
                retention_runs.c.ran_at < period_to,
            )
        ).scalar_one()
        alert_rows = conn.execute(
            select(alerts.c.kind, alerts.c.raised_at, alerts.c.outcome).where(
                alerts.c.agency_id == agency_id,
                alerts.c.raised_at >= period_from,
                alerts.c.raised_at < period_to,
            )
        ).all()
        searches = conn.execute(
            select(audit_log.c.purpose, audit_log.c.resource, audit_log.c.detail).where(
                audit_log.c.agency_id == agency_id,
                audit_log.c.action == "search",
                audit_log.c.outcome == "success",
                audit_log.c.at >= period_from,
                audit_log.c.at < period_to,
            )
        ).all()
        kinds = conn.execute(
            select(cameras.c.kind, func.count())
            .where(cameras.c.agency_id == agency_id)
            .group_by(cameras.c.kind)
        ).all()
    by_kind: dict[str, list[tuple[datetime, str | None]]] = {}
    for kind, raised_at, outcome in alert_rows:
        by_kind.setdefault(kind, []).append((raised_at, outcome))
    alerts_out = {
        kind: precision_by_period(sorted(rows, key=lambda r: r[0]), "month")[-1]
        for kind, rows in by_kind.items()
    }
    plate_searches = [
        s
        for s in searches
        if s.resource == "GET /api/v1/events" and "alpr" in str((s.detail or {}).get("query", {}))
    ]
    purposes = Counter((s.purpose or "(none stated)") for s in searches if s.purpose)
    plate_days = next((p.keep_days for p in retention if p.name == "plate_reads"), 0)
    events_days = next((p.keep_days for p in retention if p.name == "events"), 0)
    return TransparencyReport(
        agency_id=agency_id,
        agency_name=name,
        period_from=period_from,
        period_to=period_to,
        generated_at=now_utc(),
        policy=policy_text(plate_days=plate_days, events_days=events_days, require_mfa=require_mfa),
        plate_reads=int(reads),
        plate_reads_purged=int(purged),
        plate_hits=len(by_kind.get("alpr.hit", [])),
        plate_searches=len(plate_searches),
        searches_by_purpose=dict(purposes),
        alerts=alerts_out,
        cameras_by_kind={str(k): int(n) for k, n in kinds},
        shared_with=[_agency_name(db, a) for a in Sharing(db).recipients(agency_id)],
        disclosures=Disclosures(db).counts(agency_id, period_from, period_to),
        retention=[
            RetentionLine(name=p.name, keep_days=p.keep_days, description=p.description) for p in retention
        ],
    )


def _agency_name(db: Database, agency_id: str) -> str:
    with db.read() as conn:
        return str(
            conn.execute(select(agencies.c.name).where(agencies.c.id == agency_id)).scalar() or agency_id
        )

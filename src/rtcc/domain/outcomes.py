"""Alert precision: of the alerts whose outcome was recorded, how many were right, period by period.

Chicago's inspector general found evidence of a gun crime after only 9.1% of gunshot alerts with a recorded
outcome; an agency must be able to measure its own rate, and see how many alerts nobody followed up.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from rtcc.domain.vocab import CONFIRMED_OUTCOMES

Period = Literal["day", "week", "month"]


class PeriodPrecision(BaseModel):
    period: str = Field(..., description="2026-11 (month), 2026-W47 (ISO week) or 2026-11-21 (day).")
    alerts: int
    with_outcome: int
    confirmed: int
    precision: float | None = Field(
        None, description="confirmed / with_outcome; none when nothing was recorded."
    )
    outcomes: dict[str, int] = Field(default_factory=dict)


def period_key(when: datetime, period: Period) -> str:
    if period == "day":
        return when.date().isoformat()
    if period == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{when.year}-{when.month:02d}"


def precision_by_period(
    rows: Iterable[tuple[datetime, str | None]], period: Period = "month"
) -> list[PeriodPrecision]:
    """Rows are (raised_at, outcome or None), in time order. One line per period, plus the total last."""
    buckets: OrderedDict[str, list[str | None]] = OrderedDict()
    for raised_at, outcome in rows:
        buckets.setdefault(period_key(raised_at, period), []).append(outcome)
    out = [_line(key, outcomes) for key, outcomes in buckets.items()]
    if out:
        out.append(_line("total", [o for outcomes in buckets.values() for o in outcomes]))
    return out


def _line(key: str, outcomes: list[str | None]) -> PeriodPrecision:
    recorded = [o for o in outcomes if o]
    confirmed = sum(1 for o in recorded if o in CONFIRMED_OUTCOMES)
    counts: dict[str, int] = {}
    for o in recorded:
        counts[o] = counts.get(o, 0) + 1
    return PeriodPrecision(
        period=key,
        alerts=len(outcomes),
        with_outcome=len(recorded),
        confirmed=confirmed,
        precision=round(confirmed / len(recorded), 4) if recorded else None,
        outcomes=dict(sorted(counts.items())),
    )

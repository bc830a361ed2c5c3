"""A CAD incident as a whole record: the call, its lifecycle times, the units on it and the notes.

The live picture (``entities.Call``) is what operators watch; this is what an investigator, an import or an
EIDO exchange handles, and what response times are measured on.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from rtcc.domain.vocab import IncidentStatus, IncidentType, Priority

LIFECYCLE = (
    IncidentStatus.RECEIVED,
    IncidentStatus.DISPATCHED,
    IncidentStatus.EN_ROUTE,
    IncidentStatus.ON_SCENE,
    IncidentStatus.CLEARED,
)
# The column holding the time each status was first reached.
STAMP_FIELD: dict[IncidentStatus, str] = {s: f"{s.value}_at" for s in LIFECYCLE}


class UnitAssignment(BaseModel):
    """One unit on one call, with the times it reached each stage."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    unit_id: str = Field(..., min_length=1, max_length=64)
    dispatched_at: AwareDatetime | None = None
    en_route_at: AwareDatetime | None = None
    on_scene_at: AwareDatetime | None = None
    cleared_at: AwareDatetime | None = None


class CallNote(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    at: AwareDatetime
    author: str = Field(..., min_length=1, max_length=100)
    text: str = Field(..., min_length=1, max_length=4000)


class CadIncident(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    agency_id: str = Field(..., min_length=1, max_length=64)
    call_id: str = Field(..., min_length=1, max_length=64)
    incident_id: str | None = Field(None, max_length=64)
    call_type: IncidentType
    type_code: str | None = Field(None, max_length=100, description="The agency's own call type code.")
    priority: Priority
    status: IncidentStatus = IncidentStatus.RECEIVED
    description: str = Field("", max_length=4000)
    received_at: AwareDatetime
    dispatched_at: AwareDatetime | None = None
    en_route_at: AwareDatetime | None = None
    on_scene_at: AwareDatetime | None = None
    cleared_at: AwareDatetime | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    address: str | None = Field(None, max_length=300)
    disposition: str | None = Field(None, max_length=200)
    units: list[UnitAssignment] = Field(default_factory=list)
    notes: list[CallNote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _times_after_received(self) -> CadIncident:
        """Nothing happens to a call before it is received. Later stages are not forced into order:
        real exports have a unit on scene a few seconds before its en-route press, and such a call is
        still a call."""
        for status in LIFECYCLE[1:]:
            name = STAMP_FIELD[status]
            value: datetime | None = getattr(self, name)
            if value is not None and value < self.received_at:
                raise ValueError(
                    f"{name}: {value.isoformat()} is before received_at {self.received_at.isoformat()}"
                )
        return self

    def first_on_scene(self) -> datetime | None:
        """When the first unit arrived: the call's own time, or the earliest of its units'."""
        times = [u.on_scene_at for u in self.units if u.on_scene_at is not None]
        if self.on_scene_at is not None:
            times.append(self.on_scene_at)
        return min(times) if times else None

    def first_dispatched(self) -> datetime | None:
        times = [u.dispatched_at for u in self.units if u.dispatched_at is not None]
        if self.dispatched_at is not None:
            times.append(self.dispatched_at)
        return min(times) if times else None


# ---- response times ---------------------------------------------------------------------------------------

INTERVALS = (
    ("received_to_dispatched", "received", "dispatched"),
    ("dispatched_to_on_scene", "dispatched", "on_scene"),
    ("received_to_on_scene", "received", "on_scene"),
)


@dataclass(frozen=True, slots=True)
class CallTimes:
    """The three moments response times are measured between, for one call."""

    group: str
    received: datetime
    dispatched: datetime | None
    on_scene: datetime | None  # the first unit on scene


@dataclass(frozen=True, slots=True)
class IntervalStats:
    interval: str
    count: int
    median_s: float | None
    p90_s: float | None


@dataclass(frozen=True, slots=True)
class GroupTimes:
    group: str
    calls: int
    intervals: list[IntervalStats]


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (the same rule as numpy's default), q in [0, 100]."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def response_times(calls: Iterable[CallTimes]) -> list[GroupTimes]:
    """Count, median and 90th percentile of each interval, per group, then for all calls ("all").

    An interval is counted only when both its ends are known and in order; a call cleared before anyone
    arrived counts toward received-to-dispatched only.
    """
    by_group: dict[str, list[CallTimes]] = defaultdict(list)
    for c in calls:
        by_group[c.group].append(c)
        if c.group != "all":
            by_group["all"].append(c)
    out = []
    for group in sorted(by_group, key=lambda g: (g == "all", g)):
        rows = by_group[group]
        stats = []
        for name, start, end in INTERVALS:
            spans = []
            for r in rows:
                a: datetime | None = getattr(r, start)
                b: datetime | None = getattr(r, end)
                if a is not None and b is not None and b >= a:
                    spans.append((b - a).total_seconds())
            stats.append(
                IntervalStats(
                    name,
                    len(spans),
                    statistics.median(spans) if spans else None,
                    percentile(spans, 90) if spans else None,
                )
            )
        out.append(GroupTimes(group, len(rows), stats))
    return out

"""License plate reads and hotlists: plate normalisation, hotlist entries, and what to confirm before acting.

A hit is not by itself grounds for a stop (California SB 34 practice, and every misread that ended at
gunpoint): the officer confirms the plate characters, the state, the vehicle against the image, and that
the hotlist entry is still active. Those four checks are named here so the API, the console and the report
agree on them.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

_STRIP = re.compile(r"[\s\-\.·•_]+")
_VALID = re.compile(r"^[A-Z0-9]{1,10}$")


def normalise_plate(text: str) -> str | None:
    """Upper case without spaces, dashes or dots; None when nothing usable is left."""
    plate = _STRIP.sub("", text.upper())
    return plate if _VALID.match(plate) else None


class CheckItem(StrEnum):
    PLATE = "plate"  # the characters on the plate match the read
    STATE = "state"  # the issuing state matches the entry
    VEHICLE = "vehicle"  # the vehicle in the image matches the entry (make, colour)
    ENTRY_ACTIVE = "entry_active"  # the hotlist entry is still active with its source (e.g. NCIC)


class CheckResult(StrEnum):
    CONFIRMED = "confirmed"
    MISMATCH = "mismatch"


class HotlistRecord(BaseModel):
    """One hotlist entry as entered or imported."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    entry_id: str = Field(..., min_length=1, max_length=64)
    plate: str = Field(..., min_length=1, max_length=16)
    state: str | None = Field(None, max_length=8)
    reason: str = Field(..., min_length=1, max_length=300, description="e.g. stolen vehicle, Amber alert.")
    source: str = Field(..., min_length=1, max_length=100, description="NCIC, state DMV, agency BOLO, ...")
    entered: AwareDatetime
    expires: AwareDatetime | None = None

    @field_validator("plate")
    @classmethod
    def _plate(cls, v: str) -> str:
        plate = normalise_plate(v)
        if plate is None:
            raise ValueError(f"{v!r} is not a usable plate (letters and digits, at most 10)")
        return plate

    @field_validator("state")
    @classmethod
    def _state(cls, v: str | None) -> str | None:
        return v.strip().upper() or None if v else None

    def active_at(self, at: datetime) -> bool:
        return self.entered <= at and (self.expires is None or at < self.expires)


class HotlistChange(BaseModel):
    """An entry as the matching engine learns of it: new, changed, or removed."""

    model_config = ConfigDict(frozen=True)

    agency_id: str
    entry_id: str
    plate: str
    state: str | None
    reason: str
    source: str
    entered: datetime
    expires: datetime | None
    removed: bool
    updated_at: datetime
    change_seq: int


# The severity of a hit by what the list says the vehicle is; a hit that needed a tolerant match (a
# character the reader may have got wrong) is one step lower, because it is more likely a misread.
def hit_severity(source: str, reason: str, exact: bool) -> str:
    text = f"{source} {reason}".lower()
    if any(w in text for w in ("amber", "abduct", "missing child", "homicide", "armed")):
        level = 0
    elif any(w in text for w in ("stolen", "wanted", "ncic", "felony", "warrant")):
        level = 1
    else:
        level = 2
    if not exact:
        level += 1
    return ("critical", "high", "medium", "low")[min(level, 3)]

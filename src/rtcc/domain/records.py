"""Records the threat brief is built from: persons, addresses, who lives where, criminal history,
warrants, protective orders, premise cautions and links between persons.

Protected attributes (race, ethnicity, religion, political or social views and associations) may be kept on
a person because source systems carry them, but they live in one field, ``protected``, that nothing which
scores or ranks ever reads. A test changes them and checks the brief is unchanged.

Links that come from criminal intelligence fall under 28 CFR Part 23: they carry the reasonable-suspicion
basis they were stored on and a review date at most five years after entry, and a record without a basis
is refused.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class LinkKind(StrEnum):
    FAMILY = "family"
    ASSOCIATE = "associate"
    CO_ARRESTEE = "co_arrestee"
    HOUSEHOLD = "household"


class HistoryKind(StrEnum):
    ARREST = "arrest"
    CONVICTION = "conviction"


class CautionKind(StrEnum):
    WEAPONS = "weapons"
    OFFICER_SAFETY = "officer_safety"
    DOG = "dog"
    HAZMAT = "hazmat"
    MENTAL_HEALTH = "mental_health"
    OTHER = "other"


class WarrantStatus(StrEnum):
    ACTIVE = "active"
    SERVED = "served"
    RECALLED = "recalled"


# NIBRS offence codes counted as violent or weapons-related: homicide (09A-09C), kidnapping (100), sex
# offences (11A-11D), robbery (120), assaults (13A-13C), weapon law violations (520), human trafficking
# (64A, 64B), arson (200, a danger to officers entering a building).
VIOLENT_NIBRS = frozenset(
    {
        "09A",
        "09B",
        "09C",
        "100",
        "11A",
        "11B",
        "11C",
        "11D",
        "120",
        "13A",
        "13B",
        "13C",
        "520",
        "64A",
        "64B",
        "200",
    }
)
# Among them, those involving a firearm or a deadly weapon by their nature.
WEAPON_NIBRS = frozenset({"09A", "120", "13A", "520"})

# 28 CFR 23.20(h): an intelligence record is reviewed and validated, or purged, within five years.
PART23_REVIEW_YEARS = 5


class Person(Record):
    person_id: str = Field(..., min_length=1, max_length=64)
    agency_id: str = Field(..., min_length=1, max_length=64)
    family_name: str = Field(..., min_length=1, max_length=100)
    given_name: str = Field("", max_length=100)
    birth_date: date | None = None
    # Kept only because source systems send them; never an input to any score, rank or match.
    protected: dict[str, str] = Field(default_factory=dict)
    source: str = Field("", max_length=100)

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class Address(Record):
    address_id: str = Field(..., min_length=1, max_length=64)
    agency_id: str = Field(..., min_length=1, max_length=64)
    text: str = Field(..., min_length=1, max_length=300)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class Residence(Record):
    person_id: str = Field(..., min_length=1, max_length=64)
    address_id: str = Field(..., min_length=1, max_length=64)
    since: date | None = None
    until: date | None = None
    source: str = Field("", max_length=100)


class HistoryEntry(Record):
    """An arrest or a conviction."""

    entry_id: str = Field(..., min_length=1, max_length=64)
    person_id: str = Field(..., min_length=1, max_length=64)
    kind: HistoryKind
    nibrs_code: str = Field(..., min_length=2, max_length=4, description="NIBRS offence code, e.g. 13A.")
    description: str = Field("", max_length=200)
    on: date
    source: str = Field("", max_length=100)

    @property
    def violent(self) -> bool:
        return self.nibrs_code.upper() in VIOLENT_NIBRS


class Warrant(Record):
    warrant_id: str = Field(..., min_length=1, max_length=64)
    person_id: str = Field(..., min_length=1, max_length=64)
    offense: str = Field(..., min_length=1, max_length=200)
    nibrs_code: str | None = Field(None, max_length=4)
    issued: date
    status: WarrantStatus = WarrantStatus.ACTIVE
    source: str = Field("", max_length=100)


class ProtectiveOrder(Record):
    order_id: str = Field(..., min_length=1, max_length=64)
    restrained_person_id: str = Field(..., min_length=1, max_length=64)
    protected_person_id: str | None = Field(None, max_length=64)
    address_id: str | None = Field(None, max_length=64, description="An address the order keeps them from.")
    issued: date
    expires: date | None = None
    terms: str = Field("", max_length=300)
    source: str = Field("", max_length=100)

    def active_on(self, day: date) -> bool:
        return self.issued <= day and (self.expires is None or day <= self.expires)


class PremiseCaution(Record):
    caution_id: str = Field(..., min_length=1, max_length=64)
    address_id: str = Field(..., min_length=1, max_length=64)
    kind: CautionKind
    severity: int = Field(3, ge=1, le=5, description="1 minor to 5 extreme, as EIDO cautionSeverity.")
    text: str = Field("", max_length=500)
    entered: date
    expires: date | None = None
    source: str = Field("", max_length=100)


class PersonLink(Record):
    link_id: str = Field(..., min_length=1, max_length=64)
    person_a: str = Field(..., min_length=1, max_length=64)
    person_b: str = Field(..., min_length=1, max_length=64)
    kind: LinkKind
    source: str = Field(..., min_length=1, max_length=100, description="Where the link came from.")
    entered: date
    intelligence: bool = Field(False, description="A criminal intelligence record (28 CFR Part 23).")
    basis: str | None = Field(None, max_length=1000, description="The reasonable suspicion it was stored on.")
    review_date: date | None = Field(None, description="Purged at this date unless re-validated.")
    criminal_investigation: str | None = Field(
        None, max_length=64, description="Case number tying a views/associations record to an investigation."
    )
    about_views: bool = Field(
        False, description="The record concerns political, religious or social views or associations."
    )

    @model_validator(mode="after")
    def _part23(self) -> PersonLink:
        if self.person_a == self.person_b:
            raise ValueError("person_b: a person cannot be linked to themselves")
        if self.about_views and not self.criminal_investigation:
            raise ValueError(
                "criminal_investigation: a record about political, religious or social views or "
                "associations is refused unless tied to a criminal investigation (28 CFR 23.20(b))"
            )
        if not self.intelligence:
            return self
        if not self.basis or not self.basis.strip():
            raise ValueError(
                "basis: an intelligence record needs the reasonable suspicion it is stored on (28 CFR 23.20(a))"
            )
        latest = add_years(self.entered, PART23_REVIEW_YEARS)
        if self.review_date is None:
            self.review_date = latest
        elif self.review_date > latest:
            raise ValueError(f"review_date: must be within five years of entry, by {latest.isoformat()}")
        return self

    def current_on(self, day: date) -> bool:
        """An intelligence link past its review date is left out (and purged by retention)."""
        return not self.intelligence or self.review_date is None or day <= self.review_date


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[.,#]")
_SUFFIXES = {
    "AVENUE": "AVE",
    "STREET": "ST",
    "ROAD": "RD",
    "DRIVE": "DR",
    "BOULEVARD": "BLVD",
    "LANE": "LN",
    "COURT": "CT",
    "PLACE": "PL",
    "PARKWAY": "PKWY",
    "CIRCLE": "CIR",
    "TERRACE": "TER",
    "HIGHWAY": "HWY",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
}


def normalise_address(text: str) -> str:
    """A comparable form of a street address: upper case, no punctuation, standard suffixes, and only the
    street part (before the first comma), so '12 North High Street, Columbus' matches '12 N HIGH ST'."""
    street = text.split(",")[0]
    words = _SPACES.sub(" ", _PUNCT.sub(" ", street.upper())).strip().split(" ")
    return " ".join(_SUFFIXES.get(w, w) for w in words if w)


# Each kind of record an agency can import, by the name the command line and the API use.
RECORD_KINDS: dict[str, type[Record]] = {
    "persons": Person,
    "addresses": Address,
    "residences": Residence,
    "history": HistoryEntry,
    "warrants": Warrant,
    "protective_orders": ProtectiveOrder,
    "cautions": PremiseCaution,
    "links": PersonLink,
}
# Protected attributes a person file may carry, kept apart and never scored (see Person.protected).
PROTECTED_FIELDS = ("race", "ethnicity", "religion", "political_views", "social_views", "associations")

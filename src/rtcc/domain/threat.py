"""The threat brief: what waits at a call's location, scored so an officer can see why.

The premise score is a sum of factors. Each factor names the record it came from, that record's date, its
base weight and the points it adds after ageing (old records count for less: the weight halves every
half-life). The level is read off the total. The weights are a starting policy an agency can argue with;
they are in one table here and in the README so nobody has to guess what moved a level.

Inputs are records about the place and its residents: calls, cautions, criminal history, warrants and
protective orders. A person's protected attributes (``Person.protected``) are never read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from rtcc.domain.records import (
    VIOLENT_NIBRS,
    WEAPON_NIBRS,
    Address,
    CautionKind,
    HistoryEntry,
    HistoryKind,
    Person,
    PersonLink,
    PremiseCaution,
    ProtectiveOrder,
    Warrant,
    WarrantStatus,
)
from rtcc.domain.vocab import IncidentType


class ThreatLevel(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    SEVERE = "severe"


# Score thresholds: at or above the value, the level applies.
LEVELS: tuple[tuple[float, ThreatLevel], ...] = (
    (12.0, ThreatLevel.SEVERE),
    (6.0, ThreatLevel.HIGH),
    (2.0, ThreatLevel.MODERATE),
    (0.0, ThreatLevel.LOW),
)

PRIOR_CALL_WINDOW_DAYS = 365
PRIOR_CALL_RADIUS_M = 150.0
PRIOR_CALL_WEIGHT: dict[IncidentType, float] = {
    IncidentType.SHOOT: 3.0,
    IncidentType.WEAPON: 3.0,
    IncidentType.DVA: 2.5,
    IncidentType.ASSAULT: 2.0,
    IncidentType.ROBBERY: 2.0,
    IncidentType.BURGLARY: 0.75,
    IncidentType.DISTURB: 0.75,
}
PRIOR_CALL_DEFAULT_WEIGHT = 0.25
NEARBY_FACTOR = 0.4  # a call near the address, not at it, says less about this door
PRIOR_CALL_CAP = 8.0  # at the address: a busy address cannot alone make every call severe
NEARBY_CAP = 1.5  # near it: below the moderate threshold, so a busy block alone does not raise a door
CAUTION_WEIGHT: dict[CautionKind, float] = {
    CautionKind.WEAPONS: 4.0,
    CautionKind.OFFICER_SAFETY: 4.0,
    CautionKind.HAZMAT: 2.0,
    CautionKind.MENTAL_HEALTH: 1.5,
    CautionKind.DOG: 1.0,
    CautionKind.OTHER: 1.0,
}
VIOLENT_CONVICTION = 3.0
VIOLENT_ARREST = 1.5
WEAPON_BONUS = 1.0  # an offence that involved a weapon by its nature
ACTIVE_WARRANT = 3.0
VIOLENT_WARRANT = 4.0
ACTIVE_ORDER = 2.5

# Half-lives in days: how fast each kind of record stops mattering.
HALF_LIFE_DAYS = {"call": 180.0, "caution": 730.0, "history": 1825.0}


def aged(weight: float, on: date, today: date, kind: str) -> float:
    age = max(0, (today - on).days)
    return weight * float(0.5 ** (age / HALF_LIFE_DAYS[kind]))


@dataclass(frozen=True, slots=True)
class PriorCall:
    call_id: str
    call_type: IncidentType
    received_at: datetime
    distance_m: float
    at_address: bool


@dataclass(slots=True)
class BriefInputs:
    """Everything the brief reads, gathered by storage for one location."""

    today: date
    address: Address | None
    prior_calls: list[PriorCall] = field(default_factory=list)
    cautions: list[PremiseCaution] = field(default_factory=list)
    residents: list[Person] = field(default_factory=list)
    history: dict[str, list[HistoryEntry]] = field(default_factory=dict)  # person id -> entries
    warrants: dict[str, list[Warrant]] = field(default_factory=dict)
    orders: list[ProtectiveOrder] = field(default_factory=list)
    links: list[PersonLink] = field(default_factory=list)  # among residents and their associates
    associates: dict[str, Person] = field(default_factory=dict)


class Factor(BaseModel):
    kind: str = Field(..., description="prior_call, caution, violent_history, warrant, protective_order.")
    label: str
    source_kind: str = Field(..., description="Which kind of record: call, caution, history, ...")
    source_id: str
    source: str = Field("", description="The system or body the record came from.")
    date: date
    weight: float = Field(..., description="Base weight before ageing.")
    points: float = Field(..., description="What it adds to the score, after ageing and caps.")
    count: int = Field(
        1, ge=1, description="How many records of this kind it stands for (prior calls by type)."
    )
    source_ids: list[str] = Field(
        default_factory=list, description="For a group: its records, newest first (at most 20)."
    )


class PersonSummary(BaseModel):
    """A person as the brief shows them: name and birth date only (no protected attributes)."""

    person_id: str
    name: str
    birth_date: date | None


class HistoryLine(BaseModel):
    entry_id: str
    kind: HistoryKind
    nibrs_code: str
    description: str
    on: date
    violent: bool
    source: str


class WarrantLine(BaseModel):
    warrant_id: str
    offense: str
    nibrs_code: str | None
    issued: date
    source: str


class OrderLine(BaseModel):
    order_id: str
    restrained_person_id: str
    protected_person_id: str | None
    issued: date
    expires: date | None
    terms: str
    source: str


class ResidentBrief(BaseModel):
    person: PersonSummary
    history: list[HistoryLine]
    active_warrants: list[WarrantLine]
    protective_orders: list[OrderLine]


class LinkLine(BaseModel):
    link_id: str
    kind: str
    from_person_id: str
    to_person_id: str
    source: str
    entered: date
    intelligence: bool
    basis: str | None = None
    review_date: date | None = None


class AssociateBrief(BaseModel):
    person: PersonSummary
    hops: int = Field(..., ge=1, le=2)
    via: list[LinkLine]
    relevant_history: list[HistoryLine] = Field(
        default_factory=list, description="Violent or weapons offences: what an officer needs to know."
    )
    active_warrants: list[WarrantLine] = Field(default_factory=list)


class ThreatBrief(BaseModel):
    level: ThreatLevel
    score: float
    factors: list[Factor]
    address: str | None
    address_id: str | None
    residents: list[ResidentBrief]
    associates: list[AssociateBrief]
    as_of: date


def _summary(p: Person) -> PersonSummary:
    return PersonSummary(person_id=p.person_id, name=p.name, birth_date=p.birth_date)


def _history_line(h: HistoryEntry) -> HistoryLine:
    return HistoryLine(
        entry_id=h.entry_id,
        kind=h.kind,
        nibrs_code=h.nibrs_code,
        description=h.description,
        on=h.on,
        violent=h.violent,
        source=h.source,
    )


def _warrant_line(w: Warrant) -> WarrantLine:
    return WarrantLine(
        warrant_id=w.warrant_id, offense=w.offense, nibrs_code=w.nibrs_code, issued=w.issued, source=w.source
    )


def _order_line(o: ProtectiveOrder) -> OrderLine:
    return OrderLine(
        order_id=o.order_id,
        restrained_person_id=o.restrained_person_id,
        protected_person_id=o.protected_person_id,
        issued=o.issued,
        expires=o.expires,
        terms=o.terms,
        source=o.source,
    )


def _capped(factors: list[Factor], cap: float) -> list[Factor]:
    """Scale a group of factors down so their points sum to at most cap, keeping their proportions."""
    total = sum(f.points for f in factors)
    if total <= cap or total == 0:
        return factors
    k = cap / total
    return [f.model_copy(update={"points": f.points * k}) for f in factors]


def prior_call_factors(calls: Sequence[PriorCall], today: date) -> list[Factor]:
    """Prior calls by type, at the address and nearby: one factor per group, naming its newest call, the
    date of that call and the group's calls; its points are the sum of each call's aged weight."""
    groups: dict[tuple[bool, IncidentType], list[PriorCall]] = {}
    for c in calls:
        if (today - c.received_at.date()).days <= PRIOR_CALL_WINDOW_DAYS:
            groups.setdefault((c.at_address, c.call_type), []).append(c)
    at: list[Factor] = []
    near: list[Factor] = []
    for (at_address, call_type), members in groups.items():
        members.sort(key=lambda c: (c.received_at, c.call_id), reverse=True)
        weight = PRIOR_CALL_WEIGHT.get(call_type, PRIOR_CALL_DEFAULT_WEIGHT)
        if not at_address:
            weight *= NEARBY_FACTOR
        n = len(members)
        calls_text = f"{n} {call_type.value} call{'s' if n > 1 else ''}"
        where = "at the address" if at_address else f"within {PRIOR_CALL_RADIUS_M:.0f} m"
        newest = members[0]
        f = Factor(
            kind="prior_call",
            label=f"{calls_text} {where} in the last 12 months",
            source_kind="call",
            source_id=newest.call_id,
            source="CAD",
            date=newest.received_at.date(),
            weight=weight,
            points=sum(aged(weight, c.received_at.date(), today, "call") for c in members),
            count=n,
            source_ids=[c.call_id for c in members[:20]],
        )
        (at if at_address else near).append(f)
    return _capped(at, PRIOR_CALL_CAP) + _capped(near, NEARBY_CAP)


def caution_factors(cautions: Sequence[PremiseCaution], today: date) -> list[Factor]:
    out = []
    for c in cautions:
        if c.expires is not None and c.expires < today:
            continue
        weight = CAUTION_WEIGHT[c.kind] * c.severity / 3.0
        out.append(
            Factor(
                kind="caution",
                label=f"{c.kind.value.replace('_', ' ')} caution: {c.text}".strip(": "),
                source_kind="caution",
                source_id=c.caution_id,
                source=c.source,
                date=c.entered,
                weight=weight,
                points=aged(weight, c.entered, today, "caution"),
            )
        )
    return out


def resident_factors(inputs: BriefInputs) -> list[Factor]:
    out: list[Factor] = []
    today = inputs.today
    for person in inputs.residents:
        for h in inputs.history.get(person.person_id, []):
            if not h.violent or h.on > today:
                continue
            weight = VIOLENT_CONVICTION if h.kind is HistoryKind.CONVICTION else VIOLENT_ARREST
            if h.nibrs_code.upper() in WEAPON_NIBRS:
                weight += WEAPON_BONUS
            out.append(
                Factor(
                    kind="violent_history",
                    label=f"resident {person.name}: {h.kind.value} {h.nibrs_code} {h.description}".strip(),
                    source_kind="history",
                    source_id=h.entry_id,
                    source=h.source,
                    date=h.on,
                    weight=weight,
                    points=aged(weight, h.on, today, "history"),
                )
            )
        for w in inputs.warrants.get(person.person_id, []):
            if w.status is not WarrantStatus.ACTIVE:
                continue
            violent = w.nibrs_code is not None and w.nibrs_code.upper() in VIOLENT_NIBRS
            weight = VIOLENT_WARRANT if violent else ACTIVE_WARRANT
            out.append(
                Factor(
                    kind="warrant",
                    label=f"active warrant for resident {person.name}: {w.offense}",
                    source_kind="warrant",
                    source_id=w.warrant_id,
                    source=w.source,
                    date=w.issued,
                    weight=weight,
                    points=weight,  # an active warrant does not age
                )
            )
    for o in inputs.orders:
        if not o.active_on(today):
            continue
        out.append(
            Factor(
                kind="protective_order",
                label=f"active protective order: {o.terms}".strip(": "),
                source_kind="protective_order",
                source_id=o.order_id,
                source=o.source,
                date=o.issued,
                weight=ACTIVE_ORDER,
                points=ACTIVE_ORDER,
            )
        )
    return out


def level_for(score: float) -> ThreatLevel:
    for threshold, level in LEVELS:
        if score >= threshold:
            return level
    return ThreatLevel.LOW


def _link_line(link: PersonLink, from_id: str, to_id: str) -> LinkLine:
    return LinkLine(
        link_id=link.link_id,
        kind=link.kind.value,
        from_person_id=from_id,
        to_person_id=to_id,
        source=link.source,
        entered=link.entered,
        intelligence=link.intelligence,
        basis=link.basis if link.intelligence else None,
        review_date=link.review_date if link.intelligence else None,
    )


def associates(inputs: BriefInputs) -> list[AssociateBrief]:
    """People up to two links from a resident, with how they are linked and what in their history matters.

    Intelligence links past their review date are left out (28 CFR Part 23).
    """
    today = inputs.today
    residents = {p.person_id for p in inputs.residents}
    adjacency: dict[str, list[tuple[str, PersonLink]]] = {}
    for link in inputs.links:
        if not link.current_on(today):
            continue
        adjacency.setdefault(link.person_a, []).append((link.person_b, link))
        adjacency.setdefault(link.person_b, []).append((link.person_a, link))
    found: dict[str, tuple[int, list[LinkLine]]] = {}
    frontier = sorted(residents)
    for hops in (1, 2):
        nxt: list[str] = []
        for pid in frontier:
            for other, link in adjacency.get(pid, []):
                if other in residents:
                    continue
                line = _link_line(link, pid, other)
                if other not in found:
                    found[other] = (hops, [line])
                    nxt.append(other)
                elif found[other][0] == hops and line not in found[other][1]:
                    found[other][1].append(line)
        frontier = nxt
    out = []
    for pid, (hops, via) in found.items():
        person = inputs.associates.get(pid)
        if person is None:
            continue
        history = [_history_line(h) for h in inputs.history.get(pid, []) if h.violent and h.on <= today]
        warrants = [
            _warrant_line(w) for w in inputs.warrants.get(pid, []) if w.status is WarrantStatus.ACTIVE
        ]
        out.append(
            AssociateBrief(
                person=_summary(person),
                hops=hops,
                via=via,
                relevant_history=sorted(history, key=lambda h: h.on, reverse=True),
                active_warrants=warrants,
            )
        )
    # Those with something an officer must know first, then the closest, then by name.
    out.sort(key=lambda a: (not (a.relevant_history or a.active_warrants), a.hops, a.person.name))
    return out


def build_brief(inputs: BriefInputs) -> ThreatBrief:
    factors = (
        prior_call_factors(inputs.prior_calls, inputs.today)
        + caution_factors(inputs.cautions, inputs.today)
        + resident_factors(inputs)
    )
    factors.sort(key=lambda f: (-f.points, f.source_id))
    score = round(sum(f.points for f in factors), 3)
    residents = [
        ResidentBrief(
            person=_summary(p),
            history=[
                _history_line(h)
                for h in sorted(inputs.history.get(p.person_id, []), key=lambda h: h.on, reverse=True)
            ],
            active_warrants=[
                _warrant_line(w)
                for w in inputs.warrants.get(p.person_id, [])
                if w.status is WarrantStatus.ACTIVE
            ],
            protective_orders=[
                _order_line(o)
                for o in inputs.orders
                if p.person_id in (o.restrained_person_id, o.protected_person_id)
                and o.active_on(inputs.today)
            ],
        )
        for p in sorted(inputs.residents, key=lambda p: p.name)
    ]
    return ThreatBrief(
        level=level_for(score),
        score=score,
        factors=[f.model_copy(update={"points": round(f.points, 3)}) for f in factors],
        address=inputs.address.text if inputs.address else None,
        address_id=inputs.address.address_id if inputs.address else None,
        residents=residents,
        associates=associates(inputs),
        as_of=inputs.today,
    )

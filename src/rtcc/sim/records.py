"""The records of the simulated city: who lives where, their history, warrants, orders, cautions and links.

Everything is invented: the names come from short made-up lists, birth dates and histories are drawn at
random, and the addresses are house numbers on the shipped Columbus network, which are synthetic too (see
``rtcc.sim.network``). An address's text is the one a simulated 911 call from that house carries, so a call
at the door and the household behind it meet in the threat brief.

The mix follows the shape of a records system rather than any real figures: most people have no history at
all; a few percent have arrests, mostly non-violent; about one in a hundred has an active warrant; a few
percent of addresses carry a premise caution. Links join households (family), people arrested together
(co-arrestees, tied to the arrest), associates, and a small share of criminal intelligence links under 28
CFR Part 23, each with the reasonable suspicion it was stored on and a review date, some already past it.

Protected attributes are filled for some persons from a generator of their own, so they never shift any
other draw, and nothing in the brief reads them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from rtcc.domain.records import (
    PART23_REVIEW_YEARS,
    RECORD_KINDS,
    Address,
    CautionKind,
    HistoryEntry,
    HistoryKind,
    LinkKind,
    Person,
    PersonLink,
    PremiseCaution,
    ProtectiveOrder,
    Record,
    Residence,
    Warrant,
    WarrantStatus,
    add_years,
    normalise_address,
)
from rtcc.sim.cad import civic
from rtcc.sim.core import derive_rng
from rtcc.sim.network import StreetNetwork

# ---- invented names ------------------------------------------------------------------------------------
GIVEN_NAMES = (
    "Ada", "Alden", "Amara", "Bram", "Briar", "Calla", "Corin", "Dalia", "Darro", "Edda", "Elric", "Faye",
    "Fenn", "Greer", "Hollis", "Ines", "Ivo", "Jessa", "Joren", "Kaia", "Kellan", "Lark", "Lucan", "Mira",
    "Nash", "Noor", "Odell", "Orla", "Perrin", "Quinn", "Rhea", "Rowan", "Sable", "Soren", "Tamsin", "Tobin",
    "Una", "Vance", "Wren", "Yara", "Zane", "Zella",
)  # fmt: skip
FAMILY_STEMS = (
    "Ash", "Bel", "Brack", "Carn", "Dun", "Elk", "Fair", "Gal", "Harl", "Ives", "Jark", "Kest", "Lom",
    "Marl", "Nell", "Orr", "Pell", "Quarr", "Ros", "Sel", "Tarr", "Vell", "Wyn", "Yard",
)  # fmt: skip
FAMILY_ENDS = (
    "avey", "bourne", "croft", "dane", "erly", "garth", "holt", "lowe", "mere", "stead", "vane", "wick",
)  # fmt: skip

# Placeholder categories: source systems send such fields, so the records carry them, but they are
# assigned independently of everything else and never read by a score.
RACE_CODES = ("W", "B", "A", "I", "P", "U")
ETHNICITY_CODES = ("H", "N", "U")
RELIGION_CODES = ("R1", "R2", "R3", "R4")

# ---- offences (NIBRS code, description, relative frequency among arrests) -------------------------------
OFFENCES: tuple[tuple[str, str, float], ...] = (
    ("23H", "theft, all other larceny", 14.0),
    ("23C", "shoplifting", 10.0),
    ("35A", "drug possession", 16.0),
    ("35B", "drug equipment", 4.0),
    ("290", "criminal damaging", 7.0),
    ("90D", "OVI (driving under the influence)", 9.0),
    ("90C", "disorderly conduct", 6.0),
    ("220", "burglary", 4.0),
    ("240", "motor vehicle theft", 3.0),
    ("250", "forgery", 1.5),
    ("26A", "false pretences", 2.0),
    ("90Z", "all other offences", 5.0),
    ("13B", "simple assault", 8.0),
    ("13C", "intimidation", 3.0),
    ("13A", "felonious assault", 2.0),
    ("120", "aggravated robbery", 1.2),
    ("520", "weapon under disability", 2.0),
    ("11A", "rape", 0.3),
    ("100", "kidnapping", 0.2),
    ("200", "arson", 0.3),
    ("09A", "murder", 0.1),
)
OFFENCE_WEIGHTS = tuple(w for _, _, w in OFFENCES)
WARRANT_OFFENCES: tuple[tuple[str | None, str, float], ...] = (
    (None, "failure to appear", 30.0),
    (None, "probation violation", 20.0),
    ("23H", "theft", 12.0),
    ("35A", "drug possession", 12.0),
    ("90D", "OVI", 6.0),
    ("13B", "domestic violence", 8.0),
    ("13A", "felonious assault", 5.0),
    ("120", "aggravated robbery", 3.0),
    ("520", "having weapons while under disability", 4.0),
)
WARRANT_WEIGHTS = tuple(w for _, _, w in WARRANT_OFFENCES)

# ---- cautions (kind, share, severities with weights, texts) ------------------------------------------------
CAUTIONS: tuple[tuple[CautionKind, float, tuple[int, ...], tuple[str, ...]], ...] = (
    (
        CautionKind.DOG,
        0.35,
        (1, 2, 2, 3, 3, 4),
        ("large dog loose in the yard", "aggressive dog, bit a mail carrier", "two pit bulls inside"),
    ),
    (
        CautionKind.WEAPONS,
        0.20,
        (3, 3, 4, 4, 5),
        (
            "resident keeps firearms in the house",
            "shotgun seen by the front door on a prior call",
            "resident threatened officers with a knife",
        ),
    ),
    (
        CautionKind.OFFICER_SAFETY,
        0.15,
        (3, 4, 4, 5),
        (
            "resident fought officers on a prior arrest",
            "occupants hostile to police, request two units",
            "barricaded subject on a prior call",
        ),
    ),
    (
        CautionKind.MENTAL_HEALTH,
        0.15,
        (1, 2, 2, 3, 3),
        (
            "resident in crisis on prior calls, ask for a crisis intervention officer",
            "resident with dementia, may be confused and frightened",
            "suicide threats on prior calls",
        ),
    ),
    (
        CautionKind.HAZMAT,
        0.05,
        (2, 3, 4),
        ("oxygen tanks in the house", "chemicals stored in the garage", "suspected drug lab on a prior call"),
    ),
    (CautionKind.OTHER, 0.10, (1, 2, 3), ("hoarding, narrow paths inside", "several entrances at the back")),
)
CAUTION_WEIGHTS = tuple(c[1] for c in CAUTIONS)

ASSOCIATE_SOURCES = (
    "field interview",
    "records: incident report",
    "jail visitation log",
    "records: traffic stop",
)
INTEL_BASES = (
    "Named by a documented informant as a supplier of narcotics to this person in investigation {case}.",
    "Seen together by detectives during surveillance in investigation {case} into firearm trafficking.",
    "Phone records obtained by warrant in investigation {case} show repeated contact around two robberies.",
    "Identified together on video from a shooting under investigation in case {case}.",
    "Controlled buy in investigation {case}: this person delivered the drugs the other arranged.",
)
VIEWS_BASIS = (
    "Member of a group whose leaders are charged in case {case} with plotting an arson; "
    "this person bought the materials named in the indictment."
)
ORDER_TERMS = (
    "No contact with the protected person; stay at least 500 feet from them and their residence.",
    "Stay away from the protected person's residence and workplace; no contact by phone or message.",
    "Must not enter the residence; surrender all firearms.",
)
ORDER_SOURCES = ("court: civil protection order", "court: criminal protection order")

# Household sizes 1-5 and their shares (shaped like US household sizes, five standing for five or more).
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5)
HOUSEHOLD_WEIGHTS = (0.28, 0.34, 0.16, 0.13, 0.09)

VACANT_SHARE = 0.10  # addresses with nobody on record: shops, vacant houses, places people move to
OFFENDER_RATE = 0.055  # of adults, with at least one arrest
CONVICTION_RATE = 0.45  # of arrests
CO_ARREST_RATE = 0.15  # of arrests, someone else was arrested with them
ACTIVE_WARRANT_RATE = 0.01  # of persons
CLOSED_WARRANT_RATE = 0.006
ORDER_RATE = 0.025  # of households with two or more adults
CAUTION_RATE = 0.04  # of addresses
INTEL_RATE = 0.12  # intelligence links per offender
VIEWS_SHARE = 0.05  # of intelligence links: about views or associations, tied to a case
CROSS_FAMILY_RATE = 0.08  # households with a relative living at another address
PROTECTED_RATE = 0.4


@dataclass(slots=True, eq=False)
class _Member:
    person: Person
    role: str  # head, partner, child, relative, roommate
    age: int


@dataclass(slots=True)
class _Household:
    address: Address
    since: date
    members: list[_Member] = field(default_factory=list)


class _City:
    """The generator's state: the records made so far, with counters for their ids."""

    def __init__(self, net: StreetNetwork, agency_id: str, seed: int, today: date) -> None:
        self.net = net
        self.agency_id = agency_id
        self.today = today
        self.rng = derive_rng(seed, "records")
        self.protected_rng = derive_rng(seed, "records/protected")
        self.out: dict[str, list[Record]] = {kind: [] for kind in RECORD_KINDS}
        self.norms: set[str] = set()
        self.pairs: set[tuple[str, str, LinkKind]] = set()
        self.households: list[_Household] = []
        self.vacant: list[Address] = []
        self.adults: list[_Member] = []
        self.history_of: dict[str, list[HistoryEntry]] = {}
        self.address_of: dict[str, str] = {}  # person id -> the address they live at now
        self.residence_at: dict[tuple[str, str], int] = {}  # (person, address) -> index in residences
        self._seq: dict[str, int] = {}

    def next_id(self, prefix: str) -> str:
        n = self._seq.get(prefix, 0) + 1
        self._seq[prefix] = n
        return f"{prefix}-{n:06d}"

    def day_between(self, first: date, last: date) -> date:
        span = (last - first).days
        return first + timedelta(days=self.rng.randint(0, span)) if span > 0 else first

    # Places and people ---------------------------------------------------------------------------------

    def address(self) -> Address:
        """A house on the network not used yet, with the text a 911 call from it carries."""
        while True:
            house = self.net.random_address(self.rng)
            text = civic(house.street, str(house.hno))["text"]
            norm = normalise_address(text)
            if norm not in self.norms:
                self.norms.add(norm)
                addr = Address(
                    address_id=self.next_id("A"),
                    agency_id=self.agency_id,
                    text=text,
                    lat=round(house.lat, 6),
                    lon=round(house.lon, 6),
                )
                self.out["addresses"].append(addr)
                return addr

    def person(self, family: str, age: int) -> Person:
        rng = self.rng
        born = self.today - timedelta(days=age * 365 + rng.randrange(365))
        p = Person(
            person_id=self.next_id("P"),
            agency_id=self.agency_id,
            family_name=family,
            given_name=rng.choice(GIVEN_NAMES),
            birth_date=born,
            protected=self.protected(),
            source="RMS master name index",
        )
        self.out["persons"].append(p)
        return p

    def protected(self) -> dict[str, str]:
        r = self.protected_rng
        if r.random() >= PROTECTED_RATE:
            return {}
        values = {"race": r.choice(RACE_CODES)}
        if r.random() < 0.6:
            values["ethnicity"] = r.choice(ETHNICITY_CODES)
        if r.random() < 0.05:
            values["religion"] = r.choice(RELIGION_CODES)
        return values

    def family_name(self) -> str:
        return self.rng.choice(FAMILY_STEMS) + self.rng.choice(FAMILY_ENDS)

    def household(self) -> _Household:
        rng = self.rng
        size = rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS)[0]
        addr = self.address()
        since = self.today - timedelta(days=rng.randint(30, 15 * 365))
        home = _Household(addr, since)
        family = self.family_name()
        head_age = rng.randint(19, 85)
        plan: list[tuple[str, str, int]] = [("head", family, head_age)]
        if size >= 2:
            if rng.random() < 0.8:
                partner_family = family if rng.random() < 0.7 else self.family_name()
                plan.append(("partner", partner_family, max(18, head_age + rng.randint(-6, 6))))
            else:
                plan.append(("roommate", self.family_name(), max(18, head_age + rng.randint(-4, 4))))
        for _ in range(size - len(plan)):
            if head_age < 60 and rng.random() < 0.85:
                plan.append(("child", family, rng.randint(0, min(17, max(0, head_age - 18)))))
            elif rng.random() < 0.5:
                plan.append(("relative", family, rng.randint(18, 90)))
            else:
                plan.append(("roommate", self.family_name(), rng.randint(18, 60)))
        for role, name, age in plan:
            member = _Member(self.person(name, age), role, age)
            home.members.append(member)
            pid = member.person.person_id
            born = member.person.birth_date or since
            self.residence(
                Residence(
                    person_id=pid,
                    address_id=addr.address_id,
                    since=max(since, born),
                    source="RMS master name index",
                )
            )
            if age >= 18:
                self.adults.append(member)
        # Family within the household: everyone but roommates; a roommate shares only the household.
        for i, a in enumerate(home.members):
            for b in home.members[i + 1 :]:
                kind = LinkKind.HOUSEHOLD if "roommate" in (a.role, b.role) else LinkKind.FAMILY
                self.link(a.person.person_id, b.person.person_id, kind, "records: household", since)
        self.households.append(home)
        return home

    def link(
        self,
        a: str,
        b: str,
        kind: LinkKind,
        source: str,
        entered: date,
        *,
        basis: str | None = None,
        review_date: date | None = None,
        case: str | None = None,
        about_views: bool = False,
    ) -> None:
        if a == b:
            return
        key = (min(a, b), max(a, b), kind)
        if key in self.pairs and kind is not LinkKind.CO_ARRESTEE:
            return
        self.pairs.add(key)
        self.out["links"].append(
            PersonLink(
                link_id=self.next_id("L"),
                person_a=a,
                person_b=b,
                kind=kind,
                source=source,
                entered=entered,
                intelligence=basis is not None,
                basis=basis,
                review_date=review_date,
                criminal_investigation=case,
                about_views=about_views,
            )
        )

    # History, warrants, orders, cautions ---------------------------------------------------------------

    def history_entry(
        self, person: Person, kind: HistoryKind, code: str, text: str, on: date
    ) -> HistoryEntry:
        entry = HistoryEntry(
            entry_id=self.next_id("H"),
            person_id=person.person_id,
            kind=kind,
            nibrs_code=code,
            description=text,
            on=on,
            source="RMS arrests" if kind is HistoryKind.ARREST else "court of common pleas",
        )
        self.out["history"].append(entry)
        self.history_of.setdefault(person.person_id, []).append(entry)
        return entry

    def arrest(self, member: _Member, code: str, text: str, on: date) -> HistoryEntry:
        entry = self.history_entry(member.person, HistoryKind.ARREST, code, text, on)
        if self.rng.random() < CONVICTION_RATE:
            convicted = on + timedelta(days=self.rng.randint(60, 400))
            if convicted <= self.today:
                self.history_entry(member.person, HistoryKind.CONVICTION, code, text, convicted)
        return entry

    def criminal_history(self) -> list[_Member]:
        rng = self.rng
        offenders: list[_Member] = []
        for m in self.adults:
            # More likely in the twenties and thirties, as arrest rates by age are.
            rate = OFFENDER_RATE * (1.8 if m.age < 40 else 0.9 if m.age < 60 else 0.3)
            if rng.random() < rate:
                offenders.append(m)
        for m in list(offenders):
            first = max(self.today - timedelta(days=15 * 365), _birthday(m.person, 18))
            last = self.today - timedelta(days=10)
            if first > last:
                continue
            count = rng.choices((1, 2, 3, 4, 5), (0.55, 0.25, 0.12, 0.05, 0.03))[0]
            for _ in range(count):
                code, text, _ = rng.choices(OFFENCES, OFFENCE_WEIGHTS)[0]
                on = self.day_between(first, last)
                entry = self.arrest(m, code, text, on)
                if rng.random() < CO_ARREST_RATE:
                    other = rng.choice(self.adults)
                    if other is m or _birthday(other.person, 18) > on:
                        continue
                    self.arrest(other, code, text, on)
                    if other not in offenders:
                        offenders.append(other)
                    self.link(
                        m.person.person_id,
                        other.person.person_id,
                        LinkKind.CO_ARRESTEE,
                        f"records: arrest {entry.entry_id}",
                        on,
                    )
        return offenders

    def warrants(self, offenders: list[_Member]) -> None:
        rng = self.rng
        persons = len(self.out["persons"])
        chosen: set[str] = set()

        def pick() -> _Member:
            pool = offenders if offenders and rng.random() < 0.75 else self.adults
            return rng.choice(pool)

        for status, count in (
            (WarrantStatus.ACTIVE, round(persons * ACTIVE_WARRANT_RATE)),
            (WarrantStatus.SERVED, round(persons * CLOSED_WARRANT_RATE * 0.7)),
            (WarrantStatus.RECALLED, round(persons * CLOSED_WARRANT_RATE * 0.3)),
        ):
            for _ in range(count):
                m = pick()
                if status is WarrantStatus.ACTIVE and m.person.person_id in chosen:
                    continue
                chosen.add(m.person.person_id)
                code, offense, _ = rng.choices(WARRANT_OFFENCES, WARRANT_WEIGHTS)[0]
                self.out["warrants"].append(
                    Warrant(
                        warrant_id=self.next_id("W"),
                        person_id=m.person.person_id,
                        offense=offense,
                        nibrs_code=code,
                        issued=self.today - timedelta(days=rng.randint(5, 3 * 365)),
                        status=status,
                        source="municipal court",
                    )
                )

    def protective_orders(self) -> None:
        rng = self.rng
        couples = [h for h in self.households if sum(m.age >= 18 for m in h.members) >= 2]
        count = max(1, round(len(couples) * ORDER_RATE)) if couples else 0
        for home in rng.sample(couples, min(count, len(couples))):
            adults = [m for m in home.members if m.age >= 18]
            protected = rng.choice(adults)
            first = max(home.since, self.today - timedelta(days=4 * 365))
            last = self.today - timedelta(days=5)
            if first > last:
                continue
            issued = self.day_between(first, last)
            expires = add_years(issued, rng.randint(1, 5))
            if rng.random() < 0.4:
                # The partner in the house, who moved out when the order was issued.
                restrained = rng.choice([m for m in adults if m is not protected])
                self.move_out(restrained.person.person_id, home.address.address_id, issued)
            else:
                # An ex-partner living elsewhere.
                restrained = rng.choice(self.adults)
                if self.address_of.get(restrained.person.person_id) == home.address.address_id:
                    continue
            self.out["protective_orders"].append(
                ProtectiveOrder(
                    order_id=self.next_id("PO"),
                    restrained_person_id=restrained.person.person_id,
                    protected_person_id=protected.person.person_id,
                    address_id=home.address.address_id if rng.random() < 0.8 else None,
                    issued=issued,
                    expires=expires,
                    terms=rng.choice(ORDER_TERMS),
                    source=rng.choice(ORDER_SOURCES),
                )
            )

    def residence(self, r: Residence) -> None:
        self.residence_at[(r.person_id, r.address_id)] = len(self.out["residences"])
        self.out["residences"].append(r)
        self.address_of[r.person_id] = r.address_id

    def move_out(self, person_id: str, address_id: str, on: date) -> None:
        """The person left the address on that day, for one of the vacant ones when any is left."""
        i = self.residence_at[(person_id, address_id)]
        self.out["residences"][i] = self.out["residences"][i].model_copy(update={"until": on})
        del self.address_of[person_id]
        if self.vacant:
            new_home = self.vacant.pop()
            self.residence(
                Residence(
                    person_id=person_id,
                    address_id=new_home.address_id,
                    since=on,
                    source="RMS master name index",
                )
            )

    def cautions(self, offenders: list[_Member]) -> None:
        rng = self.rng
        addresses = [a for a in self.out["addresses"] if isinstance(a, Address)]
        # Weapons and officer-safety cautions follow violent residents more often than not.
        violent_homes = sorted(
            {
                self.address_of[m.person.person_id]
                for m in offenders
                if any(h.violent for h in self.history_of.get(m.person.person_id, []))
                and m.person.person_id in self.address_of
            }
        )
        for _ in range(round(len(addresses) * CAUTION_RATE)):
            kind, _, severities, texts = rng.choices(CAUTIONS, CAUTION_WEIGHTS)[0]
            if (
                kind in (CautionKind.WEAPONS, CautionKind.OFFICER_SAFETY)
                and violent_homes
                and rng.random() < 0.6
            ):
                address_id = rng.choice(violent_homes)
            else:
                address_id = rng.choice(addresses).address_id
            entered = self.today - timedelta(days=rng.randint(1, 8 * 365))
            expires = None if rng.random() < 0.7 else entered + timedelta(days=rng.randint(365, 5 * 365))
            self.out["cautions"].append(
                PremiseCaution(
                    caution_id=self.next_id("C"),
                    address_id=address_id,
                    kind=kind,
                    severity=rng.choice(severities),
                    text=rng.choice(texts),
                    entered=entered,
                    expires=expires,
                    source="CAD premise file",
                )
            )

    # Links across households ---------------------------------------------------------------------------

    def associates(self, offenders: list[_Member]) -> None:
        rng = self.rng
        if len(self.adults) < 2:
            return
        earliest = self.today - timedelta(days=6 * 365)
        for m in offenders:
            for _ in range(_poisson(rng, 1.5)):
                pool = offenders if rng.random() < 0.6 else self.adults
                other = rng.choice(pool)
                self.link(
                    m.person.person_id,
                    other.person.person_id,
                    LinkKind.ASSOCIATE,
                    rng.choice(ASSOCIATE_SOURCES),
                    self.day_between(earliest, self.today),
                )
        # A relative at another address: an emergency contact or next of kin on a report.
        for home in self.households:
            if rng.random() < CROSS_FAMILY_RATE:
                a = rng.choice(home.members)
                b = rng.choice(self.adults)
                if b not in home.members:
                    self.link(
                        a.person.person_id,
                        b.person.person_id,
                        LinkKind.FAMILY,
                        "records: emergency contact",
                        self.day_between(earliest, self.today),
                    )

    def intelligence(self, offenders: list[_Member]) -> None:
        """Criminal intelligence links: each with its basis, a case and a review date within five years.

        Entry dates reach back six and a half years, so some are already past review: the brief leaves those
        out, and retention purges them.
        """
        rng = self.rng
        if len(offenders) < 2:
            return
        earliest = self.today - timedelta(days=round(6.5 * 365))
        for _ in range(max(2, round(len(offenders) * INTEL_RATE))):
            a, b = rng.sample(offenders, 2)
            entered = self.day_between(earliest, self.today - timedelta(days=1))
            case = f"{entered.year}-{rng.randint(1000, 99999):05d}"
            years = PART23_REVIEW_YEARS if rng.random() < 0.7 else rng.randint(1, PART23_REVIEW_YEARS - 1)
            views = rng.random() < VIEWS_SHARE
            basis = (VIEWS_BASIS if views else rng.choice(INTEL_BASES)).format(case=case)
            self.link(
                a.person.person_id,
                b.person.person_id,
                LinkKind.ASSOCIATE,
                "intelligence unit",
                entered,
                basis=basis,
                review_date=add_years(entered, years),
                case=case,
                about_views=views,
            )


def _birthday(person: Person, years: int) -> date:
    assert person.birth_date is not None
    return add_years(person.birth_date, years)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by counting exponential gaps (fine for small means)."""
    n, t = 0, rng.expovariate(1.0)
    while t < mean:
        n += 1
        t += rng.expovariate(1.0)
    return n


def generate_records(
    net: StreetNetwork, *, agency_id: str, seed: int, households: int = 2000, today: date
) -> dict[str, list[Record]]:
    """The records of a fictional city of ``households`` households on the network, keyed by record kind
    (the names of ``rtcc.domain.records.RECORD_KINDS``). The same arguments always give the same records."""
    city = _City(net, agency_id, seed, today)
    for _ in range(households):
        city.household()
    city.vacant = [city.address() for _ in range(round(households * VACANT_SHARE))]
    offenders = city.criminal_history()
    city.warrants(offenders)
    city.protective_orders()
    city.cautions(offenders)
    city.associates(offenders)
    city.intelligence(offenders)
    return city.out

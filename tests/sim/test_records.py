"""The simulated city's records: deterministic, valid, consistent, and what the threat brief reads."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from rtcc.domain.geo import CivicAddress, grid_cell
from rtcc.domain.records import (
    RECORD_KINDS,
    VIOLENT_NIBRS,
    Address,
    CautionKind,
    HistoryEntry,
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
from rtcc.domain.threat import ThreatLevel, build_brief
from rtcc.sim import StreetNetwork
from rtcc.sim.cad import civic
from rtcc.sim.records import generate_records
from rtcc.storage.db import Database
from rtcc.storage.records import RecordsStore
from rtcc.storage.tables import calls

TODAY = date(2026, 11, 21)
NOW = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
AGENCY = "cpd"
Records = dict[str, list[Record]]


@pytest.fixture(scope="module")
def city(network: StreetNetwork) -> Records:
    return generate_records(network, agency_id=AGENCY, seed=11, today=TODAY)


def of(records: Records, kind: str, model: type[Record]) -> list[Record]:
    items = records[kind]
    assert all(isinstance(r, model) for r in items)
    return items


def persons(r: Records) -> list[Person]:
    return [p for p in of(r, "persons", Person) if isinstance(p, Person)]


def addresses(r: Records) -> list[Address]:
    return [a for a in of(r, "addresses", Address) if isinstance(a, Address)]


def residences(r: Records) -> list[Residence]:
    return [x for x in of(r, "residences", Residence) if isinstance(x, Residence)]


def history(r: Records) -> list[HistoryEntry]:
    return [h for h in of(r, "history", HistoryEntry) if isinstance(h, HistoryEntry)]


def warrants(r: Records) -> list[Warrant]:
    return [w for w in of(r, "warrants", Warrant) if isinstance(w, Warrant)]


def orders(r: Records) -> list[ProtectiveOrder]:
    return [o for o in of(r, "protective_orders", ProtectiveOrder) if isinstance(o, ProtectiveOrder)]


def cautions(r: Records) -> list[PremiseCaution]:
    return [c for c in of(r, "cautions", PremiseCaution) if isinstance(c, PremiseCaution)]


def links(r: Records) -> list[PersonLink]:
    return [x for x in of(r, "links", PersonLink) if isinstance(x, PersonLink)]


def dumped(r: Records) -> dict[str, list[dict[str, object]]]:
    return {k: [x.model_dump(mode="json") for x in v] for k, v in r.items()}


# ---- the records themselves ----------------------------------------------------------------------------------
def test_deterministic_per_seed(network: StreetNetwork) -> None:
    a = generate_records(network, agency_id=AGENCY, seed=3, households=300, today=TODAY)
    b = generate_records(network, agency_id=AGENCY, seed=3, households=300, today=TODAY)
    c = generate_records(network, agency_id=AGENCY, seed=4, households=300, today=TODAY)
    assert dumped(a) == dumped(b)
    assert dumped(a) != dumped(c)


def test_every_kind_is_there_and_every_record_validates(city: Records) -> None:
    assert set(city) == set(RECORD_KINDS)
    for kind, model in RECORD_KINDS.items():
        assert city[kind], kind
        for record in city[kind]:
            assert type(record) is model
            assert model.model_validate(record.model_dump()) == record


def test_ids_are_unique(city: Records) -> None:
    for kind, key in (
        ("persons", "person_id"),
        ("addresses", "address_id"),
        ("history", "entry_id"),
        ("warrants", "warrant_id"),
        ("protective_orders", "order_id"),
        ("cautions", "caution_id"),
        ("links", "link_id"),
    ):
        ids = [getattr(r, key) for r in city[kind]]
        assert len(ids) == len(set(ids)), kind
    norms = [normalise_address(a.text) for a in addresses(city)]
    assert len(norms) == len(set(norms))


def test_sizes_scale_with_households(network: StreetNetwork, city: Records) -> None:
    small = generate_records(network, agency_id=AGENCY, seed=11, households=200, today=TODAY)
    assert 200 * 1.8 <= len(small["persons"]) <= 200 * 3.0
    assert 2000 * 1.8 <= len(city["persons"]) <= 2000 * 3.0
    for kind in ("persons", "addresses", "residences", "links"):
        assert 7 <= len(city[kind]) / len(small[kind]) <= 13, kind


def test_households_hold_one_to_five_persons(city: Records) -> None:
    sizes = Counter(r.address_id for r in residences(city) if r.until is None)
    assert set(sizes.values()) <= {1, 2, 3, 4, 5}
    assert {1, 2, 3, 4, 5} <= set(sizes.values())


def test_residences_point_at_existing_persons_and_addresses(city: Records) -> None:
    person_ids = {p.person_id for p in persons(city)}
    address_ids = {a.address_id for a in addresses(city)}
    for r in residences(city):
        assert r.person_id in person_ids
        assert r.address_id in address_ids
        assert r.until is None or r.since is None or r.since <= r.until
    assert {r.person_id for r in residences(city)} == person_ids  # everyone lives somewhere on record


def test_other_records_point_at_existing_persons_and_addresses(city: Records) -> None:
    person_ids = {p.person_id for p in persons(city)}
    address_ids = {a.address_id for a in addresses(city)}
    assert {h.person_id for h in history(city)} <= person_ids
    assert {w.person_id for w in warrants(city)} <= person_ids
    assert {c.address_id for c in cautions(city)} <= address_ids
    for o in orders(city):
        assert o.restrained_person_id in person_ids
        assert o.protected_person_id in person_ids
        assert o.restrained_person_id != o.protected_person_id
        assert o.address_id is None or o.address_id in address_ids


def test_links_point_at_existing_persons(city: Records) -> None:
    person_ids = {p.person_id for p in persons(city)}
    entries = {h.entry_id: h for h in history(city)}
    kinds = Counter(link.kind.value for link in links(city))
    assert {"family", "associate", "co_arrestee"} <= set(kinds)
    for link in links(city):
        assert link.person_a in person_ids and link.person_b in person_ids
        assert link.person_a != link.person_b
        if link.kind.value == "co_arrestee":
            # Tied to the arrest, and both were arrested that day.
            entry = entries[link.source.removeprefix("records: arrest ")]
            assert entry.on == link.entered
            arrested = {h.person_id for h in history(city) if h.on == entry.on and h.kind.value == "arrest"}
            assert {link.person_a, link.person_b} <= arrested


def test_intelligence_links_carry_a_basis_and_a_review_within_five_years(city: Records) -> None:
    intel = [link for link in links(city) if link.intelligence]
    assert intel
    assert len(intel) < 0.05 * len(links(city))  # a small share of all links
    for link in intel:
        assert link.basis and link.basis.strip()
        assert link.criminal_investigation
        assert link.review_date is not None
        assert link.entered < link.review_date <= add_years(link.entered, 5)
    past = [link for link in intel if not link.current_on(TODAY)]
    assert past and len(past) < len(intel)  # some already past review, most not
    assert all(link.criminal_investigation for link in links(city) if link.about_views)


def test_a_realistic_skew(city: Records) -> None:
    people = persons(city)
    with_history = {h.person_id for h in history(city)}
    assert 0.02 <= len(with_history) / len(people) <= 0.10  # most people have none
    codes = Counter(h.nibrs_code for h in history(city) if h.kind.value == "arrest")
    violent = sum(n for code, n in codes.items() if code in VIOLENT_NIBRS)
    assert 0.05 <= violent / sum(codes.values()) <= 0.40  # violent arrests are the minority
    assert {h.kind.value for h in history(city)} == {"arrest", "conviction"}
    active = {w.person_id for w in warrants(city) if w.status is WarrantStatus.ACTIVE}
    assert 0.005 <= len(active) / len(people) <= 0.02
    assert 0.01 <= len({c.address_id for c in cautions(city)}) / len(addresses(city)) <= 0.08
    assert {c.kind for c in cautions(city)} >= {
        CautionKind.WEAPONS,
        CautionKind.DOG,
        CautionKind.OFFICER_SAFETY,
    }
    assert orders(city)
    assert 0.1 <= sum(bool(p.protected) for p in people) / len(people) <= 0.7


def test_addresses_read_like_simulated_calls(network: StreetNetwork, city: Records) -> None:
    # A call's address as the live projector stores it: the CivicAddress one-liner the simulator emits.
    house = network.random_address(random.Random(5))
    call_text = CivicAddress(**civic(house.street, str(house.hno))).one_line()
    assert call_text.endswith(", Columbus, OH")
    for a in addresses(city):
        assert a.text.endswith(", Columbus, OH")
        street = normalise_address(a.text)
        assert street.split(" ")[0].isdigit()
        assert a.lat is not None and a.lon is not None
        assert 39.85 <= a.lat <= 40.12 and -83.25 <= a.lon <= -82.78


# ---- what the brief makes of them -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def town(network: StreetNetwork) -> Records:
    """A smaller city for the tests that load a database: the brief reads the same kinds of records."""
    return generate_records(network, agency_id=AGENCY, seed=12, households=400, today=TODAY)


@pytest.fixture
def store(db: Database, town: Records) -> RecordsStore:
    records = RecordsStore(db)
    for kind, items in town.items():
        assert records.upsert(kind, AGENCY, items) == len(items)
    return records


def current_residents(town: Records) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in residences(town):
        if r.until is None or r.until >= TODAY:
            out.setdefault(r.address_id, set()).add(r.person_id)
    return out


def test_a_brief_at_a_household_lists_its_residents(store: RecordsStore, town: Records) -> None:
    by_id = {a.address_id: a for a in addresses(town)}
    homes = current_residents(town)
    largest = max(homes, key=lambda a: (len(homes[a]), a))
    for address_id in (largest, *sorted(homes)[:20]):
        place = by_id[address_id]
        # As a call from that door arrives: its location and the address text it carries.
        brief = build_brief(
            store.brief_inputs(AGENCY, lat=place.lat, lon=place.lon, address=place.text, now=NOW)
        )
        assert brief.address_id == address_id
        assert {r.person.person_id for r in brief.residents} == homes[address_id]
        assert not any(a.person.person_id in homes[address_id] for a in brief.associates)
    # The location alone finds the address too (the nearest on record within 30 m).
    place = by_id[largest]
    brief = build_brief(store.brief_inputs(AGENCY, lat=place.lat, lon=place.lon, address=None, now=NOW))
    assert brief.address_id == largest


def test_a_brief_at_a_dangerous_address_is_above_low(store: RecordsStore, town: Records) -> None:
    by_id = {a.address_id: a for a in addresses(town)}
    homes = current_residents(town)
    violent_people = {h.person_id for h in history(town) if h.violent}
    risky = {
        c.address_id
        for c in cautions(town)
        if c.kind is CautionKind.WEAPONS and (c.expires is None or c.expires >= TODAY)
    }
    risky |= {a for a, people in homes.items() if people & violent_people}
    assert risky
    levels = {}
    for address_id in sorted(risky):
        place = by_id[address_id]
        brief = build_brief(
            store.brief_inputs(AGENCY, lat=place.lat, lon=place.lon, address=place.text, now=NOW)
        )
        levels[address_id] = brief.level
    assert any(level is not ThreatLevel.LOW for level in levels.values())
    # And most ordinary households are low.
    quiet = [a for a in sorted(homes) if a not in risky][:30]
    low = 0
    for address_id in quiet:
        place = by_id[address_id]
        brief = build_brief(
            store.brief_inputs(AGENCY, lat=place.lat, lon=place.lon, address=place.text, now=NOW)
        )
        low += brief.level is ThreatLevel.LOW
    assert low >= len(quiet) // 2


def test_intelligence_past_review_is_left_out_of_briefs(store: RecordsStore, town: Records) -> None:
    by_id = {a.address_id: a for a in addresses(town)}
    homes = current_residents(town)
    home_of = {p: a for a, people in homes.items() for p in people}
    stale = [link for link in links(town) if link.intelligence and not link.current_on(TODAY)]
    checked = 0
    for link in stale:
        address_id = home_of.get(link.person_a)
        if address_id is None:
            continue
        place = by_id[address_id]
        brief = build_brief(
            store.brief_inputs(AGENCY, lat=place.lat, lon=place.lon, address=place.text, now=NOW)
        )
        via = {line.link_id for a in brief.associates for line in a.via}
        assert link.link_id not in via
        checked += 1
    assert checked


def test_protected_attributes_never_change_a_brief(store: RecordsStore, town: Records) -> None:
    homes = current_residents(town)
    by_id = {a.address_id: a for a in addresses(town)}
    marked = {p.person_id for p in persons(town) if p.protected}
    flagged = {h.person_id for h in history(town)} | {
        link.person_a for link in links(town) if link.intelligence
    }
    sample = [a for a in sorted(homes) if homes[a] & marked and homes[a] & flagged][:15]
    assert sample

    def briefs() -> list[str]:
        out = []
        for address_id in sample:
            place = by_id[address_id]
            brief = build_brief(
                store.brief_inputs(AGENCY, lat=place.lat, lon=place.lon, address=place.text, now=NOW)
            )
            out.append(brief.model_dump_json())
        return out

    before = briefs()
    changed = [
        p.model_copy(update={"protected": {"race": "U", "religion": "R2"} if not p.protected else {}})
        for p in persons(town)
    ]
    store.upsert("persons", AGENCY, changed)
    assert briefs() == before


def test_a_prior_call_at_the_door_meets_the_address(store: RecordsStore, db: Database, town: Records) -> None:
    homes = current_residents(town)
    place = next(a for a in addresses(town) if a.address_id in homes)
    assert place.lat is not None and place.lon is not None
    at = NOW - timedelta(days=20)
    with db.write() as conn:
        conn.execute(
            calls.insert(),
            [
                {
                    "agency_id": AGENCY,
                    "call_id": "911-26-000001",
                    "call_type": "DVA",
                    "priority": "high",
                    "status": "cleared",
                    "description": "",
                    "received_at": at,
                    "updated_at": at,
                    # A few metres off the house, as a caller's location is.
                    "lat": place.lat + 0.0001,
                    "lon": place.lon,
                    "address": place.text,
                    "units": [],
                    "cell": grid_cell(place.lat + 0.0001, place.lon),
                    "origin": "live",
                }
            ],
        )
    brief = build_brief(store.brief_inputs(AGENCY, lat=place.lat, lon=place.lon, address=place.text, now=NOW))
    calls_at = [f for f in brief.factors if f.kind == "prior_call"]
    assert [f.source_id for f in calls_at] == ["911-26-000001"]
    assert "at the address" in calls_at[0].label

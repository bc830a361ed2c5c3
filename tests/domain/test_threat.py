"""The threat brief's score: each factor, ageing, caps, levels, associates and what is never an input."""

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from rtcc.domain.records import (
    Address,
    CautionKind,
    HistoryEntry,
    HistoryKind,
    LinkKind,
    Person,
    PersonLink,
    PremiseCaution,
    ProtectiveOrder,
    Warrant,
    WarrantStatus,
    normalise_address,
)
from rtcc.domain.threat import (
    ACTIVE_ORDER,
    ACTIVE_WARRANT,
    NEARBY_CAP,
    PRIOR_CALL_CAP,
    VIOLENT_CONVICTION,
    BriefInputs,
    PriorCall,
    ThreatLevel,
    build_brief,
)
from rtcc.domain.vocab import IncidentType

TODAY = date(2026, 11, 21)
HOME = Address(address_id="a1", agency_id="cpd", text="120 N HIGH ST", lat=39.96, lon=-82.99)


def person(pid: str, name: str, **kw: object) -> Person:
    return Person(person_id=pid, agency_id="cpd", family_name=name, given_name="Pat", **kw)  # type: ignore[arg-type]


def history(
    eid: str, pid: str, code: str, on: date, kind: HistoryKind = HistoryKind.CONVICTION
) -> HistoryEntry:
    return HistoryEntry(entry_id=eid, person_id=pid, kind=kind, nibrs_code=code, on=on, source="state CCH")


def inputs(**kw: object) -> BriefInputs:
    return BriefInputs(today=TODAY, address=HOME, **kw)  # type: ignore[arg-type]


def at(days_ago: int) -> datetime:
    return datetime(2026, 11, 21, 12, tzinfo=UTC) - timedelta(days=days_ago)


def test_an_address_with_nothing_on_file_is_low() -> None:
    brief = build_brief(inputs())
    assert brief.level is ThreatLevel.LOW
    assert brief.score == 0
    assert brief.factors == []


def test_prior_calls_count_by_type_naming_their_calls_and_older_ones_count_less() -> None:
    recent = PriorCall("C-1", IncidentType.SHOOT, at(10), 0.0, True)
    old = PriorCall("C-2", IncidentType.SHOOT, at(300), 0.0, True)
    burglary = PriorCall("C-3", IncidentType.BURGLARY, at(20), 0.0, True)
    brief = build_brief(inputs(prior_calls=[old, recent, burglary]))
    by_type = {f.label.split()[1]: f for f in brief.factors}
    shoot = by_type["SHOOT"]
    assert shoot.kind == "prior_call" and shoot.source_kind == "call"
    assert shoot.count == 2 and shoot.source_ids == ["C-1", "C-2"]  # newest first
    assert shoot.source_id == "C-1" and shoot.date == at(10).date() and shoot.weight == 3.0
    assert shoot.label == "2 SHOOT calls at the address in the last 12 months"
    # Each call adds its own aged weight: the old one less than the recent one.
    alone = build_brief(inputs(prior_calls=[recent])).factors[0].points
    assert alone < shoot.points < 2 * alone
    assert by_type["BURGLARY"].count == 1 and by_type["BURGLARY"].points < shoot.points


def test_calls_older_than_twelve_months_are_not_counted() -> None:
    brief = build_brief(inputs(prior_calls=[PriorCall("C-9", IncidentType.SHOOT, at(400), 0.0, True)]))
    assert brief.factors == []


def test_a_call_down_the_block_counts_for_less_than_one_at_the_door() -> None:
    door = build_brief(inputs(prior_calls=[PriorCall("C-1", IncidentType.WEAPON, at(5), 0.0, True)]))
    block = build_brief(inputs(prior_calls=[PriorCall("C-1", IncidentType.WEAPON, at(5), 90.0, False)]))
    assert block.score < door.score
    assert block.factors[0].label == "1 WEAPON call within 150 m in the last 12 months"


def test_a_busy_block_cannot_alone_make_a_call_severe() -> None:
    many_near = [PriorCall(f"N{i}", IncidentType.ASSAULT, at(3), 100.0, False) for i in range(200)]
    many_at = [PriorCall(f"A{i}", IncidentType.ASSAULT, at(3), 0.0, True) for i in range(200)]
    brief = build_brief(inputs(prior_calls=many_near + many_at))
    assert brief.score == pytest.approx(NEARBY_CAP + PRIOR_CALL_CAP, rel=1e-3)
    assert brief.level is ThreatLevel.HIGH


def test_weapons_and_officer_safety_cautions_raise_the_level_and_expired_ones_do_not() -> None:
    weapons = PremiseCaution(
        caution_id="K1",
        address_id="a1",
        kind=CautionKind.WEAPONS,
        severity=5,
        text="AR-15 kept in bedroom",
        entered=TODAY - timedelta(days=30),
        source="CAD premise file",
    )
    expired = weapons.model_copy(update={"caution_id": "K2", "expires": TODAY - timedelta(days=1)})
    brief = build_brief(inputs(cautions=[weapons, expired]))
    assert [f.source_id for f in brief.factors] == ["K1"]
    assert brief.factors[0].source == "CAD premise file"
    assert "AR-15" in brief.factors[0].label
    assert brief.level is ThreatLevel.HIGH


def test_a_resident_violent_conviction_counts_and_a_theft_does_not() -> None:
    resident = person("p1", "Doe")
    entries = [history("h1", "p1", "13A", TODAY - timedelta(days=200)), history("h2", "p1", "23H", TODAY)]
    brief = build_brief(inputs(residents=[resident], history={"p1": entries}))
    assert [f.source_id for f in brief.factors] == ["h1"]
    assert brief.factors[0].kind == "violent_history"
    assert brief.factors[0].weight > VIOLENT_CONVICTION  # aggravated assault involves a weapon by nature
    # The brief still lists the whole history of a resident, violent or not.
    assert {h.entry_id for h in brief.residents[0].history} == {"h1", "h2"}


def test_an_arrest_counts_less_than_a_conviction_and_old_history_less_than_new() -> None:
    def score(entry: HistoryEntry) -> float:
        return build_brief(inputs(residents=[person("p1", "Doe")], history={"p1": [entry]})).score

    conviction = history("h", "p1", "13B", TODAY - timedelta(days=100))
    arrest = history("h", "p1", "13B", TODAY - timedelta(days=100), HistoryKind.ARREST)
    old = history("h", "p1", "13B", TODAY - timedelta(days=3650))
    assert score(arrest) < score(conviction)
    assert score(old) < score(conviction) / 3


def test_active_warrants_count_in_full_and_served_ones_not_at_all() -> None:
    active = Warrant(
        warrant_id="W1", person_id="p1", offense="failure to appear", issued=date(2020, 1, 1), source="NCIC"
    )
    served = active.model_copy(update={"warrant_id": "W2", "status": WarrantStatus.SERVED})
    brief = build_brief(inputs(residents=[person("p1", "Doe")], warrants={"p1": [active, served]}))
    assert [(f.source_id, f.points) for f in brief.factors] == [("W1", ACTIVE_WARRANT)]
    assert [w.warrant_id for w in brief.residents[0].active_warrants] == ["W1"]


def test_an_active_protective_order_counts_and_an_expired_one_does_not() -> None:
    order = ProtectiveOrder(
        order_id="PO1",
        restrained_person_id="p1",
        protected_person_id="p2",
        address_id="a1",
        issued=TODAY - timedelta(days=20),
        expires=TODAY + timedelta(days=300),
        terms="no contact",
        source="court",
    )
    old = order.model_copy(update={"order_id": "PO2", "expires": TODAY - timedelta(days=2)})
    brief = build_brief(inputs(residents=[person("p1", "Doe")], orders=[order, old]))
    assert [(f.source_id, f.points) for f in brief.factors] == [("PO1", ACTIVE_ORDER)]
    assert [o.order_id for o in brief.residents[0].protective_orders] == ["PO1"]


def test_levels_climb_with_the_evidence() -> None:
    resident = person("p1", "Doe")
    weapons = PremiseCaution(
        caution_id="K1", address_id="a1", kind=CautionKind.WEAPONS, severity=5, entered=TODAY, source="CAD"
    )
    warrant = Warrant(
        warrant_id="W1", person_id="p1", offense="murder", nibrs_code="09A", issued=TODAY, source="NCIC"
    )
    conviction = history("h1", "p1", "09A", TODAY - timedelta(days=30))
    moderate = build_brief(
        inputs(residents=[resident], warrants={"p1": [warrant.model_copy(update={"nibrs_code": None})]})
    )
    severe = build_brief(
        inputs(
            residents=[resident], cautions=[weapons], warrants={"p1": [warrant]}, history={"p1": [conviction]}
        )
    )
    assert moderate.level is ThreatLevel.MODERATE
    assert severe.level is ThreatLevel.SEVERE
    # The factors add up to the score, largest first.
    assert severe.score == pytest.approx(sum(f.points for f in severe.factors), abs=0.01)
    assert [f.points for f in severe.factors] == sorted((f.points for f in severe.factors), reverse=True)


def link(lid: str, a: str, b: str, **kw: object) -> PersonLink:
    base: dict[str, object] = {
        "kind": LinkKind.ASSOCIATE,
        "source": "RMS co-arrest",
        "entered": date(2024, 1, 1),
    }
    base.update(kw)
    return PersonLink(link_id=lid, person_a=a, person_b=b, **base)  # type: ignore[arg-type]


def test_associates_up_to_two_links_with_what_matters_in_their_history() -> None:
    residents = [person("p1", "Doe")]
    associates = {pid: person(pid, name) for pid, name in [("p2", "Roe"), ("p3", "Poe"), ("p4", "Far")]}
    links = [link("L1", "p1", "p2", kind=LinkKind.FAMILY), link("L2", "p2", "p3"), link("L3", "p3", "p4")]
    hist = {
        "p3": [history("h3", "p3", "120", TODAY - timedelta(days=400)), history("h4", "p3", "35A", TODAY)]
    }
    brief = build_brief(inputs(residents=residents, associates=associates, links=links, history=hist))
    found = {a.person.person_id: a for a in brief.associates}
    assert set(found) == {"p2", "p3"}  # p4 is three links away
    assert found["p2"].hops == 1 and found["p2"].via[0].kind == "family"
    assert found["p3"].hops == 2
    assert [h.nibrs_code for h in found["p3"].relevant_history] == ["120"]  # robbery, not the drug charge
    assert brief.associates[0].person.person_id == "p3"  # someone with violent history comes first
    # Associates' history informs the officer but does not move the premise score.
    assert brief.score == 0


def test_intelligence_links_carry_their_basis_and_drop_out_after_review_date() -> None:
    residents = [person("p1", "Doe")]
    associates = {"p2": person("p2", "Roe"), "p3": person("p3", "Zoe")}
    current = link(
        "L1",
        "p1",
        "p2",
        intelligence=True,
        basis="CI report: supplies firearms to p1, case 24-1187",
        entered=TODAY - timedelta(days=100),
    )
    lapsed = link(
        "L2",
        "p1",
        "p3",
        intelligence=True,
        basis="surveillance 2019",
        entered=date(2019, 1, 1),
        review_date=date(2023, 12, 31),
    )
    brief = build_brief(inputs(residents=residents, associates=associates, links=[current, lapsed]))
    assert [a.person.person_id for a in brief.associates] == ["p2"]
    via = brief.associates[0].via[0]
    assert via.intelligence and via.basis and "case 24-1187" in via.basis
    assert via.review_date is not None and via.review_date <= TODAY + timedelta(days=5 * 366)


def test_an_intelligence_record_without_a_basis_is_refused() -> None:
    with pytest.raises(ValidationError, match="basis"):
        link("L1", "p1", "p2", intelligence=True)
    with pytest.raises(ValidationError, match="review_date"):
        link("L1", "p1", "p2", intelligence=True, basis="x", review_date=date(2030, 1, 2))


def test_a_record_about_views_or_associations_is_refused_unless_tied_to_an_investigation() -> None:
    with pytest.raises(ValidationError, match="criminal investigation"):
        link("L1", "p1", "p2", about_views=True)
    assert link("L1", "p1", "p2", about_views=True, criminal_investigation="24-1187").about_views


def test_protected_attributes_change_nothing_in_the_brief() -> None:
    """Race, ethnicity, religion and views are never inputs: changing them leaves the brief identical."""

    def brief_with(protected: dict[str, str]) -> str:
        residents = [person("p1", "Doe", protected=protected)]
        associates = {"p2": person("p2", "Roe", protected=protected)}
        return build_brief(
            inputs(
                residents=residents,
                associates=associates,
                links=[link("L1", "p1", "p2")],
                history={
                    "p1": [history("h1", "p1", "13A", TODAY)],
                    "p2": [history("h2", "p2", "120", TODAY)],
                },
                warrants={"p1": [Warrant(warrant_id="W", person_id="p1", offense="x", issued=TODAY)]},
            )
        ).model_dump_json()

    first = brief_with({"race": "W", "religion": "none", "ethnicity": "not hispanic"})
    for other in (
        {"race": "B", "religion": "muslim", "ethnicity": "hispanic", "political_views": "anarchist"},
        {"race": "A", "associations": "church choir"},
        {},
    ):
        assert brief_with(other) == first
    assert "muslim" not in brief_with({"religion": "muslim"})


def test_addresses_compare_in_a_standard_form() -> None:
    assert normalise_address("120 North High Street, Columbus, OH") == normalise_address("120 N. HIGH ST")
    assert normalise_address("12 Oak Ave #4") == "12 OAK AVE 4"

"""Looking a person up in the agency's records: a name search and one person's record, each with a stated
purpose and case number that the audit keeps; lapsed intelligence and protected attributes never shown, and
nothing from another agency's records."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from rtcc.domain.records import Person
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from rtcc.storage.records import RecordsStore
from tests.api.test_calls import records, seed_household
from tests.conftest import World, login

PURPOSE = {"X-Purpose": "warrant service", "X-Case-Number": "26-011873"}


def more_records(client: TestClient, db: Database, world: World) -> None:
    analyst = login(client, "analyst")
    today = datetime.now(UTC).date()
    records(
        client,
        analyst,
        "persons",
        [
            {"person_id": "P4", "family_name": "DOE", "given_name": "Jane", "birth_date": "1990-04-02"},
            {"person_id": "P5", "family_name": "Doenitz", "given_name": "Jan"},
        ],
    )
    records(
        client,
        analyst,
        "links",
        [
            {
                "link_id": "L3",
                "person_a": "P4",
                "person_b": "P1",
                "kind": "associate",
                "source": "narcotics unit",
                "entered": str(today - timedelta(days=30)),
                "intelligence": True,
                "basis": "controlled buy 26-0311",
                "review_date": str(today + timedelta(days=700)),
            }
        ],
    )
    records(
        client,
        analyst,
        "protective_orders",
        [
            {
                "order_id": "O1",
                "restrained_person_id": "P1",
                "protected_person_id": "P4",
                "issued": str(today - timedelta(days=20)),
                "expires": str(today + timedelta(days=345)),
                "terms": "no contact, 500 ft",
                "source": "Franklin County DR court",
            }
        ],
    )
    # Another agency's Doe, which this agency must never see.
    RecordsStore(db).upsert(
        "persons",
        world.other_agency_id,
        [Person(person_id="X1", agency_id=world.other_agency_id, family_name="Doe", given_name="Jan")],
    )


def test_a_name_search_finds_the_agencys_persons_in_any_letter_case(
    client: TestClient, db: Database, world: World
) -> None:
    seed_household(client)
    more_records(client, db, world)
    operator = login(client, "operator")

    found = client.get("/api/v1/persons", headers={**operator, **PURPOSE}, params={"family_name": "doe"})
    assert found.status_code == 200, found.text
    by_id = {p["person_id"]: p for p in found.json()}
    # Exact family name in any case; not Doenitz, not the other agency's Doe.
    assert sorted(by_id) == ["P1", "P2", "P4"]
    jan = by_id["P1"]
    assert jan["addresses"] == ["120 North High Street, Columbus"]
    assert (jan["history_entries"], jan["active_warrants"], jan["active_protective_orders"]) == (1, 1, 1)
    assert "protected" not in jan

    narrowed = client.get(
        "/api/v1/persons",
        headers={**operator, **PURPOSE},
        params={"family_name": "DOE", "given_name": "ja", "birth_date": "1990-04-02"},
    )
    assert [p["person_id"] for p in narrowed.json()] == ["P4"]

    # The search is audited with who searched, for what, why and for which case.
    searches = [e for e in AuditLog(db).entries(action="search") if e.resource == "GET /api/v1/persons"]
    assert len(searches) == 2
    entry = searches[-1]  # newest first: the first search
    assert entry.username == "operator" and entry.purpose == "warrant service"
    assert entry.detail["case_number"] == "26-011873" and entry.detail["query"]["family_name"] == "doe"


def test_a_search_without_purpose_and_case_number_is_refused(client: TestClient, world: World) -> None:
    seed_household(client)
    operator = login(client, "operator")
    bare = client.get("/api/v1/persons", headers=operator, params={"family_name": "Doe"})
    assert bare.status_code == 422 and "purpose and case_number: required" in bare.json()["detail"]
    half = client.get(
        "/api/v1/persons", headers={**operator, "X-Purpose": "curiosity"}, params={"family_name": "Doe"}
    )
    assert half.status_code == 422 and "case_number" in half.json()["detail"]
    record = client.get("/api/v1/persons/P1", headers=operator)
    assert record.status_code == 422
    short = client.get("/api/v1/persons", headers={**operator, **PURPOSE}, params={"family_name": "D"})
    assert short.status_code == 422


def test_a_persons_record_shows_history_warrants_orders_and_current_links_only(
    client: TestClient, db: Database, world: World
) -> None:
    seed_household(client)
    more_records(client, db, world)
    officer = login(client, "officer")
    resp = client.get("/api/v1/persons/P1", headers={**officer, **PURPOSE})
    assert resp.status_code == 200, resp.text
    rec = resp.json()
    assert rec["person"]["family_name"] == "Doe" and "protected" not in rec["person"]
    assert [r["address"] for r in rec["residences"]] == ["120 North High Street, Columbus"]
    assert [(h["nibrs_code"], h["description"]) for h in rec["history"]] == [("13A", "aggravated assault")]
    assert [w["warrant_id"] for w in rec["warrants"]] == ["W1"]
    assert [(o["order_id"], o["terms"]) for o in rec["protective_orders"]] == [("O1", "no contact, 500 ft")]
    links = {lk["link_id"]: lk for lk in rec["links"]}
    # The 2019 intelligence link past its review date is not shown (28 CFR 23.20(h)); the current one is,
    # with the basis it was stored on and its review date.
    assert sorted(links) == ["L1", "L3"]
    assert (links["L1"]["person_id"], links["L1"]["name"], links["L1"]["kind"]) == ("P2", "Lee Doe", "family")
    assert links["L3"]["intelligence"] and links["L3"]["basis"] == "controlled buy 26-0311"
    assert links["L3"]["name"] == "Jane DOE" and links["L3"]["review_date"]
    assert "race" not in resp.text

    viewed = [e for e in AuditLog(db).entries() if e.resource == "GET /api/v1/persons/P1"]
    assert viewed and viewed[0].username == "officer" and viewed[0].detail["case_number"] == "26-011873"

    # Another agency's person is not there to be read.
    other = client.get("/api/v1/persons/X1", headers={**officer, **PURPOSE})
    assert other.status_code == 404

"""The pipeline against a real store: good items land even when others are bad; bad ones are explained."""

from datetime import UTC, datetime, timedelta

import pytest

from rtcc.domain.entities import Source
from rtcc.ingest.pipeline import IngestService, UnreadableItem
from rtcc.ingest.registry import AdapterRegistry
from rtcc.storage.accounts import Accounts
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from tests.conftest import World

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


def envelope(i: int, **over: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": f"call-{i}",
        "type": "call.received",
        "occurred_at": (NOW - timedelta(seconds=i)).isoformat(),
        "location": {"lat": 39.96, "lon": -82.99, "address": {"text": "90 W BROAD ST"}},
        "payload": {"call_id": f"C{i}", "call_type": "ROBBERY", "priority": "high"},
    }
    item.update(over)
    return item


@pytest.fixture
def service(db: Database) -> IngestService:
    return IngestService(SqlEventStore(db), AdapterRegistry.discover(), clock=lambda: NOW)


@pytest.fixture
def cad(db: Database, world: World) -> Source:
    source = Accounts(db).get_source(world.source_ids["cad"])
    assert source is not None
    return source


def test_good_items_are_stored_and_bad_ones_explained_by_index_and_field(
    service: IngestService, cad: Source, db: Database
) -> None:
    items = [
        envelope(0),
        envelope(1, location={"lat": 95.0, "lon": -82.99}),  # out of range
        envelope(2, payload={"call_id": "C2", "call_type": "ROBBERY"}),  # missing priority
        envelope(3, payload={"call_id": "C3", "call_type": "ROBBERY", "priority": 3}),  # wrong type
        envelope(4, occurred_at=(NOW + timedelta(days=2)).isoformat()),  # far future
        "not an object",
        UnreadableItem("{oops", "line 7: not valid JSON"),
        envelope(7),
    ]
    outcome = service.submit_sync(service.context(cad), items, "test")
    assert outcome.accepted == 2
    rejected = {r.index: [(e.field, e.reason) for e in r.errors] for r in outcome.rejected}
    assert set(rejected) == {1, 2, 3, 4, 5, 6}
    assert rejected[1][0][0] == "location.lat"
    assert rejected[2] == [("payload.priority", "Field required")]
    assert rejected[3][0][0] == "payload.priority"
    assert rejected[4][0][0] == "occurred_at" and "in the future" in rejected[4][0][1]
    assert rejected[5][0] == ("(item)", "expected a JSON object, got str")
    assert rejected[6][0] == ("(item)", "line 7: not valid JSON")

    store = SqlEventStore(db)
    assert store.count() == 2
    letters = store.dead_letters(limit=50)
    assert sorted(d.item_index for d in letters) == [1, 2, 3, 4, 5, 6]  # type: ignore[type-var]
    assert all(d.source_id == cad.id and d.transport == "test" for d in letters)
    assert any(d.raw == "{oops" for d in letters)
    counts = store.feed_counts()[0]
    assert (counts.accepted, counts.rejected, counts.duplicates) == (2, 6, 0)


def test_resubmitting_an_event_id_changes_nothing(service: IngestService, cad: Source, db: Database) -> None:
    ctx = service.context(cad)
    first = service.submit_sync(ctx, [envelope(0), envelope(1)], "test")
    again = service.submit_sync(
        ctx,
        [envelope(0), envelope(1, payload={"call_id": "X", "call_type": "SHOOT", "priority": "highest"})],
        "test",
    )
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.accepted, again.duplicates) == (0, 2)
    store = SqlEventStore(db)
    assert store.count() == 2
    stored = store.query(types=["call.received"])
    assert {e.payload["call_id"] for e in stored} == {"C0", "C1"}  # the first version stands
    assert len(store.pending(100)) == 2  # and it was queued for publishing once


def test_a_repeated_id_inside_one_batch_counts_as_a_duplicate(service: IngestService, cad: Source) -> None:
    outcome = service.submit_sync(service.context(cad), [envelope(0), envelope(0), envelope(1)], "test")
    assert (outcome.accepted, outcome.duplicates) == (2, 1)


def test_events_without_an_id_get_one_from_their_content(service: IngestService, cad: Source) -> None:
    ctx = service.context(cad)
    item = envelope(0, id=None)
    first = service.submit_sync(ctx, [item], "test")
    second = service.submit_sync(ctx, [item], "test")
    assert first.accepted == 1 and second.duplicates == 1
    assert first.ids == second.ids and first.ids[0].startswith("h-")


def test_the_same_id_from_two_sources_is_two_events(
    service: IngestService, db: Database, world: World
) -> None:
    accounts = Accounts(db)
    a, b = accounts.get_source(world.source_ids["cad"]), accounts.get_source(world.source_ids["other-cad"])
    assert a and b
    assert service.submit_sync(service.context(a), [envelope(0)], "test").accepted == 1
    assert service.submit_sync(service.context(b), [envelope(0)], "test").accepted == 1


def test_a_source_limited_to_some_types_refuses_others(
    service: IngestService, db: Database, world: World
) -> None:
    accounts = Accounts(db)
    source, _ = accounts.create_source(
        world.agency_id, "cad-only", "native", {"allowed_types": ["call.received"]}
    )
    ping = envelope(0, type="unit.location", payload={"unit_id": "1A12"})
    outcome = service.submit_sync(service.context(source), [envelope(1), ping], "test")
    assert outcome.accepted == 1
    assert outcome.rejected[0].errors[0].field == "type"


def test_events_older_than_the_limit_are_refused(service: IngestService, cad: Source) -> None:
    outcome = service.submit_sync(
        service.context(cad), [envelope(0, occurred_at="1999-01-01T00:00:00Z")], "test"
    )
    assert outcome.rejected[0].errors[0].field == "occurred_at"
    assert "older than" in outcome.rejected[0].errors[0].reason

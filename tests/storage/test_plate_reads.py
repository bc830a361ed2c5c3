"""Plate searches find exactly what their wildcard pattern says, whatever the index does underneath."""

import fnmatch
import random
from datetime import UTC, datetime, timedelta

import pytest

from rtcc.domain.geo import Location
from rtcc.domain.ports import NewEvent
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.plate_reads import PlateReads, like_pattern
from tests.conftest import World

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


def test_wildcard_searches_match_exactly_the_plates_the_pattern_names(db: Database, world: World) -> None:
    rng = random.Random(7)
    alphabet = "ABCDXYZ0129"
    plates = ["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 7))) for _ in range(400)]
    plates += ["ABC1234", "ABD1234", "AB01234", "ZABC123"]
    events = [
        NewEvent(
            f"r{i}",
            "alpr.read",
            world.source_ids["alpr"],
            world.agency_id,
            NOW - timedelta(minutes=i),
            NOW,
            Location(lat=39.96, lon=-82.99),
            {"plate": p, "reader_id": f"R{i % 3}"},
        )
        for i, p in enumerate(plates)
    ]
    SqlEventStore(db).append(world.source_ids["alpr"], events, [])
    store = PlateReads(db)
    for pattern in ("AB*", "AB?1234", "*1234", "*C1*", "Z*3", "A?C*", "9*", "ABC1234"):
        found = sorted(r.plate for r in store.search([world.agency_id], pattern=pattern, limit=10_000))
        assert found == sorted(p for p in plates if fnmatch.fnmatchcase(p, pattern)), pattern
    # The time window and the reader narrow the same search.
    window = store.search([world.agency_id], since=NOW - timedelta(minutes=10), limit=10_000)
    assert len(window) == 11
    assert {r.reader_id for r in store.search([world.agency_id], pattern="A*", reader_id="R1")} == {"R1"}


# A pattern of wildcards alone would be a search of every plate: refused, like SQL wildcards.
@pytest.mark.parametrize("bad", ["A%", "A_1", "", "*", "**", "A'1"])
def test_patterns_with_anything_but_letters_digits_and_wildcards_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="pattern"):
        like_pattern(bad)


def test_searches_by_the_middle_of_a_plate_give_the_same_reads_however_they_are_found(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pattern like "*7X9*" is answered from the list of plates ever read when few plates match, and by
    walking the reads when many do; both give the same reads, newest first, and only the agency's own."""
    plates = [f"{a}7X9{b}" for a in "ABCDEF" for b in "0123"] + ["ZZZ1111", "Q7Y9000"]
    mine = [
        NewEvent(
            f"m{i}",
            "alpr.read",
            world.source_ids["alpr"],
            world.agency_id,
            NOW - timedelta(minutes=i),
            NOW,
            Location(lat=39.96, lon=-82.99),
            {"plate": p, "reader_id": "R1"},
        )
        for i, p in enumerate(plates)
    ]
    theirs = NewEvent(
        "other-agency",
        "alpr.read",
        world.source_ids["alpr"],
        "another-agency",
        NOW,
        NOW,
        None,
        {"plate": "K7X9K", "reader_id": "X1"},
    )
    SqlEventStore(db).append(world.source_ids["alpr"], [*mine, theirs], [])
    store = PlateReads(db)
    by_vocabulary = store.search([world.agency_id], pattern="*7X9*", limit=100)
    monkeypatch.setattr("rtcc.storage.plate_reads.VOCAB_MAX_PLATES", 3)
    by_walking = store.search([world.agency_id], pattern="*7X9*", limit=100)
    expected = [e.id for e in mine if "7X9" in e.payload["plate"]]
    assert [r.event_id for r in by_vocabulary] == expected
    assert [r.event_id for r in by_walking] == expected
    assert store.search([world.agency_id], pattern="*QQQ*") == []

"""Plate reads stored by many feeds at once: batches handed in while another is written share its commit,
yet each is answered for itself, and one batch that cannot be stored fails alone."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rtcc.domain.geo import Location
from rtcc.domain.ports import AppendResult, NewEvent
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore, trigrams
from rtcc.storage.plate_reads import PlateReads
from rtcc.storage.tables import outbox, plate_reads, plate_trigrams, plate_vocab
from tests.conftest import World

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


def _read(world: World, event_id: str, plate: str, *, source_id: str | None = None) -> NewEvent:
    return NewEvent(
        event_id,
        "alpr.read",
        source_id or world.source_ids["alpr"],
        world.agency_id,
        NOW - timedelta(seconds=1),
        NOW,
        Location(lat=39.96, lon=-82.99),
        {"plate": plate, "reader_id": "R1"},
    )


def _append_together(store: SqlEventStore, batches: list[list[NewEvent]]) -> list[AppendResult | Exception]:
    """Hand every batch to ``append`` from its own thread while a write is under way, so that all of them
    wait and are then written as one group."""
    out: list[AppendResult | Exception] = [Exception("not run")] * len(batches)

    def run(i: int, batch: list[NewEvent]) -> None:
        try:
            out[i] = store.append(batch[0].source_id, batch, [])
        except Exception as exc:
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(batches)]
    with store._group_lock:  # as if another batch were being written
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(store._pending) < len(batches) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(store._pending) == len(batches)
    for t in threads:
        t.join(10)
    return out


def test_batches_written_together_are_each_answered_for_themselves(db: Database, world: World) -> None:
    store = SqlEventStore(db)
    store.append(world.source_ids["alpr"], [_read(world, "old", "ABC1234")], [])
    batches = [
        [_read(world, "a1", "ABC1234"), _read(world, "a2", "XYZ9876")],
        [_read(world, "b1", "XYZ9876"), _read(world, "old", "ABC1234")],  # "old" is stored already
        [_read(world, "a1", "ABC1234"), _read(world, "c1", "QRS5555")],  # so is "a1", by the first batch
    ]
    results = _append_together(store, batches)
    assert all(isinstance(r, AppendResult) for r in results), results
    accepted = [[i for _, i in r.accepted] for r in results if isinstance(r, AppendResult)]
    duplicates = [r.duplicates for r in results if isinstance(r, AppendResult)]
    assert accepted == [["a1", "a2"], ["b1"], ["c1"]]
    assert duplicates == [[], ["old"], ["a1"]]
    seqs = [s for r in results if isinstance(r, AppendResult) for s, _ in r.accepted]
    assert seqs == sorted(seqs)
    with db.read() as conn:
        assert len(conn.execute(select(outbox.c.seq)).all()) == 5
        assert len(conn.execute(select(plate_reads.c.seq)).all()) == 5
    found = PlateReads(db).search([world.agency_id], pattern="*Y*9*", limit=100)
    assert sorted(r.event_id for r in found) == ["a2", "b1"]
    # Stored as the column type stores times: a window starting at the read's own time holds it.
    at = NOW - timedelta(seconds=1)
    assert {r.occurred_at for r in found} == {at}
    assert len(PlateReads(db).search([world.agency_id], since=at, until=NOW, limit=100)) == 5


def test_a_batch_that_cannot_be_stored_fails_alone(db: Database, world: World) -> None:
    store = SqlEventStore(db)
    good = [_read(world, "g1", "ABC1234")]
    bad = [_read(world, "x1", "DEF5678", source_id="no-such-source")]  # refused by the database
    also_good = [_read(world, "g2", "GHJ4321")]
    results = _append_together(store, [good, bad, also_good])
    assert isinstance(results[0], AppendResult) and [i for _, i in results[0].accepted] == ["g1"]
    assert isinstance(results[1], Exception) and not isinstance(results[1], AppendResult)
    assert isinstance(results[2], AppendResult) and [i for _, i in results[2].accepted] == ["g2"]
    with db.read() as conn:
        assert sorted(conn.execute(select(plate_reads.c.event_id)).scalars()) == ["g1", "g2"]
        assert sorted(conn.execute(select(plate_vocab.c.plate)).scalars()) == ["ABC1234", "GHJ4321"]


@pytest.mark.parametrize("plates", [["AB", "ABC", "ABCD", "AAAAAAA", "ABCABCABC1", "A1B2C3D4E5F6G7H8"]])
def test_a_plate_read_for_the_first_time_gets_each_of_its_pieces_once(
    db: Database, world: World, plates: list[str]
) -> None:
    store = SqlEventStore(db)
    store.append(world.source_ids["alpr"], [_read(world, f"r{i}", p) for i, p in enumerate(plates)], [])
    store.append(world.source_ids["alpr"], [_read(world, f"again{i}", p) for i, p in enumerate(plates)], [])
    with db.read() as conn:
        stored = sorted((str(t), str(p)) for t, p in conn.execute(select(plate_trigrams)))
        assert sorted(conn.execute(select(plate_vocab.c.plate)).scalars()) == sorted(plates)
    assert stored == sorted((t, p) for p in plates for t in trigrams(p))


def test_clearing_the_outbox_while_batches_are_stored_keeps_what_is_not_yet_published(
    db: Database, world: World
) -> None:
    store = SqlEventStore(db)
    first = store.append(world.source_ids["alpr"], [_read(world, "p1", "ABC1234")], [])
    published = first.accepted[-1][0]
    done = threading.Event()

    def clear() -> None:
        store.clear_upto(published)
        done.set()

    with store._group_lock:  # a batch being written: the clearing and the next batch wait, then go together
        worker = threading.Thread(target=clear)
        worker.start()
        deadline = time.monotonic() + 10
        while not store._pending and time.monotonic() < deadline:
            time.sleep(0.01)
        later: list[AppendResult] = []
        writer = threading.Thread(
            target=lambda: later.append(
                store.append(world.source_ids["alpr"], [_read(world, "p2", "XYZ9876")], [])
            )
        )
        writer.start()
        while len(store._pending) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    worker.join(10)
    writer.join(10)
    assert done.is_set() and later
    with db.read() as conn:
        assert list(conn.execute(select(outbox.c.seq)).scalars()) == [s for s, _ in later[0].accepted]

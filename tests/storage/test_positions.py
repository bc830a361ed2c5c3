"""Two people reaching for the same free desk at the same moment: one gets it, the other is told who."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial

from rtcc.storage.accounts import Accounts
from rtcc.storage.db import Database
from rtcc.storage.positions import Positions


def test_a_race_for_a_free_desk_has_one_winner(db: Database) -> None:
    Accounts(db).create_agency("Columbus", agency_id="cpd")
    positions = Positions(db)
    now = datetime.now(UTC)
    for round_ in range(10):
        desk = positions.create("cpd", f"Desk {round_}", None, now)
        people = [f"op{round_}-{i}" for i in range(4)]
        with ThreadPoolExecutor(len(people)) as pool:
            results = list(
                pool.map(partial(positions.sign_in, "cpd", desk.id, at=now, take_over=False), people)
            )
        winners = [r.position.occupant for r in results if r is not None and r.position is not None]
        assert len(winners) == 1
        holder = positions.get("cpd", desk.id)
        assert holder is not None and holder.occupant == winners[0]
        assert all(r.holder == winners[0] for r in results if r is not None and r.position is None)

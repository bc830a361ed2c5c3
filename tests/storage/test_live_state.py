"""The live picture's store: a burst of unit positions (applied together) ends in the same state as the
same positions applied one by one, late reports included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rtcc.domain.ports import StateChange
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def ping(unit: str, lat: float, seconds: int) -> StateChange:
    return StateChange(
        "unit",
        "cpd",
        unit,
        create=True,
        fields={
            "lat": lat,
            "lon": -83.0,
            "heading_deg": 90.0,
            "speed_mps": 10.0,
            "located_at": T0 + timedelta(seconds=seconds),
        },
        defaults={"status": "available", "updated_at": T0},
        guard="located_at",
    )


def positions(db: Database) -> dict[str, tuple[float | None, datetime | None]]:
    return {u.unit_id: (u.lat, u.located_at) for u in SqlLiveState(db).units(agency_id="cpd")}


def test_a_burst_of_positions_lands_as_if_applied_one_by_one(db: Database) -> None:
    live = SqlLiveState(db)
    live.apply([ping("1A1", 40.0, 0), ping("1A2", 40.1, 0)])
    burst = [
        ping("1A1", 40.01, 10),
        ping("1A2", 40.11, 10),
        ping("1A1", 40.02, 20),
        ping("1A1", 39.99, 5),  # a late report, older than what the burst already holds
        ping("1A2", 40.12, 30),
    ]
    live.apply(burst)
    assert positions(db) == {
        "1A1": (40.02, T0 + timedelta(seconds=20)),
        "1A2": (40.12, T0 + timedelta(seconds=30)),
    }

    # A burst with a unit not seen before still creates it; an older report than the stored one changes nothing.
    live.apply([ping("1A1", 41.0, 1), ping("9Z9", 40.5, 40), ping("1A2", 40.13, 31)])
    assert positions(db) == {
        "1A1": (40.02, T0 + timedelta(seconds=20)),
        "1A2": (40.13, T0 + timedelta(seconds=31)),
        "9Z9": (40.5, T0 + timedelta(seconds=40)),
    }

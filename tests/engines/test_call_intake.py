"""Which units are told of a new call: those on the road within the radius, nearest first."""

from datetime import UTC, datetime

from rtcc.domain.entities import Unit
from rtcc.domain.vocab import UnitStatus
from rtcc.engines.call_intake import units_within

NOW = datetime(2026, 11, 21, 20, tzinfo=UTC)


def unit(uid: str, lat: float | None, status: UnitStatus = UnitStatus.AVAILABLE) -> Unit:
    return Unit(
        agency_id="cpd", unit_id=uid, status=status, lat=lat, lon=-82.99 if lat else None, updated_at=NOW
    )


def test_units_on_the_road_within_the_radius_are_told_nearest_first() -> None:
    units = [
        unit("FAR", 39.98),  # 2.2 km
        unit("NEAR", 39.961),  # 110 m
        unit("MID", 39.966),  # 670 m, busy on another call: still told
        unit("OOS", 39.9605, UnitStatus.OUT_OF_SERVICE),
        unit("NOFIX", None),
    ]
    units[2] = units[2].model_copy(update={"status": UnitStatus.ON_SCENE})
    near = units_within(units, 39.96, -82.99, 1200)
    assert [u for u, _ in near] == ["NEAR", "MID"]
    assert 100 < near[0][1] < 120
    assert units_within(units, 39.96, -82.99, 800) == near
    assert [u for u, _ in units_within(units, 39.96, -82.99, 1610)] == ["NEAR", "MID"]

from datetime import UTC, datetime

from rtcc.domain.outcomes import precision_by_period


def test_precision_counts_only_alerts_with_a_recorded_outcome() -> None:
    nov, dec = datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 12, 9, tzinfo=UTC)
    rows = [
        (nov, "gunfire_confirmed"),
        (nov, "no_evidence"),
        (nov, None),  # nobody followed it up
        (nov, "not_gunfire"),
        (dec, "no_evidence"),
        (dec, None),
    ]
    lines = {line.period: line for line in precision_by_period(rows, "month")}
    assert (lines["2026-11"].alerts, lines["2026-11"].with_outcome, lines["2026-11"].confirmed) == (4, 3, 1)
    assert lines["2026-11"].precision == round(1 / 3, 4)
    assert lines["2026-12"].precision == 0.0
    assert lines["total"].alerts == 6 and lines["total"].precision == 0.25
    assert lines["total"].outcomes == {"gunfire_confirmed": 1, "no_evidence": 2, "not_gunfire": 1}


def test_periods_by_week_and_day_and_nothing_recorded() -> None:
    day = datetime(2026, 11, 21, 23, tzinfo=UTC)
    [line, total] = precision_by_period([(day, None)], "week")
    assert line.period == "2026-W47" and line.precision is None and total.period == "total"
    assert precision_by_period([(day, "confirmed")], "day")[0].period == "2026-11-21"
    assert precision_by_period([], "month") == []

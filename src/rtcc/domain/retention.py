"""Retention policies: how long each kind of data is kept. They run by themselves; every run is recorded.

The audit log is not among them: it is kept at least a year (CJIS) and is never purged by a policy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetentionPolicy:
    name: str
    keep_days: int
    description: str


def policies(
    *, plate_reads_days: int, events_days: int, calls_days: int, dead_letters_days: int, video_days: int
) -> list[RetentionPolicy]:
    return [
        RetentionPolicy(
            "plate_reads",
            plate_reads_days,
            "plate reads that hit nothing (reads behind an alert stay while the alert does)",
        ),
        RetentionPolicy("events", events_days, "other feed events: locations, statuses, pulses, telemetry"),
        RetentionPolicy("calls", calls_days, "cleared calls in the live picture"),
        RetentionPolicy("dead_letters", dead_letters_days, "refused items kept for operators"),
        RetentionPolicy(
            "video",
            video_days,
            "recorded camera video (exported clips are evidence, kept with their chain of custody)",
        ),
        # 28 CFR 23.20(h): the period is the record's own review date (at most five years from entry).
        RetentionPolicy(
            "intelligence_records",
            0,
            "criminal intelligence records past their review date and not re-validated (28 CFR 23.20(h))",
        ),
    ]

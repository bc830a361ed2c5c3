"""The public transparency report: what the system holds and did, in counts, with the policy behind it."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from pydantic import BaseModel, Field

from rtcc.domain.outcomes import PeriodPrecision


class RetentionLine(BaseModel):
    name: str
    keep_days: int
    description: str


class TransparencyReport(BaseModel):
    agency_id: str
    agency_name: str
    period_from: datetime
    period_to: datetime
    generated_at: datetime
    policy: list[str] = Field(..., description="The usage and privacy policy, paragraph by paragraph.")
    plate_reads: int = Field(..., description="Plate reads received in the period and still held.")
    plate_reads_purged: int = Field(..., description="Plate reads purged by retention in the period.")
    plate_hits: int = Field(..., description="Plate reads that matched a hotlist (alerts raised).")
    plate_searches: int = Field(
        ..., description="Searches of plate reads, each with a purpose and case number."
    )
    searches_by_purpose: dict[str, int]
    alerts: dict[str, PeriodPrecision] = Field(
        ..., description="Per kind of alert: raised, outcomes, precision."
    )
    cameras_by_kind: dict[str, int]
    shared_with: list[str] = Field(..., description="Agencies this agency shares data with.")
    disclosures: dict[str, int] = Field(
        default_factory=dict, description="Releases outside the agency in the period, by kind."
    )
    retention: list[RetentionLine]

    def rows(self) -> list[tuple[str, str, str]]:
        """(section, item, value) rows, as the CSV has them."""
        out: list[tuple[str, str, str]] = [
            ("report", "agency", self.agency_name),
            ("report", "from", self.period_from.isoformat()),
            ("report", "to", self.period_to.isoformat()),
            ("report", "generated", self.generated_at.isoformat()),
            ("plates", "reads held", str(self.plate_reads)),
            ("plates", "reads purged by retention", str(self.plate_reads_purged)),
            ("plates", "hotlist hits", str(self.plate_hits)),
            ("plates", "searches", str(self.plate_searches)),
        ]
        out += [
            ("searches by purpose", purpose, str(n))
            for purpose, n in sorted(self.searches_by_purpose.items())
        ]
        for kind, line in sorted(self.alerts.items()):
            out += [
                (f"alerts: {kind}", "raised", str(line.alerts)),
                (f"alerts: {kind}", "with an outcome recorded", str(line.with_outcome)),
                (f"alerts: {kind}", "confirmed", str(line.confirmed)),
                (f"alerts: {kind}", "precision", "" if line.precision is None else f"{line.precision:.4f}"),
            ]
            out += [(f"alerts: {kind}", f"outcome {o}", str(n)) for o, n in line.outcomes.items()]
        out += [("cameras by kind", kind, str(n)) for kind, n in sorted(self.cameras_by_kind.items())]
        out += [("shared with", name, "") for name in self.shared_with] or [
            ("shared with", "(no agency)", "")
        ]
        out += [("disclosures", kind, str(n)) for kind, n in sorted(self.disclosures.items())] or [
            ("disclosures", "(none)", "0")
        ]
        out += [
            (
                "retention",
                r.name,
                f"{f'{r.keep_days} days' if r.keep_days else 'until review'}: {r.description}",
            )
            for r in self.retention
        ]
        out += [("retention", "audit log", "at least 365 days; never purged by a policy")]
        return out

    def csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(("section", "item", "value"))
        writer.writerows(self.rows())
        return buf.getvalue()


def policy_text(*, plate_days: int, events_days: int, require_mfa: bool) -> list[str]:
    """The usage and privacy policy as the system enforces it (our own words, generated from the settings)."""
    return [
        "Purpose. This system supports the agency's response to emergencies and crimes: it shows calls, units, "
        "cameras, plate reader hits, gunshot alerts and drones to the people who answer them.",
        "Who may use it. Named staff with a role (operator, officer, analyst, supervisor, administrator, auditor); "
        "each role sees only what it needs. Sign-in takes a password"
        + (" and a second factor." if require_mfa else ".")
        + " Accounts lock after repeated failures and are disabled after 90 days without use.",
        "Monitoring. Every sign-in, view, search and change is recorded with who, what, when, from where and "
        "why, in a tamper-evident log kept at least a year and open to auditors. Searches of plate reads "
        "must state a purpose and a case number.",
        "Accuracy. A plate hit is not by itself grounds for a stop: the officer confirms the plate, state and "
        "vehicle against the image and that the hotlist entry is still active. The outcome of every alert is "
        "recorded so that its precision can be published here.",
        f"Retention. Plate reads that hit nothing are deleted after {plate_days} days; other feed data after "
        f"{events_days} days. Deletion runs by itself and each run is recorded.",
        "Sharing. Data is shared only with public agencies under a recorded agreement; they are listed here.",
        "No facial recognition. The system contains no face detection or recognition.",
    ]

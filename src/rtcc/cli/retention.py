"""`rtcc retention run` and `rtcc retention report`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from rtcc.cli.common import console, load_settings, open_database, print_json
from rtcc.storage.audit import AuditLog
from rtcc.storage.mail import data_folder
from rtcc.storage.retention import Retention, RetentionRun
from rtcc.video.clips import recordings_purger

retention_app = typer.Typer(
    help="Retention policies: what is kept, for how long, and what was purged.", no_args_is_help=True
)


def _retention() -> Retention:
    settings = load_settings()
    db = open_database(settings)
    files = {"video": recordings_purger(data_folder(settings))}
    return Retention(db, AuditLog(db), settings.retention_policies(), files=files)


def _table(title: str, runs: list[RetentionRun]) -> Table:
    table = Table(title=title)
    for col in ("ran at", "policy", "keep days", "purged up to", "purged", "kept on hold"):
        table.add_column(col, justify="right" if col in ("keep days", "purged", "kept on hold") else "left")
    for r in runs:
        table.add_row(
            r.ran_at.isoformat(timespec="seconds"),
            r.policy,
            str(r.keep_days),
            r.cutoff.isoformat(timespec="seconds"),
            f"{r.purged:,}",
            f"{r.kept_on_hold:,}",
        )
    return table


@retention_app.command("run")
def retention_run() -> None:
    """Apply every policy now (the server also runs them by itself)."""
    runs = _retention().run()
    console.print(_table("Retention run", runs))


@retention_app.command("report")
def retention_report(
    limit: Annotated[int, typer.Option(help="Most recent runs.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The policies in force and what each run purged, when and under which policy."""
    retention = _retention()
    runs = retention.report(limit)
    if as_json:
        print_json({"policies": [p.__dict__ for p in retention.policies], "runs": [r.__dict__ for r in runs]})
        return
    for p in retention.policies:
        kept = f"kept {p.keep_days} days" if p.keep_days else "kept until each record's review date"
        console.print(f"{p.name}: {kept} ({p.description})")
    console.print("audit log: kept at least a year; never purged by a policy")
    console.print(_table("Retention runs", runs))

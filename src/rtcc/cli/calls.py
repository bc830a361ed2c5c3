"""`rtcc import calls|records|hotlist`, `rtcc report response-times`, `rtcc eido export|import`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal, cast

import orjson
import typer
from rich.progress import Progress
from rich.table import Table

from rtcc.cli.common import console, err_console, load_settings, open_database, print_json
from rtcc.domain.cad import response_times
from rtcc.domain.eido import EidoError, from_eido, to_eido
from rtcc.domain.ports import DeadLetter
from rtcc.ingest.calls_import import RowProblem, import_calls, load_calls_mapping
from rtcc.ingest.hotlist_import import read_hotlist
from rtcc.ingest.mapping import ColumnMapping, MappingError
from rtcc.ingest.records_import import import_records, load_records_mapping
from rtcc.storage.accounts import Accounts
from rtcc.storage.cad import CadStore
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.hotlists import Hotlists
from rtcc.storage.records import RecordsStore

import_app = typer.Typer(help="Import calls and records from agencies' exports.", no_args_is_help=True)
eido_app = typer.Typer(help="NENA EIDO incident exchange.", no_args_is_help=True)

MappingOpt = Annotated[Path, typer.Option("--mapping", help="Column mapping file (YAML).", exists=True)]
AgencyOpt = Annotated[str | None, typer.Option(help="Agency id (default: the only agency).")]


def _agency(db: Database, agency: str | None) -> str:
    agencies = Accounts(db).list_agencies()
    if agency is not None:
        if agency not in {a.id for a in agencies}:
            err_console.print(f"[red]no agency {agency!r}[/red]")
            raise typer.Exit(1)
        return agency
    if len(agencies) != 1:
        err_console.print("[red]name the agency with --agency[/red]")
        raise typer.Exit(1)
    return agencies[0].id


def read_mapping(load: Callable[[Path], ColumnMapping], path: Path) -> ColumnMapping:
    """A mapping file checked by its importer; every problem printed with its field, then exit 2."""
    try:
        return load(path)
    except MappingError as exc:
        for e in exc.errors:
            err_console.print(f"[red]{path}[/red] {e.field}: {e.reason}")
        raise typer.Exit(2) from None


def _keep_problems(db: Database, transport: str, problems: list[RowProblem]) -> None:
    """Refused rows are kept as dead letters, where an operator can see them (`rtcc deadletter list`)."""
    if not problems:
        return
    now = datetime.now(UTC)
    SqlEventStore(db).record_dead_letters(
        [
            DeadLetter(
                received_at=now,
                transport=transport,
                errors=p.errors,
                raw=orjson.dumps(p.raw).decode(),
                item_index=p.row,
            )
            for p in problems
        ]
    )


def _report(kind: str, rows: int, written: int, problems: list[RowProblem], as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "kind": kind,
                "rows": rows,
                "imported": written,
                "rejected": [{"row": p.row, "errors": [e.model_dump() for e in p.errors]} for p in problems],
            }
        )
        return
    console.print(f"{kind}: {rows:,} rows read, {written:,} imported, {len(problems):,} refused")
    for p in problems[:20]:
        reasons = "; ".join(f"{e.field}: {e.reason}" for e in p.errors)
        err_console.print(f"  row {p.row}: {reasons}")
    if len(problems) > 20:
        err_console.print(f"  ... and {len(problems) - 20:,} more (rtcc deadletter list)")


@import_app.command("calls")
def import_calls_cmd(
    file: Annotated[Path, typer.Argument(help="CSV or JSON Lines export.", exists=True)],
    mapping: MappingOpt,
    agency: AgencyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import calls for service through a column mapping (call id, times, type, priority, place, unit)."""
    spec = read_mapping(load_calls_mapping, mapping)
    db = open_database(load_settings())
    agency_id = _agency(db, agency)
    result = import_calls(file, spec, agency_id)
    store = CadStore(db)
    written = 0
    with Progress(console=err_console, disable=as_json) as progress:
        task = progress.add_task("importing calls", total=len(result.incidents))
        for i in range(0, len(result.incidents), 1000):
            part = result.incidents[i : i + 1000]
            written += store.save(part, "import")
            progress.advance(task, len(part))
    _keep_problems(db, "import:calls", result.problems)
    _report("calls", result.rows, written, result.problems, as_json)


@import_app.command("records")
def import_records_cmd(
    kind: Annotated[
        str,
        typer.Argument(
            help="persons, addresses, residences, history, warrants, protective_orders, cautions or links."
        ),
    ],
    file: Annotated[Path, typer.Argument(help="CSV or JSON Lines export.", exists=True)],
    mapping: MappingOpt,
    agency: AgencyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import records behind the threat brief through a column mapping."""
    spec = read_mapping(lambda path: load_records_mapping(path, kind), mapping)
    db = open_database(load_settings())
    agency_id = _agency(db, agency)
    result = import_records(file, spec, kind, agency_id)
    written = RecordsStore(db).upsert(kind, agency_id, result.records)
    _keep_problems(db, f"import:{kind}", result.problems)
    _report(kind, result.rows, written, result.problems, as_json)


@import_app.command("hotlist")
def import_hotlist_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or JSON Lines: plate, state, reason, source, entered, expires.", exists=True
        ),
    ],
    list_name: Annotated[str, typer.Option("--list", help="The list these entries belong to.")] = "imported",
    replace: Annotated[bool, typer.Option(help="Entries of the list not in the file stop matching.")] = False,
    agency: AgencyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Load hotlist entries (NCIC stolen vehicles, Amber alerts, agency BOLOs) for the agency."""
    db = open_database(load_settings())
    agency_id = _agency(db, agency)
    now = datetime.now(UTC)
    result = read_hotlist(file, now=now)
    store = Hotlists(db)
    if replace:
        written, removed = store.replace_list(
            agency_id, list_name, result.records, added_by="command line", at=now
        )
    else:
        written, removed = (
            store.upsert(agency_id, result.records, added_by="command line", list_name=list_name, at=now),
            0,
        )
    _keep_problems(db, "import:hotlist", result.problems)
    _report("hotlist", result.rows, written, result.problems, as_json)
    if removed and not as_json:
        console.print(f"{removed:,} entries no longer in the file stop matching")


def response_times_cmd(
    by: Annotated[str | None, typer.Option(help="Group by priority or type.")] = None,
    since: Annotated[datetime | None, typer.Option(help="Calls received at or after (UTC).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Calls received before (UTC).")] = None,
    agency: AgencyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Received to dispatched, dispatched to on scene, received to on scene (first unit on scene):
    count, median and 90th percentile."""
    if by not in (None, "priority", "type"):
        err_console.print("[red]--by: priority or type[/red]")
        raise typer.Exit(2)
    db = open_database(load_settings())
    agency_id = _agency(db, agency)
    since = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    until = until.replace(tzinfo=UTC) if until and until.tzinfo is None else until
    groups = response_times(
        CadStore(db).call_times(
            agency_id, since=since, until=until, by=cast(Literal["priority", "type"] | None, by)
        )
    )
    if as_json:
        print_json(
            [
                {
                    "group": g.group,
                    "calls": g.calls,
                    "intervals": {
                        i.interval: {"count": i.count, "median_s": i.median_s, "p90_s": i.p90_s}
                        for i in g.intervals
                    },
                }
                for g in groups
            ]
        )
        return
    table = Table(title=f"response times{' by ' + by if by else ''}")
    table.add_column(by or "calls")
    table.add_column("calls", justify="right")
    for name in ("received to dispatched", "dispatched to on scene", "received to on scene"):
        table.add_column(f"{name}\nn / median / p90", justify="right")
    for g in groups:
        cells = [
            f"{i.count:,} / {_mmss(i.median_s)} / {_mmss(i.p90_s)}" if i.count else "-" for i in g.intervals
        ]
        table.add_row(g.group, f"{g.calls:,}", *cells)
    console.print(table)


def _mmss(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


@eido_app.command("export")
def eido_export(
    call_id: str,
    agency: AgencyOpt = None,
) -> None:
    """Print a call as a NENA EIDO document."""
    db = open_database(load_settings())
    agency_id = _agency(db, agency)
    incident = CadStore(db).get(agency_id, call_id)
    if incident is None:
        err_console.print(f"[red]no call {call_id!r}[/red]")
        raise typer.Exit(1)
    print_json(to_eido(incident, issuing_element=f"openrtcc:{agency_id}", agency_name=agency_id))


@eido_app.command("import")
def eido_import(
    file: Annotated[Path, typer.Argument(help="EIDO JSON document.", exists=True)],
    agency: AgencyOpt = None,
) -> None:
    """Take the incidents of an EIDO document into the agency's calls."""
    try:
        incidents = from_eido(orjson.loads(file.read_bytes()), agency_id="-")
    except orjson.JSONDecodeError as exc:
        err_console.print(f"[red]{file}[/red]: not JSON: {exc}")
        raise typer.Exit(2) from None
    except EidoError as exc:
        for e in exc.errors:
            err_console.print(f"[red]{file}[/red] {e.field}: {e.reason}")
        raise typer.Exit(2) from None
    db = open_database(load_settings())
    agency_id = _agency(db, agency)
    incidents = [i.model_copy(update={"agency_id": agency_id}) for i in incidents]
    CadStore(db).save(incidents, "eido")
    console.print(f"imported {len(incidents)} incident(s): {', '.join(i.call_id for i in incidents)}")

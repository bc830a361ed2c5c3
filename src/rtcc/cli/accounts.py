"""`rtcc migrate`, `rtcc agency create`, `rtcc user create|unlock`, `rtcc audit verify`."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from rtcc.cli.common import console, err_console, load_settings, open_database
from rtcc.domain.passwords import password_problem
from rtcc.domain.roles import Role
from rtcc.storage.accounts import Accounts
from rtcc.storage.audit import AuditLog

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
agency_app = typer.Typer(help="Agencies sharing this installation.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)


def migrate() -> None:
    """Create or upgrade the database schema."""
    settings = load_settings()
    open_database(settings, migrate=True)
    console.print("database is at the latest schema")


@agency_app.command("create")
def agency_create(
    name: Annotated[str, typer.Argument(help="Agency name.")],
    ori: Annotated[str | None, typer.Option(help="NCIC originating agency identifier.")] = None,
) -> None:
    """Create an agency."""
    accounts = Accounts(open_database(load_settings()))
    agency = accounts.create_agency(name, ori=ori)
    console.print(f"agency {agency.name}: {agency.id}")


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[Role, typer.Option(help="Role: what the user may do.")],
    agency: Annotated[str | None, typer.Option(help="Agency id (default: the only agency).")] = None,
    password: Annotated[
        str | None,
        typer.Option(envvar="RTCC_NEW_PASSWORD", help="Password; generated and printed when absent."),
    ] = None,
) -> None:
    """Create a user. Without --password, a random one is generated and printed once."""
    accounts = Accounts(open_database(load_settings()))
    agencies = accounts.list_agencies()
    agency_id = agency or (agencies[0].id if len(agencies) == 1 else None)
    if agency_id is None:
        err_console.print("[red]name the agency with --agency (`rtcc agency create` makes one)[/red]")
        raise typer.Exit(1)
    if accounts.get_user(username):
        err_console.print(f"[red]user {username!r} exists[/red]")
        raise typer.Exit(1)
    problem = password_problem(password, username) if password is not None else None
    if problem is not None:
        err_console.print(f"[red]password: {problem}[/red]")
        raise typer.Exit(2)
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    accounts.create_user(agency_id, username, password, role)
    console.print(f"user {username} ({role.value})" + (f", password: {password}" if generated else ""))


@user_app.command("unlock")
def user_unlock(username: Annotated[str, typer.Argument(help="The locked account.")]) -> None:
    """Unlock an account locked after repeated failed sign-ins."""
    db = open_database(load_settings())
    if not Accounts(db).unlock(username):
        err_console.print(f"[red]{username!r} is not locked (or does not exist)[/red]")
        raise typer.Exit(1)
    AuditLog(db).record(
        action="account.unlock",
        resource=f"user/{username}",
        outcome="success",
        username=None,
        detail={"by": "command line", "unlocked": username},
    )
    console.print(f"{username} unlocked")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; name every altered, removed or inserted entry."""
    db = open_database(load_settings())
    log = AuditLog(db)
    report = log.verify()
    # Reading the audit is itself audited.
    log.record(
        action="audit.verify",
        resource="audit_log",
        outcome="intact" if report.intact else "broken",
        detail={"checked": report.checked, "problems": len(report.problems), "by": "command line"},
    )
    if report.intact:
        console.print(f"audit log intact: {report.checked:,} entries, last hash {report.last_hash}")
        return
    for problem in report.problems:
        console.print(f"[red]{problem}[/red]", soft_wrap=True)
    console.print(f"{len(report.problems)} problem(s) in {report.checked:,} entries")
    raise typer.Exit(1)

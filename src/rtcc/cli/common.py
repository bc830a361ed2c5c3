"""Shared pieces of the command line: settings, the database, and printing."""

from __future__ import annotations

import sys
from typing import Any

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console

from rtcc.config import Settings
from rtcc.storage.db import Database

console = Console()
err_console = Console(stderr=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            field = ".".join(str(p) for p in e["loc"]) or "settings"
            err_console.print(f"[red]configuration error[/red] {field}: {e['msg']}")
        raise typer.Exit(2) from None


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    db = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    if migrate:
        db.migrate()
    return db


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")

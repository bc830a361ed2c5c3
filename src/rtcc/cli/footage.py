"""`rtcc footage`: exported clips and their chain of custody."""

from __future__ import annotations

import typer

footage_app = typer.Typer(
    help="Exported video clips: list them and verify their hashes.", no_args_is_help=True
)

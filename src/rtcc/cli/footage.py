"""`rtcc footage`: exported clips and their chain of custody."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from rtcc.cli.common import console, err_console, load_settings, open_database, print_json
from rtcc.storage.footage import Footage
from rtcc.storage.mail import data_folder
from rtcc.video.clips import file_sha256

footage_app = typer.Typer(
    help="Exported video clips: list them and verify their hashes.", no_args_is_help=True
)


@footage_app.command("list")
def list_clips(
    agency: Annotated[str | None, typer.Option(help="Only this agency's clips.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Exported clips, newest first: camera, window, case, who exported them, hash and size."""
    clips = Footage(open_database(load_settings())).clips(agency)
    if as_json:
        print_json([{f: getattr(c, f) for f in c.__slots__} for c in clips])
        return
    table = Table("clip", "camera", "from", "to", "case", "exported by", "at", "sha256", "bytes")
    for c in clips:
        table.add_row(
            c.id,
            c.camera_id,
            f"{c.clip_start:%Y-%m-%d %H:%M:%S}",
            f"{c.clip_end:%H:%M:%S}",
            c.case_number,
            c.exported_by_name,
            f"{c.exported_at:%Y-%m-%d %H:%M}",
            c.sha256[:16] + "…",
            str(c.size_bytes),
        )
    console.print(table)


@footage_app.command("verify")
def verify(clip_id: Annotated[str, typer.Argument(help="The clip's id (from `rtcc footage list`).")]) -> None:
    """Recompute the clip's SHA-256 and compare it with the one recorded at export. The check is added to
    the clip's chain of custody. Exits 1 when the file no longer matches (or is missing)."""
    settings = load_settings()
    store = Footage(open_database(settings))
    clip = store.clip(clip_id)
    if clip is None:
        err_console.print(f"[red]no exported clip {clip_id!r}[/red]")
        raise typer.Exit(2)
    path = data_folder(settings) / "clips" / clip.file_name
    actual = file_sha256(path) if path.is_file() else "missing"
    matched = actual == clip.sha256
    store.append_custody(
        clip_id,
        action="verified",
        at=datetime.now(UTC),
        username=f"cli:{getpass.getuser()}",
        sha256=actual,
        hash_matched=matched,
    )
    if matched:
        console.print(f"match: {clip_id} {path} sha256 {actual}", soft_wrap=True)
        return
    console.print(
        f"[red]MISMATCH[/red]: {clip_id} {path} was exported with sha256 {clip.sha256}, "
        + ("the file is missing" if actual == "missing" else f"the file now hashes to {actual}"),
        soft_wrap=True,
    )
    raise typer.Exit(1)

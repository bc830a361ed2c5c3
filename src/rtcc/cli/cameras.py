"""`rtcc import cameras FILE --mapping MAP.yaml` and `rtcc cameras near LAT LON`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rtcc.cli.calls import AgencyOpt, MappingOpt, _agency, _keep_problems, _report, read_mapping
from rtcc.cli.common import console, load_settings, open_database, print_json
from rtcc.engines.camera_sight import cameras_that_see
from rtcc.ingest.cameras_import import import_cameras, load_cameras_mapping
from rtcc.storage.live_state import SqlLiveState

cameras_app = typer.Typer(help="Cameras.", no_args_is_help=True)


def import_cameras_cmd(
    file: Annotated[Path, typer.Argument(help="CSV, JSON, GeoJSON or JSON Lines registry.", exists=True)],
    mapping: MappingOpt,
    agency: AgencyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import a camera registry through a column mapping."""
    spec = read_mapping(load_cameras_mapping, mapping)
    db = open_database(load_settings())
    agency_id = _agency(db, agency)
    result = import_cameras(file, spec, agency_id)
    written = SqlLiveState(db).register("camera", result.cameras)
    _keep_problems(db, "import:cameras", result.problems)
    _report("cameras", result.rows, written, result.problems, as_json)


@cameras_app.command("near", context_settings={"ignore_unknown_options": True})
def near(
    lat: Annotated[float, typer.Argument(min=-90, max=90)],
    lon: Annotated[float, typer.Argument(min=-180, max=180)],
    radius: Annotated[float, typer.Option(help="Search radius (metres).", min=1, max=5000)] = 300.0,
    agency: AgencyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The cameras that can see a place: in view first, with pan and tilt for PTZ cameras."""
    db = open_database(load_settings())
    agency_id = _agency(db, agency)
    sights = cameras_that_see(SqlLiveState(db).cameras_near(agency_id, lat, lon, radius), lat, lon, radius)
    rows = [
        {
            "camera_id": s.camera.id,
            "name": s.camera.name,
            "kind": s.camera.kind.value,
            "status": s.camera.status.value,
            "distance_m": s.distance_m,
            "bearing_deg": s.bearing_deg,
            "view": s.view,
            "ptz": s.camera.ptz,
            "pan_deg": s.pan_deg,
            "tilt_deg": s.tilt_deg,
        }
        for s in sights
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"cameras within {radius:.0f} m of {lat:.5f}, {lon:.5f}")
    for col in ("camera", "kind", "status", "distance m", "view", "pan / tilt"):
        table.add_column(col)
    for r in rows:
        pan = f"{r['pan_deg']} / {r['tilt_deg']}" if r["pan_deg"] is not None else ""
        table.add_row(
            str(r["name"]), str(r["kind"]), str(r["status"]), f"{r['distance_m']:.0f}", str(r["view"]), pan
        )
    console.print(table)

"""`rtcc import cameras FILE --mapping MAP.yaml`, `rtcc cameras near LAT LON`, `rtcc cameras credentials
set|clear CAMERA_ID` and `rtcc cameras onvif HOST[:PORT]`."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from rtcc.cli.calls import AgencyOpt, MappingOpt, _agency, _keep_problems, _report, read_mapping
from rtcc.cli.common import console, err_console, load_settings, open_database, print_json
from rtcc.engines.camera_index import CameraIndex, CameraPlace
from rtcc.ingest.cameras_import import import_cameras, load_cameras_mapping
from rtcc.ingest.onvif import OnvifDevice, OnvifFailed, read_device, registry_entry
from rtcc.storage.audit import AuditLog
from rtcc.storage.camera_credentials import CameraCredentials, Credential
from rtcc.storage.db import Database
from rtcc.storage.live_state import SqlLiveState

cameras_app = typer.Typer(help="Cameras.", no_args_is_help=True)
credentials_app = typer.Typer(
    help="The login the server uses to reach a camera (stored sealed, never shown).", no_args_is_help=True
)
cameras_app.add_typer(credentials_app, name="credentials")


def import_cameras_cmd(
    file: Annotated[Path, typer.Argument(help="CSV, JSON, GeoJSON or JSON Lines registry.", exists=True)],
    mapping: MappingOpt,
    agency: AgencyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import a camera registry through a column mapping."""
    spec = read_mapping(load_cameras_mapping, mapping)
    settings = load_settings()
    db = open_database(settings)
    agency_id = _agency(db, agency)
    result = import_cameras(file, spec, agency_id)
    written = SqlLiveState(db).register("camera", result.cameras)
    store = CameraCredentials(db, settings.secret_key)
    for camera_id, (username, password) in result.logins.items():
        store.save(camera_id, agency_id, Credential(username, password), by="import")
    if result.logins:
        _audit_credentials(db, agency_id, sorted(result.logins), "set", "import")
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
    # A one-off question: the database's own index finds the cameras in a box around the place, and the
    # camera index (the one the server keeps of the whole registry) decides which of them see it, and how.
    nearby = {c.id: c for c in SqlLiveState(db).cameras_near(agency_id, lat, lon, radius)}
    sights = CameraIndex(CameraPlace.of(c) for c in nearby.values()).sights(lat, lon, radius)
    rows = [
        {
            "camera_id": s.camera_id,
            "name": nearby[s.camera_id].name,
            "kind": nearby[s.camera_id].kind.value,
            "status": s.status,
            "distance_m": s.distance_m,
            "bearing_deg": s.bearing_deg,
            "view": s.view,
            "ptz": nearby[s.camera_id].ptz,
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


def _audit_credentials(db: Database, agency_id: str, camera_ids: list[str], change: str, how: str) -> None:
    # Which cameras and what was done; never the user name or password.
    for camera_id in camera_ids:
        AuditLog(db).record(
            action="camera.credentials",
            resource=f"camera/{camera_id}",
            outcome="success",
            agency_id=agency_id,
            detail={"camera_id": camera_id, "change": change, "by": how},
        )


def _read_password() -> str:
    """From standard input when it is not a terminal (a pipe, a secrets manager), else prompted twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@credentials_app.command("set")
def credentials_set(
    camera_id: Annotated[str, typer.Argument(help="The camera's id in the registry.")],
    username: Annotated[str, typer.Option("--username", help="The camera's user name.")],
) -> None:
    """Store the login for a camera, sealed. The password is read from standard input or prompted."""
    settings = load_settings()
    db = open_database(settings)
    camera = SqlLiveState(db).camera(camera_id)
    if camera is None:
        err_console.print(f"[red]no camera {camera_id!r}[/red]")
        raise typer.Exit(1)
    password = _read_password()
    CameraCredentials(db, settings.secret_key).save(
        camera.id, camera.agency_id, Credential(username, password), by="command line"
    )
    _audit_credentials(db, camera.agency_id, [camera.id], "set", "command line")
    console.print(f"credentials stored for {camera.id}")


@credentials_app.command("clear")
def credentials_clear(
    camera_id: Annotated[str, typer.Argument(help="The camera's id in the registry.")],
) -> None:
    """Forget a camera's stored login."""
    settings = load_settings()
    db = open_database(settings)
    camera = SqlLiveState(db).camera(camera_id)
    if camera is None or not CameraCredentials(db, settings.secret_key).clear(camera_id):
        err_console.print(f"[red]no credentials stored for {camera_id!r}[/red]")
        raise typer.Exit(1)
    _audit_credentials(db, camera.agency_id, [camera.id], "cleared", "command line")
    console.print(f"credentials cleared for {camera.id}")


def _host_port(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        return address, 80
    return host.strip("[]"), int(port)


def _described(device: OnvifDevice) -> dict[str, Any]:
    found = dataclasses.asdict(device)
    found.pop("address_login", None)  # a login is never printed
    found["has_ptz"] = device.has_ptz
    return found


@cameras_app.command("onvif")
def onvif(
    address: Annotated[str, typer.Argument(help="The device: HOST or HOST:PORT (port 80 if not given).")],
    username: Annotated[str, typer.Option("--username", help="The device's user name.")],
    camera_id: Annotated[
        str | None, typer.Option("--camera-id", help="The camera's id in the registry.")
    ] = None,
    profile: Annotated[str | None, typer.Option(help="Media profile token (default: the largest).")] = None,
    register: Annotated[bool, typer.Option("--register", help="Write it to the registry.")] = False,
    lat: Annotated[float | None, typer.Option(min=-90, max=90, help="Latitude of a new camera.")] = None,
    lon: Annotated[float | None, typer.Option(min=-180, max=180, help="Longitude of a new camera.")] = None,
    name: Annotated[str | None, typer.Option(help="Name shown to operators.")] = None,
    kind: Annotated[str, typer.Option(help="Kind of a new camera.")] = "city_cctv",
    agency: AgencyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Read an ONVIF camera's profiles, stream and snapshot addresses and PTZ abilities; with --register,
    make (or update) its registry entry and keep its login sealed. The password is read from standard
    input or prompted."""
    if register and not camera_id:
        err_console.print("[red]--register needs --camera-id[/red]")
        raise typer.Exit(2)
    host, port = _host_port(address)
    password = _read_password()
    try:
        device = asyncio.run(read_device(host, port, username, password))
    except OnvifFailed as exc:
        err_console.print(f"[red]{address}: {exc}[/red]")
        raise typer.Exit(1) from None
    out: dict[str, Any] = {"device": _described(device)}
    if camera_id:
        settings = load_settings()
        db = open_database(settings)
        live = SqlLiveState(db)
        existing = live.camera(camera_id)
        agency_id = existing.agency_id if existing is not None else _agency(db, agency)
        try:
            row = registry_entry(
                device,
                camera_id=camera_id,
                agency_id=agency_id,
                profile_token=profile,
                existing=existing.model_dump(mode="python") if existing is not None else None,
                name=name,
                lat=lat,
                lon=lon,
                kind=kind,
            )
        except OnvifFailed as exc:
            err_console.print(f"[red]{camera_id}: {exc}[/red]")
            raise typer.Exit(1) from None
        if register:
            live.register("camera", [{**row, "kind": str(row["kind"]), "status": str(row["status"])}])
            CameraCredentials(db, settings.secret_key).save(
                camera_id, agency_id, Credential(username, password), by="onvif"
            )
            _audit_credentials(db, agency_id, [camera_id], "set", "onvif")
        out["entry"] = {k: (str(v) if k in ("kind", "status") else v) for k, v in row.items()}
        out["registered"] = register
    if as_json:
        print_json(out)
        return
    table = Table(title=f"{device.manufacturer or ''} {device.model or ''} at {host}:{port}".strip())
    for col in ("profile", "resolution", "stream", "snapshot"):
        table.add_column(col)
    for p in device.profiles:
        size = f"{p.width}x{p.height}" if p.width and p.height else ""
        table.add_row(f"{p.name} ({p.token})", size, p.stream_url or "", p.snapshot_url or "")
    console.print(table)
    if device.ptz is not None:
        ranges = ", ".join(
            f"{axis} {r.min:g} to {r.max:g}"
            for axis, r in (("pan", device.ptz.pan), ("tilt", device.ptz.tilt), ("zoom", device.ptz.zoom))
            if r is not None
        )
        console.print(f"PTZ: {ranges}; {device.ptz.presets or 0} presets")
    else:
        console.print("no PTZ")
    if camera_id:
        console.print(f"{camera_id}: {'registered' if register else 'not registered (add --register)'}")

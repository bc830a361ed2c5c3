"""`rtcc gunshot locate FILE` (offline, for evidence) and `rtcc report alerts` (outcomes and precision)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, cast

import orjson
import typer
from rich.table import Table

from rtcc.cli.common import console, err_console, load_settings, open_database, print_json
from rtcc.domain.outcomes import Period, precision_by_period
from rtcc.engines.gunshot.association import AssociationConfig
from rtcc.engines.gunshot.locate import SensorPulse, group_incidents, locate, shot_json
from rtcc.storage.accounts import Accounts
from rtcc.storage.live_state import SqlLiveState

gunshot_app = typer.Typer(help="Gunshot location.", no_args_is_help=True)
report_app = typer.Typer(help="Reports.", no_args_is_help=True)


class InputError(ValueError):
    pass


def _arrival_ns(value: Any, where: str) -> int:
    """ISO-8601 UTC text (to the nanosecond) or epoch seconds."""
    if isinstance(value, bool) or value is None:
        raise InputError(f"{where}.time: required (ISO-8601 UTC or epoch seconds)")
    if isinstance(value, int | float):
        return round(float(value) * 1e9) if isinstance(value, float) else int(value) * 1_000_000_000
    if not isinstance(value, str):
        raise InputError(f"{where}.time: expected text or a number, got {type(value).__name__}")
    text = value.strip().replace("Z", "+00:00")
    fraction = ""
    if "." in text:  # datetime keeps microseconds only: carry the nanoseconds separately
        head, rest = text.split(".", 1)
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        tail = rest[len(digits) :]
        fraction, text = digits, head + tail
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{where}.time: not an ISO-8601 time: {value!r}") from None
    if when.tzinfo is None:
        raise InputError(f"{where}.time: no UTC offset in {value!r}")
    seconds = int(when.astimezone(UTC).timestamp())
    return seconds * 1_000_000_000 + int((fraction + "000000000")[:9])


def read_document(data: bytes) -> Any:
    """The locate document, or JSON Lines of acoustic pulse messages (what `rtcc sensor listen --json`
    prints: sensor_id, t_ns, lat, lon, elevation_m, temperature_c), turned into one."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        lines = [line for line in data.splitlines() if line.strip()]
        if len(lines) < 2:
            raise
    pulses, temperatures = [], []
    for n, line in enumerate(lines, start=1):
        try:
            msg = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"line {n}: not valid JSON: {exc}") from None
        if not isinstance(msg, dict) or "t_ns" not in msg or "sensor_id" not in msg:
            raise InputError(f"line {n}: expected a pulse message with sensor_id and t_ns")
        if msg.get("temperature_c") is not None:
            temperatures.append(float(msg["temperature_c"]))
        position = {"lat": msg.get("lat"), "lon": msg.get("lon"), "elevation_m": msg.get("elevation_m")}
        pulses.append(
            {
                "id": msg.get("id") or f"line-{n}",
                "sensor_id": msg["sensor_id"],
                "time_ns": msg["t_ns"],
                "position": position,
            }
        )
    temperature = sorted(temperatures)[len(temperatures) // 2] if temperatures else None
    return {"temperature_c": temperature, "pulses": pulses}


def read_pulses(doc: Any) -> tuple[list[SensorPulse], float | None, bool]:
    """Pulses of a locate input document, the temperature, and whether positions are lat/lon."""
    if not isinstance(doc, dict) or not isinstance(doc.get("pulses"), list):
        raise InputError('expected an object with a "pulses" array')
    temperature = doc.get("temperature_c")
    if temperature is not None and not isinstance(temperature, int | float):
        raise InputError("temperature_c: expected a number")
    pulses: list[SensorPulse] = []
    frames = set()
    for i, item in enumerate(doc["pulses"]):
        where = f"pulses[{i}]"
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected an object")
        for key in ("id", "sensor_id", "position"):
            if key not in item:
                raise InputError(f"{where}.{key}: required")
        pos = item["position"]
        t_ns = (
            int(item["time_ns"])
            if isinstance(item.get("time_ns"), int)
            else _arrival_ns(item.get("time"), where)
        )
        if isinstance(pos, dict) and {"x", "y"} <= pos.keys():
            frames.add("xyz")
            xyz = (float(pos["x"]), float(pos["y"]), float(pos.get("z", 0.0)))
            pulses.append(SensorPulse(str(item["id"]), str(item["sensor_id"]), t_ns, xyz=xyz))
        elif isinstance(pos, dict) and {"lat", "lon"} <= pos.keys():
            frames.add("geo")
            lat, lon = float(pos["lat"]), float(pos["lon"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise InputError(f"{where}.position: latitude/longitude out of range")
            elev = pos.get("elevation_m")
            pulses.append(
                SensorPulse(
                    str(item["id"]),
                    str(item["sensor_id"]),
                    t_ns,
                    lat,
                    lon,
                    float(elev) if elev is not None else None,
                )
            )
        else:
            raise InputError(f'{where}.position: expected {{"x","y","z"}} or {{"lat","lon","elevation_m"}}')
    if len(frames) > 1:
        raise InputError("pulses mix x/y/z and lat/lon positions: use one frame")
    return pulses, (float(temperature) if temperature is not None else None), frames != {"xyz"}


@gunshot_app.command("locate")
def locate_command(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="JSON {temperature_c?, pulses: [...]}, or the JSON Lines `rtcc sensor listen --json` prints.",
        ),
    ],
    incidents: Annotated[
        bool, typer.Option(help="Also print one line per incident (rounds at one place).")
    ] = False,
    min_sensors: Annotated[
        int,
        typer.Option(
            min=4, help="Sensors that must agree on a shot (live: 5; 4 for a small array, with care)."
        ),
    ] = 5,
    fit_threshold_ms: Annotated[
        float,
        typer.Option(
            min=1.0,
            max=20.0,
            help="Largest residual of a direct arrival; raise it for arrays with rougher timing.",
        ),
    ] = 3.0,
) -> None:
    """Group pulses into shots and locate them; print one JSON object per located shot, in firing order."""
    try:
        doc = read_document(file.read_bytes())
        pulses, temperature, geodetic = read_pulses(doc)
    except (orjson.JSONDecodeError, InputError, ValueError) as exc:
        err_console.print(f"[red]{file}: {exc}[/red]")
        raise typer.Exit(2) from None
    config = AssociationConfig(min_sensors=min_sensors, fit_threshold_s=fit_threshold_ms / 1000)
    shots, unexplained = locate(pulses, temperature_c=temperature, config=config)
    for shot in shots:
        sys.stdout.write(orjson.dumps(shot_json(shot, geodetic)).decode() + "\n")
    if incidents:
        for inc in group_incidents(shots):
            line = {
                "incident": True,
                "rounds": inc.rounds,
                "classification": inc.classification,
                "first_shot": inc.shots[0].time.isoformat(),
                # Sensor health found while locating: a clock off, named with the offset removed.
                "clock_offsets": {k: v for s in inc.shots for k, v in s.clock_offsets.items()},
            }
            sys.stdout.write(orjson.dumps(line).decode() + "\n")
    err_console.print(
        f"{len(shots)} shots located from {len(pulses)} pulses; {len(unexplained)} pulses explained by no shot"
    )


@report_app.command("alerts")
def report_alerts(
    kind: Annotated[
        str | None, typer.Option(help="Alert kind, e.g. gunshot (all kinds when absent).")
    ] = None,
    period: Annotated[str, typer.Option(help="day, week or month.")] = "month",
    agency: Annotated[str | None, typer.Option(help="Agency id (default: the only agency).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Alerts per period: how many had an outcome recorded, how many were confirmed, and the precision."""
    if period not in ("day", "week", "month"):
        err_console.print("[red]--period: day, week or month[/red]")
        raise typer.Exit(2)
    db = open_database(load_settings())
    agencies = Accounts(db).list_agencies()
    agency_id = agency or (agencies[0].id if len(agencies) == 1 else None)
    if agency_id is None:
        err_console.print("[red]name the agency with --agency[/red]")
        raise typer.Exit(1)
    rows = SqlLiveState(db).alert_outcomes(agency_id=agency_id, kind=kind)
    lines = precision_by_period(
        ((raised_at, outcome) for _, raised_at, outcome in rows), cast(Period, period)
    )
    if as_json:
        print_json([line.model_dump() for line in lines])
        return
    table = Table(title=f"{kind or 'all'} alerts by {period}")
    for col in ("period", "alerts", "with outcome", "confirmed", "precision", "outcomes"):
        table.add_column(col, justify="left" if col in ("period", "outcomes") else "right")
    for line in lines:
        precision = f"{line.precision:.1%}" if line.precision is not None else "-"
        outcomes = ", ".join(f"{k} {v}" for k, v in line.outcomes.items())
        table.add_row(
            line.period, str(line.alerts), str(line.with_outcome), str(line.confirmed), precision, outcomes
        )
    console.print(table)

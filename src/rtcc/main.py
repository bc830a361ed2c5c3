"""The `rtcc` command: operational commands plus `serve` and `demo`, which need the whole wiring."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from rtcc import demo
from rtcc.app import create_app
from rtcc.cli import accounts, calls, cameras, feeds, footage, gunshot, retention, sensor, simulate
from rtcc.cli.common import load_settings
from rtcc.logs import configure_logging

cli = typer.Typer(
    name="rtcc",
    help="OpenRTCC: an open Real-Time Crime Center hub.",
    no_args_is_help=True,
    add_completion=False,
)
cli.command()(accounts.migrate)
cli.command()(feeds.status)
cli.command()(feeds.replay)
cli.command()(simulate.simulate)
cli.command()(demo.demo)
cli.add_typer(feeds.deadletter_app, name="deadletter")
cli.add_typer(feeds.source_app, name="source")
cli.add_typer(accounts.agency_app, name="agency")
cli.add_typer(accounts.user_app, name="user")
cli.add_typer(accounts.audit_app, name="audit")
cli.add_typer(gunshot.gunshot_app, name="gunshot")
gunshot.report_app.command("response-times")(calls.response_times_cmd)
cli.add_typer(gunshot.report_app, name="report")
calls.import_app.command("cameras")(cameras.import_cameras_cmd)
cli.add_typer(calls.import_app, name="import")
cli.add_typer(cameras.cameras_app, name="cameras")
cli.add_typer(calls.eido_app, name="eido")
cli.add_typer(sensor.sensor_app, name="sensor")
cli.add_typer(retention.retention_app, name="retention")
cli.add_typer(footage.footage_app, name="footage")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default RTCC_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default RTCC_PORT).")] = None,
) -> None:
    """Run the server: API, WebSocket, ingest and engines."""
    settings = load_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
        access_log=False,
    )


def run() -> None:
    configure_logging()
    cli()

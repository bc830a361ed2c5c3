"""`rtcc demo`: the whole hub on one machine, fed by the simulated city, ready to try in a browser."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import httpx
import structlog
import typer
import uvicorn
from fastapi import APIRouter, Response

from rtcc.api.parts.drones import DispatchOrder, follow_dispatches
from rtcc.app import create_app
from rtcc.cli.city import (
    DriveStats,
    drive,
    ensure_agency,
    ensure_sources,
    live_start,
    load_city_hotlist,
    load_city_records,
    register_city,
)
from rtcc.cli.common import console, err_console, load_settings, open_database
from rtcc.config import Mode, Settings
from rtcc.domain.roles import Role
from rtcc.sim import CitySimulator
from rtcc.sim.drones import MAX_FLIGHT_S, MODEL
from rtcc.sim.pictures import camera_picture
from rtcc.storage.accounts import Accounts
from rtcc.storage.flights import Dock, DroneStore
from rtcc.storage.hotlists import Hotlists
from rtcc.storage.live_state import SqlLiveState
from rtcc.storage.positions import Positions
from rtcc.storage.records import RecordsStore

log = structlog.get_logger(__name__)

WARM_UP_S = 45 * 60  # the simulated city fires its first shots within this long
RECORD_HOUSEHOLDS = 3000  # the fictional records: households with their people, history and links
DEMO_USERS = (
    ("admin", Role.ADMIN),
    ("operator", Role.OPERATOR),
    ("officer", Role.OFFICER),
    ("analyst", Role.ANALYST),
)
DEMO_POSITIONS = (
    ("Desk 1", "Operator desk"),
    ("Desk 2", "Operator desk"),
    ("Supervisor", "The watch supervisor's desk"),
)


PICTURES_PATH = "/demo/cameras"


def pictures_base(settings: Settings) -> str:
    """Where the demo serves its cameras' simulated pictures; the server fetches them like any camera's."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104
    return f"http://{host}:{settings.port}{PICTURES_PATH}"


def pictures_router(sim: CitySimulator) -> APIRouter:
    """The simulated city's cameras answer for a snapshot the way a real camera's snapshot address does."""
    router = APIRouter(include_in_schema=False)
    known = {c.id: c for c in sim.registry().cameras}

    @router.get(PICTURES_PATH + "/{camera_id}.png")
    async def picture(camera_id: str) -> Response:
        cam = known.get(camera_id)
        if cam is None:
            return Response(status_code=404)
        png = await asyncio.to_thread(
            camera_picture, cam.id, cam.name, cam.kind.value, cam.heading_deg, datetime.now(UTC)
        )
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    return router


def prepare(
    settings: Settings, seed: int, scale: float
) -> tuple[CitySimulator, dict[str, str], dict[str, str]]:
    """Migrate, seed the demo agency, its users (new one-time passwords), its feeds (new keys) and its
    operator positions."""
    db = open_database(settings)
    accounts = Accounts(db)
    agency_id = ensure_agency(accounts)
    passwords = {}
    for username, role in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        if accounts.get_user(username) is None:
            accounts.create_user(agency_id, username, password, role)
        else:
            accounts.set_password(username, password)
        passwords[username] = password
    keys = {feed: key for feed, (_, key) in ensure_sources(accounts, agency_id, rotate=True).items() if key}
    Positions(db).ensure(agency_id, DEMO_POSITIONS, datetime.now(UTC))
    # The city has been running for a while: the first moments replay its recent past, so the picture is
    # full (open calls, units on patrol) from the first screen.
    start = live_start(settings.sim_speed, None) - timedelta(seconds=WARM_UP_S)
    sim = CitySimulator(seed=seed, start=start, scale=scale)
    register_city(SqlLiveState(db), sim, agency_id, snapshot_base=pictures_base(settings))
    register_drones(DroneStore(db), sim, agency_id)
    load_city_hotlist(Hotlists(db), sim, agency_id, start)
    load_city_records(
        RecordsStore(db),
        sim,
        agency_id,
        seed=seed,
        today=start.date(),
        households=max(200, round(RECORD_HOUSEHOLDS * scale)),
    )
    db.dispose()
    return sim, passwords, keys


def register_drones(store: DroneStore, sim: CitySimulator, agency_id: str) -> None:
    """The simulated docks and drones, so the incident workspace can send them."""
    now = datetime.now(UTC)
    for dock in sim.registry().docks:
        store.save_dock(Dock(dock.id, agency_id, dock.name, dock.lat, dock.lon, 1), "demo", now)
    for drone in sim.registry().drones:
        store.register(
            agency_id,
            drone.id,
            dock_id=drone.dock_id,
            model=MODEL,
            max_flight_s=MAX_FLIGHT_S,
            stream_url=None,
            camera_id=drone.camera_id,
            by="demo",
            at=now,
        )


async def serve_with_city(
    settings: Settings, sim: CitySimulator, keys: dict[str, str], on_ready: Any
) -> None:
    app = create_app(settings)
    app.include_router(pictures_router(sim))
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning"))
    base = f"http://{settings.host}:{settings.port}"
    stats = DriveStats()

    async def run_city() -> None:
        while not server.started:  # noqa: ASYNC110  (uvicorn exposes only a flag)
            await asyncio.sleep(0.05)
        on_ready()

        def fly(order: DispatchOrder) -> None:  # the simulated drones fly what the center dispatches
            sim.drones.dispatch(order.drone_id, order.lat, order.lon, order.incident_id or order.call_id)

        ctx = app.state.ctx
        orders = asyncio.create_task(follow_dispatches(ctx.bus, ctx.drones.store, fly))
        try:
            await drive_city()
        finally:
            orders.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await orders

    async def drive_city() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:

            async def send(feed: str, items: list[dict[str, Any]]) -> None:
                # The simulator is a feed like any other: it goes through HTTP ingest with its own key.
                try:
                    resp = await client.post("/api/v1/ingest", json=items, headers={"X-API-Key": keys[feed]})
                    if resp.status_code != 200 or resp.json()["rejected"]:
                        log.warning(
                            "simulated_batch_refused",
                            feed=feed,
                            status=resp.status_code,
                            body=resp.text[:300],
                        )
                except httpx.HTTPError as exc:
                    log.warning("simulated_batch_failed", feed=feed, error=str(exc))

            await drive(sim, send, speed=settings.sim_speed, warm_up_s=WARM_UP_S, stats=stats)

    city = asyncio.create_task(run_city())
    try:
        await server.serve()
    finally:
        city.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await city
    console.print("stopped; sent " + ", ".join(f"{f} {n:,}" for f, n in sorted(stats.sent.items())))


def demo(
    seed: Annotated[int | None, typer.Option(help="Simulator seed (default RTCC_SIM_SEED).")] = None,
    scale: Annotated[float | None, typer.Option(help="City size (default RTCC_SIM_SCALE).")] = None,
) -> None:
    """Migrate, seed a fictional city, start the server and the simulator. Ctrl-C stops both."""
    settings = load_settings()
    if settings.mode is not Mode.DEMO:
        err_console.print(
            "[red]rtcc demo runs only with RTCC_MODE=demo (it creates accounts and fictional data)[/red]"
        )
        raise typer.Exit(2)
    sim, passwords, keys = prepare(
        settings, seed if seed is not None else settings.sim_seed, scale or settings.sim_scale
    )

    def banner() -> None:
        console.rule("[bold]OpenRTCC demo")
        console.print(f"Console:  http://{settings.host}:{settings.port}   (API reference at /docs)")
        console.print(f"Database: {settings.database_url}")
        for username, _ in DEMO_USERS:
            console.print(
                f"  sign in as [bold]{username}[/bold] with one-time password [bold]{passwords[username]}[/bold]"
            )
        console.print(
            "Feeds: the simulated city of Columbus, Ohio (OpenStreetMap data, ODbL). `rtcc status` shows them."
        )
        console.print("Press Ctrl-C to stop.")
        console.rule()

    asyncio.run(serve_with_city(settings, sim, keys, banner))

"""The composition root: builds storage, bus, ingest and engines, and wires them into the API.

Everything long-running (outbox relay, engines, the MQTT subscriber) is started and stopped by the
application's lifespan, so the server, the tests and `rtcc demo` share one wiring.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.middleware.gzip import GZipMiddleware

from rtcc import __version__
from rtcc.api.audit import AuditMiddleware
from rtcc.api.context import AppContext
from rtcc.api.parts import camera_health as camera_health_part
from rtcc.api.parts import camera_index as camera_index_part
from rtcc.api.parts import community as community_part
from rtcc.api.parts import drones as drones_part
from rtcc.api.parts import sso as sso_part
from rtcc.api.parts import video as video_part
from rtcc.api.routes import (
    alerts,
    audit,
    auth,
    basemap,
    calls,
    camera_health,
    cameras,
    community,
    disclosures,
    drones,
    events,
    feeds,
    field,
    health,
    ingest,
    live,
    oidc,
    persons,
    plates,
    positions,
    records,
    retention,
    sensors,
    sharing,
    transparency,
    users,
    video,
    ws,
)
from rtcc.bus.memory import InProcessBus
from rtcc.config import Settings
from rtcc.engines.alpr.engine import HotlistEngine
from rtcc.engines.alpr.matcher import Tolerance
from rtcc.engines.call_intake import CallIntakeEngine
from rtcc.engines.camera_alerts import CameraAlertEngine
from rtcc.engines.gunshot.engine import GunshotEngine
from rtcc.engines.live_state import LiveStateProjector
from rtcc.engines.routing import RoadGraph
from rtcc.ingest.hotlist_import import read_hotlist
from rtcc.ingest.mqtt import MqttIngest
from rtcc.ingest.pipeline import IngestService, Limits, SourceContext
from rtcc.ingest.registry import AdapterRegistry
from rtcc.ingest.relay import OutboxRelay
from rtcc.logs import configure_logging
from rtcc.sim.network import load_network
from rtcc.storage.accounts import Accounts
from rtcc.storage.audit import AuditLog
from rtcc.storage.cad import CadStore
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.field import FieldStore
from rtcc.storage.hotlists import AlertChecks, Hotlists
from rtcc.storage.live_state import SqlLiveState
from rtcc.storage.mail import data_folder
from rtcc.storage.plate_reads import PlateReads
from rtcc.storage.positions import Positions
from rtcc.storage.records import BriefService
from rtcc.storage.retention import Retention
from rtcc.storage.secret_box import SecretBox
from rtcc.storage.sharing import Sharing
from rtcc.video.clips import recordings_purger
from rtcc.web import pages

log = structlog.get_logger(__name__)

ENGINE_SOURCE_PREFIX = "engines-"


def build_context(settings: Settings) -> AppContext:
    db = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    store = SqlEventStore(db)
    bus = InProcessBus()
    relay = OutboxRelay(store, bus, poll_interval_s=settings.outbox_poll_ms / 1000)
    adapters = AdapterRegistry.discover()
    limits = Limits(
        max_future_skew=timedelta(seconds=settings.max_future_skew_s),
        max_past_age=timedelta(days=settings.max_past_age_days),
        max_batch_items=settings.max_batch_items,
    )
    ingest_service = IngestService(store, adapters, limits=limits, on_commit=relay.offer)
    audit = AuditLog(db)
    ctx = AppContext(
        settings=settings,
        db=db,
        events=store,
        accounts=Accounts(db, SecretBox(settings.secret_key, "totp")),
        audit=audit,
        live=SqlLiveState(db),
        retention=Retention(
            db,
            audit,
            settings.retention_policies(),
            files={"video": recordings_purger(data_folder(settings))},
        ),
        sharing=Sharing(db),
        adapters=adapters,
        ingest=ingest_service,
        bus=bus,
        relay=relay,
        cad=CadStore(db),
        briefs=BriefService(db),
        field_store=FieldStore(db),
        hotlists=Hotlists(db),
        alert_checks=AlertChecks(db),
        plate_reads=PlateReads(db),
        positions=Positions(db),
        video=video_part.build(settings, db),
        camera_health=camera_health_part.build(settings, db),
        community=community_part.build(settings, db),
        drones=drones_part.build(settings, db),
        sso=sso_part.build(settings, db),
        road_loader=load_road_graph,
    )
    ctx.emit = EngineEmitter(ctx).emit
    return ctx


# Roads no call comes from: a caller beside a motorway is on the street next to it.
NOT_ADDRESSABLE = ("motorway", "motorway_link", "trunk_link")


def load_road_graph() -> RoadGraph:
    """The shipped city's streets as a graph for driving-time ranking."""
    net = load_network()
    return RoadGraph.from_arrays(
        net.node_lat,
        net.node_lon,
        net.edge_from,
        net.edge_to,
        net.edge_oneway,
        net.edge_length_m,
        net.edge_maxspeed_kmh / 3.6,
        shape_start=net.shape_start,
        shape_lat=net.shape_lat,
        shape_lon=net.shape_lon,
        edge_addressable=~np.isin(net.edge_class, sorted(net.class_ranks(NOT_ADDRESSABLE))),
    )


class EngineEmitter:
    """Engines' own events (alerts) enter through the same pipeline as any feed, under a source per agency."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self._sources: dict[str, SourceContext] = {}
        # Engines emit from several threads; the first two emits for an agency must not both create its source.
        self._lock = threading.Lock()

    def _source(self, agency_id: str) -> SourceContext:
        with self._lock:
            return self._source_locked(agency_id)

    def _source_locked(self, agency_id: str) -> SourceContext:
        if agency_id not in self._sources:
            name = ENGINE_SOURCE_PREFIX + agency_id
            source = self.ctx.accounts.source_by_name(name)
            if source is None:
                source, _ = self.ctx.accounts.create_source(agency_id, name, "native")
            self._sources[agency_id] = self.ctx.ingest.context(source)
        return self._sources[agency_id]

    async def emit(self, agency_id: str, items: list[dict[str, Any]]) -> None:
        source = await asyncio.to_thread(self._source, agency_id)
        outcome = await self.ctx.ingest.submit(source, items, "engine")
        if outcome.rejected:
            log.error("engine_event_refused", errors=[r.model_dump() for r in outcome.rejected])


async def load_due_hotlist_files(ctx: AppContext) -> int:
    """Reload the registered hotlist files that are due; each load makes the file's entries the list
    (entries no longer in it stop matching). A file that cannot be read keeps the last good list."""
    now = datetime.now(UTC)
    due = await asyncio.to_thread(ctx.hotlists.files_due, now)
    for f in due:
        try:
            result = await asyncio.to_thread(read_hotlist, Path(f.path), now=now)
        except (OSError, ValueError) as exc:
            await asyncio.to_thread(ctx.hotlists.file_loaded, f.agency_id, f.name, now, None, str(exc))
            log.error("hotlist_file_failed", name=f.name, error=str(exc))
            continue
        await asyncio.to_thread(
            ctx.hotlists.replace_list, f.agency_id, f.name, result.records, added_by="schedule", at=now
        )
        error = f"{len(result.problems)} row(s) refused" if result.problems else None
        await asyncio.to_thread(
            ctx.hotlists.file_loaded, f.agency_id, f.name, now, len(result.records), error
        )
        log.info(
            "hotlist_file_loaded", name=f.name, entries=len(result.records), refused=len(result.problems)
        )
    return len(due)


async def refresh_hotlist_files(ctx: AppContext, every_s: float = 60.0) -> None:
    while True:
        try:
            await load_due_hotlist_files(ctx)
        except Exception as exc:  # the next round tries again
            log.error("hotlist_refresh_failed", error=str(exc))
        await asyncio.sleep(every_s)


def _background(ctx: AppContext) -> list[Coroutine[Any, Any, None]]:
    emitter = EngineEmitter(ctx)
    ctx.emit = emitter.emit
    jobs: list[Coroutine[Any, Any, None]] = [
        ctx.relay.run(),
        LiveStateProjector(ctx.bus, ctx.live, ctx.events).run(),
        CameraAlertEngine(ctx.bus, emitter.emit).run(),
        GunshotEngine(
            ctx.bus, emitter.emit, ctx.live, default_temperature_c=ctx.settings.gunshot_temperature_c
        ).run(),
        HotlistEngine(
            ctx.bus,
            emitter.emit,
            ctx.hotlists,
            ctx.sharing,
            tolerance=Tolerance(ctx.settings.alpr_match_tolerance),
        ).run(),
        refresh_hotlist_files(ctx),
        CallIntakeEngine(
            ctx.bus,
            emitter.emit,
            ctx.briefs,
            ctx.live,
            ctx.field_store,
            radius_m=ctx.settings.call_notify_radius_m,
        ).run(),
        ctx.retention.run_forever(timedelta(minutes=ctx.settings.retention_every_minutes)),
    ]
    for part in (video_part, camera_health_part, camera_index_part, community_part, drones_part, sso_part):
        jobs.extend(part.background(ctx))
    if ctx.settings.mqtt_url:
        mqtt = MqttIngest(
            ctx.ingest,
            ctx.accounts.source_by_name,
            url=ctx.settings.mqtt_url,
            topic_prefix=ctx.settings.mqtt_topic_prefix,
            max_items=ctx.settings.max_batch_items,
            max_bytes=ctx.settings.max_body_bytes,
        )
        ctx.mqtt = mqtt
        jobs.append(mqtt.run())
    return jobs


def _report_crash(task: asyncio.Task[None]) -> None:
    """A background job (relay, engine, subscriber) that stops by itself is a fault worth shouting about."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background_job_crashed", job=task.get_name(), error=repr(task.exception()))


def create_app(settings: Settings | None = None, *, context: AppContext | None = None) -> FastAPI:
    settings = settings or (context.settings if context else Settings())
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = context or build_context(settings)
        await asyncio.to_thread(ctx.db.migrate)
        app.state.ctx = ctx
        tasks = [
            asyncio.create_task(job, name=getattr(job, "__qualname__", "job")) for job in _background(ctx)
        ]
        for task in tasks:
            task.add_done_callback(_report_crash)
        log.info("server_started", database=ctx.db.engine.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            ctx.relay.stop()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if context is None:
                ctx.db.dispose()

    app = FastAPI(
        title="OpenRTCC",
        version=__version__,
        description="Open Real-Time Crime Center hub: feeds in, one live picture out, every access audited.",
        lifespan=lifespan,
    )
    app.add_middleware(AuditMiddleware)
    # Outermost, so audit sees the status unchanged. It passes WebSockets through, leaves already encoded
    # bodies and images alone, and compresses streamed bodies chunk by chunk (each flushed as it comes).
    app.add_middleware(GZipMiddleware, minimum_size=1000)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body") or "(body)", "reason": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)

    for router in (
        health.router,
        auth.router,
        oidc.router,
        ingest.router,
        events.router,
        live.router,
        alerts.router,
        positions.router,
        cameras.router,
        camera_health.router,
        video.router,
        community.router,
        drones.router,
        basemap.router,
        calls.router,
        plates.router,
        field.router,
        records.router,
        persons.router,
        sensors.router,
        audit.router,
        retention.router,
        disclosures.router,
        sharing.router,
        transparency.router,
        feeds.router,
        users.router,
        ws.router,
        pages.router,
    ):
        app.include_router(router)
    return app

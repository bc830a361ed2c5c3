"""What the API's routes need, built once by the composition root (rtcc.app) and kept on app.state."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from rtcc.api.parts.camera_health import CameraHealthPart
from rtcc.api.parts.community import CommunityPart
from rtcc.api.parts.drones import DronesPart
from rtcc.api.parts.sso import SsoPart
from rtcc.api.parts.video import VideoPart
from rtcc.bus.memory import InProcessBus
from rtcc.config import Settings
from rtcc.engines.camera_index import LiveCameraIndex
from rtcc.engines.routing import RoadGraph
from rtcc.ingest.mqtt import MqttIngest
from rtcc.ingest.pipeline import IngestService
from rtcc.ingest.registry import AdapterRegistry
from rtcc.ingest.relay import OutboxRelay
from rtcc.storage.accounts import Accounts
from rtcc.storage.audit import AuditLog
from rtcc.storage.cad import CadStore
from rtcc.storage.db import Database
from rtcc.storage.event_store import SqlEventStore
from rtcc.storage.field import FieldStore
from rtcc.storage.hotlists import AlertChecks, Hotlists
from rtcc.storage.live_state import SqlLiveState
from rtcc.storage.plate_reads import PlateReads
from rtcc.storage.positions import Positions
from rtcc.storage.records import BriefService
from rtcc.storage.retention import Retention
from rtcc.storage.sharing import Sharing


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.ingest_items = Counter(
            "rtcc_ingest_items_total",
            "Items submitted to ingest, by source and outcome",
            ["source", "outcome"],
            registry=r,
        )
        self.ingest_seconds = Histogram(
            "rtcc_ingest_batch_seconds",
            "Time to validate and commit one batch",
            ["transport"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=r,
        )
        self.ws_clients = Gauge("rtcc_ws_clients", "Connected WebSocket clients", registry=r)
        self.published = Gauge("rtcc_bus_published_total", "Events published on the bus", registry=r)
        self.dead_letters = Counter(
            "rtcc_dead_letters_total", "Refused items kept as dead letters", ["transport"], registry=r
        )


@dataclass
class AppContext:
    settings: Settings
    db: Database
    events: SqlEventStore
    accounts: Accounts
    audit: AuditLog
    live: SqlLiveState
    adapters: AdapterRegistry
    ingest: IngestService
    bus: InProcessBus
    relay: OutboxRelay
    retention: Retention
    sharing: Sharing
    cad: CadStore
    briefs: BriefService
    field_store: FieldStore
    hotlists: Hotlists
    alert_checks: AlertChecks
    plate_reads: PlateReads
    positions: Positions
    video: VideoPart
    camera_health: CameraHealthPart
    community: CommunityPart
    drones: DronesPart
    sso: SsoPart
    metrics: Metrics = field(default_factory=Metrics)
    mqtt: MqttIngest | None = None
    # Engines' and routes' own events go through the ingest pipeline under the agency (set by the wiring).
    emit: Callable[[str, list[dict[str, Any]]], Awaitable[None]] | None = None
    # The road graph is loaded on first use: most processes (tests, the CLI) never route.
    road_loader: Callable[[], RoadGraph] | None = None
    _roads: RoadGraph | None = None
    _roads_lock: threading.Lock = field(default_factory=threading.Lock)
    _cameras: LiveCameraIndex | None = None
    _cameras_lock: threading.Lock = field(default_factory=threading.Lock)

    def camera_index(self) -> LiveCameraIndex:
        """Every camera of the registry in memory, for which cameras can see a place."""
        if self._cameras is None:
            with self._cameras_lock:
                if self._cameras is None:
                    self._cameras = LiveCameraIndex(self.live)
        return self._cameras

    def road_graph(self) -> RoadGraph | None:
        if self._roads is None and self.road_loader is not None:
            with self._roads_lock:
                if self._roads is None:
                    self._roads = self.road_loader()
        return self._roads

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.settings.session_idle_minutes)

    @property
    def session_max_age(self) -> timedelta:
        return timedelta(hours=self.settings.session_max_hours)

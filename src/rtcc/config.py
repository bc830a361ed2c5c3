"""Settings: environment variables ``RTCC_*`` and an optional YAML file named by ``RTCC_CONFIG_FILE``.

Every setting carries a description; the README's configuration table is checked against them by a test.
Outside demo mode the server refuses to start with a placeholder or empty secret.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from rtcc.domain.retention import RetentionPolicy, policies

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "demo-secret-not-for-production"})


class Mode(StrEnum):
    DEMO = "demo"
    PRODUCTION = "production"


class YamlSource(PydanticBaseSettingsSource):
    """Reads settings from the YAML file named by RTCC_CONFIG_FILE (environment wins over the file)."""

    def __init__(self, settings_cls: type[BaseSettings]):
        super().__init__(settings_cls)
        path = os.environ.get("RTCC_CONFIG_FILE")
        self._data: dict[str, Any] = {}
        if path:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
            if not isinstance(loaded, dict):
                raise ValueError(f"RTCC_CONFIG_FILE {path}: expected a mapping of setting names to values")
            self._data = {str(k).lower(): v for k, v in loaded.items()}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RTCC_", extra="forbid")

    mode: Mode = Field(
        Mode.PRODUCTION,
        description="demo relaxes the secret check and lets `rtcc demo` seed a fictional city; production refuses placeholder secrets.",
    )
    database_url: str = Field(
        "sqlite:///var/rtcc.db",
        description="SQLAlchemy URL. SQLite (WAL) by default; e.g. postgresql+psycopg://user@host:5432/rtcc.",
    )
    secret_key: str = Field(
        "",
        description="Server secret (at least 32 characters) used to protect stored credentials. Required outside demo mode.",
    )
    host: str = Field("127.0.0.1", description="Address the HTTP server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the HTTP server listens on.")
    log_level: str = Field("info", description="Log level: debug, info, warning, error.")
    sqlite_synchronous: str = Field(
        "FULL",
        pattern="^(FULL|NORMAL|EXTRA)$",
        description="SQLite synchronous pragma. FULL survives power loss; NORMAL survives a process crash only.",
    )
    max_body_bytes: int = Field(
        8 * 1024 * 1024, ge=1024, description="Largest accepted HTTP request body; larger ones get 413."
    )
    max_batch_items: int = Field(5000, ge=1, description="Most items accepted in one ingest batch.")
    max_future_skew_s: float = Field(
        300.0,
        ge=0,
        description="How far in the future an event's time may be before it is refused (seconds).",
    )
    max_past_age_days: float = Field(
        3650.0, gt=0, description="How far in the past an event's time may be before it is refused (days)."
    )
    mqtt_url: str = Field(
        "",
        description="MQTT broker for sensor feeds, e.g. mqtt://127.0.0.1:1883. Empty disables the MQTT subscriber.",
    )
    mqtt_topic_prefix: str = Field(
        "rtcc/ingest",
        description="Sensors publish to <prefix>/<source name>; the subscriber listens to <prefix>/#.",
    )
    require_mfa: bool | None = Field(
        None,
        description="Require a second factor (TOTP) for every account: true by default, false by default in demo mode.",
    )
    session_idle_minutes: int = Field(30, ge=1, description="A session ends after this many idle minutes.")
    session_max_hours: int = Field(12, ge=1, description="A session ends this many hours after sign-in.")
    ws_session_check_s: float = Field(
        15.0, gt=0, description="How often a live stream checks that its session is still live."
    )
    ws_queue_size: int = Field(
        10_000, ge=10, description="Events buffered per WebSocket client before it is told to catch up."
    )
    outbox_poll_ms: int = Field(
        250, ge=10, description="How often the outbox relay looks for events written by other processes (ms)."
    )
    gunshot_temperature_c: float = Field(
        15.0,
        ge=-60,
        le=60,
        description="Air temperature assumed for the speed of sound when no sensor reports one (Celsius).",
    )
    call_notify_radius_m: float = Field(
        1200.0,
        ge=800,
        le=1610,
        description="Officers whose unit is this close to a new 911 call are told at once (0.5 to 1 mile, metres).",
    )
    sensor_down_after_s: float = Field(
        180.0,
        gt=0,
        description="A sensor silent (no heartbeat or pulse) for this long is shown as down (seconds).",
    )
    alpr_match_tolerance: Literal["exact", "ocr", "one_edit", "guarded", "strict"] = Field(
        "guarded",
        description="How tolerant plate matching is: exact, ocr, one_edit, guarded (tolerance only where a "
        "read cannot be an ordinary plate) or strict.",
    )
    retention_plate_reads_days: int = Field(
        30, ge=1, le=3650, description="Plate reads that hit nothing are purged after this many days."
    )
    retention_events_days: int = Field(
        365,
        ge=30,
        le=36500,
        description="Other feed events (locations, pulses, statuses) are purged after this many days.",
    )
    retention_calls_days: int = Field(
        1095,
        ge=30,
        le=36500,
        description="Cleared calls are purged from the live picture after this many days.",
    )
    retention_dead_letters_days: int = Field(
        90, ge=1, le=3650, description="Refused items kept for operators are purged after this many days."
    )
    retention_video_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="Recorded camera video is deleted after this many days (exported clips are kept).",
    )
    retention_every_minutes: int = Field(
        60, ge=1, description="How often the retention policies run by themselves (minutes)."
    )
    map_tile_url: str = Field(
        "",
        description="Raster map tiles drawn under the consoles' map, as an address with {z}, {x} and {y} "
        "(e.g. https://tiles.example.org/{z}/{x}/{y}.png). Empty: the consoles draw the shipped streets only.",
    )
    map_tile_attribution: str = Field(
        "", description="The credit line the tile provider requires, shown on the consoles' map."
    )
    data_dir: str = Field(
        "",
        description="Where the server keeps files: live video segments, recordings, exported clips, uploaded "
        "footage and the mail outbox. Empty: a folder named rtcc-data beside the SQLite database, or in the "
        "working directory.",
    )
    ffmpeg_path: str = Field("ffmpeg", description="The ffmpeg program the video gateway runs.")
    video_idle_s: float = Field(
        30.0, gt=0, description="A live stream nobody has watched for this many seconds is stopped."
    )
    camera_probe_every_s: float = Field(
        60.0, gt=0, description="How often the health monitor probes each camera's snapshot or stream."
    )
    public_base_url: str = Field(
        "",
        description="The server's address as the public sees it, used in links sent by email and as the "
        "single sign-on return address. Empty: http://HOST:PORT of this server.",
    )
    mail_from: str = Field(
        "rtcc@localhost", description="Sender address of the mail the server sends (community program)."
    )
    smtp_url: str = Field(
        "",
        description="Mail server (smtp://host:port). Empty: mail is written to the outbox folder under the "
        "data folder, where the demo shows it.",
    )
    drone_speed_mps: float = Field(
        15.0, gt=0, description="Cruise speed used for a drone's time-to-scene estimate (m/s)."
    )
    drone_launch_s: float = Field(
        20.0, ge=0, description="Time from a dispatch to a drone leaving its dock (seconds)."
    )
    oidc_issuer: str = Field(
        "",
        description="OpenID Connect issuer for single sign-on (e.g. https://login.example.gov/realms/pd). "
        "Empty: single sign-on is off.",
    )
    oidc_client_id: str = Field("", description="This server's client id at the OpenID Connect issuer.")
    oidc_client_secret: str = Field(
        "", description="This server's client secret at the OpenID Connect issuer."
    )
    oidc_username_claim: str = Field(
        "preferred_username",
        description="The ID-token claim that names the account a single sign-on user signs in to.",
    )
    oidc_label: str = Field(
        "Agency single sign-on", description="The sign-in button's label for single sign-on."
    )
    sim_seed: int = Field(7, description="Seed of the city simulator started by `rtcc demo`.")
    sim_speed: float = Field(1.0, gt=0, description="Simulated seconds per real second in `rtcc demo`.")
    sim_scale: float = Field(
        1.0, gt=0, description="Size of the simulated city's fleet and sensors in `rtcc demo`."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, YamlSource(settings_cls), file_secret_settings

    @field_validator("map_tile_url")
    @classmethod
    def _tile_address(cls, v: str) -> str:
        v = v.strip()
        if v and not (v.startswith(("https://", "http://")) and all(p in v for p in ("{z}", "{x}", "{y}"))):
            raise ValueError("an http(s) address with {z}, {x} and {y} in it, or empty for none")
        return v

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.require_mfa is None:
            self.require_mfa = self.mode is not Mode.DEMO
        if self.mode is Mode.DEMO:
            if not self.secret_key:
                self.secret_key = "demo-secret-not-for-production"  # noqa: S105  (refused outside demo mode)
            return self
        if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32:
            raise ValueError(
                "RTCC_SECRET_KEY must be set to a random value of at least 32 characters outside demo mode "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    def retention_policies(self) -> list[RetentionPolicy]:
        return policies(
            plate_reads_days=self.retention_plate_reads_days,
            events_days=self.retention_events_days,
            calls_days=self.retention_calls_days,
            dead_letters_days=self.retention_dead_letters_days,
            video_days=self.retention_video_days,
        )

    @property
    def public_url(self) -> str:
        """Where the public reaches this server (no trailing slash)."""
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

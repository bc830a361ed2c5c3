"""Live video (RTSP to HLS, on demand) and footage export with chain of custody."""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rtcc.config import Settings
from rtcc.storage.db import Database

if TYPE_CHECKING:
    from rtcc.api.context import AppContext


@dataclass
class VideoPart:
    pass


def build(settings: Settings, db: Database) -> VideoPart:
    return VideoPart()


def background(ctx: AppContext) -> list[Coroutine[Any, Any, None]]:
    return []

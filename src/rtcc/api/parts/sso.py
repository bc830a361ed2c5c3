"""Optional OpenID Connect single sign-on."""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rtcc.config import Settings
from rtcc.storage.db import Database

if TYPE_CHECKING:
    from rtcc.api.context import AppContext


@dataclass
class SsoPart:
    pass


def build(settings: Settings, db: Database) -> SsoPart:
    return SsoPart()


def background(ctx: AppContext) -> list[Coroutine[Any, Any, None]]:
    return []

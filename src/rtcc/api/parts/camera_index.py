"""The in-memory camera index: loaded at start-up (rather than by the first question, which would wait for
it), and its change log kept short."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from rtcc.api.context import AppContext

log = structlog.get_logger(__name__)

# The change log keeps this many rows: a process that falls further behind reads every camera again.
KEEP_CHANGES = 100_000
PRUNE_EVERY_S = 3600.0


async def keep_camera_index(ctx: AppContext, prune_every_s: float = PRUNE_EVERY_S) -> None:
    try:
        index = await asyncio.to_thread(ctx.camera_index().catch_up)
        log.info("camera_index_loaded", cameras=len(index))
    except Exception as exc:  # the first question loads it instead
        log.error("camera_index_load_failed", error=repr(exc))
    while True:
        await asyncio.sleep(prune_every_s)
        try:
            await asyncio.to_thread(ctx.live.prune_camera_changes, KEEP_CHANGES)
        except Exception as exc:  # tried again next time
            log.error("camera_changes_prune_failed", error=repr(exc))


def background(ctx: AppContext) -> list[Coroutine[Any, Any, None]]:
    return [keep_camera_index(ctx)]

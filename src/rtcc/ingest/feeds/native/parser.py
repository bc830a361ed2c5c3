from __future__ import annotations

from typing import Any

from rtcc.domain.errors import FeedParseError
from rtcc.domain.events import EventIn
from rtcc.ingest.adapter import envelope, require_mapping
from rtcc.ingest.feeds.native.config import NativeConfig


def parse(item: Any, config: NativeConfig) -> list[EventIn]:
    event = envelope(require_mapping(item))
    if config.allowed_types is not None and event.type not in config.allowed_types:
        allowed = ", ".join(config.allowed_types)
        raise FeedParseError.one(
            "type", f"{event.type!r} is not allowed for this source (allowed: {allowed})"
        )
    return [event]

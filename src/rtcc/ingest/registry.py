"""Finds feed adapters through the ``rtcc.feeds`` entry-point group: built-in and outside ones alike."""

from __future__ import annotations

from importlib.metadata import entry_points

import structlog

from rtcc.domain.events import register_event_type
from rtcc.ingest.adapter import FeedAdapter

ENTRY_POINT_GROUP = "rtcc.feeds"
log = structlog.get_logger(__name__)


class AdapterRegistry:
    def __init__(self) -> None:
        self._adapters: dict[str, FeedAdapter] = {}

    def add(self, adapter: FeedAdapter) -> None:
        if not isinstance(adapter, FeedAdapter):
            raise TypeError(f"{adapter!r} is not a FeedAdapter")
        if adapter.name in self._adapters and self._adapters[adapter.name] is not adapter:
            raise ValueError(f"two feed adapters are named {adapter.name!r}")
        for type_name, (model, located) in adapter.event_types.items():
            register_event_type(type_name, model, located=located)
        self._adapters[adapter.name] = adapter

    def get(self, name: str) -> FeedAdapter:
        try:
            return self._adapters[name]
        except KeyError:
            known = ", ".join(sorted(self._adapters))
            raise KeyError(f"no feed adapter named {name!r} (installed: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._adapters)

    def __contains__(self, name: object) -> bool:
        return name in self._adapters

    @classmethod
    def discover(cls) -> AdapterRegistry:
        """Load every adapter declared under the entry-point group. A broken outside adapter is logged
        and skipped so it cannot take the built-in feeds down with it."""
        registry = cls()
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                registry.add(ep.load())
            except Exception as exc:
                log.error("feed_adapter_failed_to_load", entry_point=ep.value, error=str(exc))
        return registry

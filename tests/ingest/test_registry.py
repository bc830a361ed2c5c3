"""Built-in and outside adapters are found the same way: the rtcc.feeds entry-point group."""

import sys
import textwrap
from collections.abc import Iterator
from importlib import invalidate_caches
from pathlib import Path

import pytest

from rtcc.domain.events import EVENT_TYPES
from rtcc.ingest.adapter import FeedAdapter
from rtcc.ingest.feeds import native
from rtcc.ingest.registry import AdapterRegistry


def test_every_built_in_adapter_is_found_and_has_the_same_shape() -> None:
    registry = AdapterRegistry.discover()
    assert {"native", "avl", "alpr", "acoustic"} <= set(registry.names())
    package_dir = Path(native.__file__).parent.parent
    for name in ("native", "avl", "alpr", "acoustic"):
        folder = package_dir / name
        assert sorted(p.name for p in folder.glob("*.py")) == [
            "__init__.py",
            "config.py",
            "health.py",
            "parser.py",
        ]
        assert isinstance(registry.get(name), FeedAdapter)


@pytest.fixture
def outside_adapter(tmp_path: Path) -> Iterator[Path]:
    """An installed third-party distribution declaring an adapter, as pip would leave it."""
    (tmp_path / "weather_feed.py").write_text(
        textwrap.dedent(
            """
            from datetime import datetime, timedelta
            from rtcc.domain.events import EventIn, Payload
            from rtcc.ingest.adapter import AdapterConfig, FeedAdapter, health_from_stats

            class Observation(Payload):
                station: str
                temperature_c: float

            def parse(item, config):
                return [EventIn(type="weather.observation", occurred_at=item["time"], payload=item["obs"])]

            ADAPTER = FeedAdapter(
                name="weather",
                description="Weather stations (air temperature for gunshot location).",
                config_model=AdapterConfig,
                parse=parse,
                health=lambda stats, now, config: health_from_stats(stats, now, expected_every=timedelta(minutes=10)),
                event_types={"weather.observation": (Observation, False)},
            )
            """
        )
    )
    dist = tmp_path / "weather_feed-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: weather-feed\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[rtcc.feeds]\nweather = weather_feed:ADAPTER\n")
    sys.path.insert(0, str(tmp_path))
    invalidate_caches()
    yield tmp_path
    sys.path.remove(str(tmp_path))
    sys.modules.pop("weather_feed", None)
    EVENT_TYPES.pop("weather.observation", None)


def test_an_outside_adapter_is_registered_like_the_built_in_ones(outside_adapter: Path) -> None:
    registry = AdapterRegistry.discover()
    assert "weather" in registry.names() and "native" in registry.names()
    assert "weather.observation" in EVENT_TYPES
    adapter = registry.get("weather")
    [event] = adapter.parse(
        {"time": "2026-11-21T20:00:00Z", "obs": {"station": "CMH", "temperature_c": 4}}, None
    )
    assert event.type == "weather.observation"


def test_a_broken_outside_adapter_does_not_take_the_others_down(tmp_path: Path) -> None:
    dist = tmp_path / "broken-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[rtcc.feeds]\nbroken = no_such_module:ADAPTER\n")
    sys.path.insert(0, str(tmp_path))
    invalidate_caches()
    try:
        registry = AdapterRegistry.discover()
    finally:
        sys.path.remove(str(tmp_path))
    assert "broken" not in registry.names() and "native" in registry.names()


def test_unknown_adapter_names_list_the_installed_ones() -> None:
    with pytest.raises(KeyError, match=r"installed: .*native"):
        AdapterRegistry.discover().get("teletype")

"""The contract every feed adapter meets, built-in or outside."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rtcc.domain.errors import FeedParseError
from rtcc.domain.events import EventIn, Payload, errors_from_validation


class AdapterConfig(BaseModel):
    """Base of every adapter's per-source configuration: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    expected_every_s: float = Field(
        60.0, gt=0, description="How often the source is expected to send data; its health is judged by it."
    )


@dataclass(frozen=True)
class FeedStats:
    accepted: int
    rejected: int
    duplicates: int
    last_received_at: datetime | None


@dataclass(frozen=True)
class FeedHealth:
    status: str  # ok, quiet, silent, erroring, never
    detail: str


def health_from_stats(
    stats: FeedStats, now: datetime, *, expected_every: timedelta, error_share_limit: float = 0.2
) -> FeedHealth:
    """Shared rule: a feed that should speak every ``expected_every`` is quiet after three missed
    intervals and silent after ten; a feed refusing more than the limit's share of items is erroring."""
    if stats.last_received_at is None:
        return FeedHealth("never", "no data received yet")
    age = now - stats.last_received_at
    total = stats.accepted + stats.rejected
    if total and stats.rejected / total > error_share_limit:
        return FeedHealth("erroring", f"{stats.rejected} of {total} items refused")
    if age > expected_every * 10:
        return FeedHealth("silent", f"nothing for {int(age.total_seconds())} s")
    if age > expected_every * 3:
        return FeedHealth("quiet", f"nothing for {int(age.total_seconds())} s")
    return FeedHealth("ok", f"last data {int(age.total_seconds())} s ago")


Parser = Callable[[Any, Any], list[EventIn]]


@dataclass(frozen=True)
class FeedAdapter:
    """One kind of feed. ``parse(item, config)`` turns one outside item into events or raises
    :class:`FeedParseError` naming the field; ``health(stats, now, config)`` judges the feed's liveness."""

    name: str
    description: str
    config_model: type[AdapterConfig]
    parse: Parser
    health: Callable[[FeedStats, datetime, Any], FeedHealth]
    event_types: dict[str, tuple[type[Payload], bool]] = field(default_factory=dict)  # type: (model, located)

    def load_config(self, raw: dict[str, Any]) -> AdapterConfig:
        return self.config_model.model_validate(raw)


def envelope(item: dict[str, Any]) -> EventIn:
    """Validate a native envelope, turning pydantic's errors into a FeedParseError."""
    try:
        return EventIn.model_validate(item)
    except ValidationError as exc:
        raise FeedParseError(errors_from_validation(exc)) from None


def require_mapping(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise FeedParseError.one("(item)", f"expected a JSON object, got {type(item).__name__}")
    return item


def first_present(item: dict[str, Any], names: Sequence[str]) -> Any:
    for n in names:
        if n in item and item[n] not in (None, ""):
            return item[n]
    return None


def parse_time(value: Any, field_name: str) -> datetime:
    """ISO-8601 with a UTC offset (``Z`` accepted) or epoch seconds; anything else names the field."""
    if isinstance(value, bool) or value is None or value == "":
        raise FeedParseError.one(field_name, "required: ISO-8601 time with offset, or epoch seconds")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            raise FeedParseError.one(field_name, f"epoch seconds out of range: {value!r}") from None
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromtimestamp(float(text), UTC)
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise FeedParseError.one(field_name, f"not an ISO-8601 time: {value!r}") from None
        if parsed.tzinfo is None:
            raise FeedParseError.one(field_name, "time has no UTC offset; add Z or +hh:mm")
        return parsed.astimezone(UTC)
    raise FeedParseError.one(field_name, f"expected a time, got {type(value).__name__}")


def parse_float(value: Any, field_name: str, *, required: bool = True) -> float | None:
    if value is None or value == "":
        if required:
            raise FeedParseError.one(field_name, "required")
        return None
    if isinstance(value, bool):
        raise FeedParseError.one(field_name, "expected a number, got a boolean")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FeedParseError.one(field_name, f"expected a number, got {value!r}") from None

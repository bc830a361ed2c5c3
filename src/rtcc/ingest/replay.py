"""File replay: JSON Lines or CSV items, sent in their own time order at a chosen speed.

JSON Lines: one item per line, in the source adapter's format (for the native adapter, an event envelope).
CSV: one item per row. For the native adapter a row is turned into an envelope: columns ``type``,
``occurred_at`` and optionally ``id``, ``lat``, ``lon``, ``address``; every other non-empty column goes
into the payload. For other adapters the row is passed on as it is (e.g. ALPR rows).
"""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from rtcc.domain.errors import FeedParseError
from rtcc.ingest.adapter import parse_time
from rtcc.ingest.pipeline import UnreadableItem

ENVELOPE_COLUMNS = {"id", "type", "occurred_at", "lat", "lon", "address"}
TIME_FIELDS = ("occurred_at", "time", "timestamp", "t")


def _number(text: str) -> Any:
    """CSV cells are text; numbers become numbers so typed payload fields validate."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return text


def csv_row_to_envelope(row: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {k: row[k] for k in ("id", "type", "occurred_at") if row.get(k)}
    if row.get("lat") and row.get("lon"):
        item["location"] = {"lat": _number(row["lat"]), "lon": _number(row["lon"])}
        if row.get("address"):
            item["location"]["address"] = {"text": row["address"]}
    item["payload"] = {
        k: _number(v) for k, v in row.items() if k not in ENVELOPE_COLUMNS and v not in ("", None)
    }
    return item


def read_items(path: Path, *, native: bool) -> Iterator[Any]:
    """Items of a .csv or .jsonl/.ndjson/.json file. A bad JSON line is yielded as an unreadable item so
    it is refused (and kept) on its own, without stopping the replay."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                yield csv_row_to_envelope(row) if native else dict(row)
        return
    with path.open("rb") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield UnreadableItem(line.decode("utf-8", "replace"), f"line {n}: not valid JSON: {exc}")


def item_time(item: Any) -> datetime | None:
    if not isinstance(item, dict):
        return None
    for name in TIME_FIELDS:
        if item.get(name) not in (None, ""):
            try:
                return parse_time(item[name], name)
            except FeedParseError:
                return None
    return None


async def paced_batches(
    items: Iterator[Any], *, speed: float, max_batch: int = 1000
) -> AsyncIterator[list[Any]]:
    """Batches released when their items' time comes, scaled by ``speed`` (10 = ten times faster than it
    happened; 0 = as fast as possible). Items without a time go with the batch in hand."""
    batch: list[Any] = []
    first_item_time: datetime | None = None
    started = time.monotonic()
    for item in items:
        when = item_time(item)
        if speed > 0 and when is not None:
            if first_item_time is None:
                first_item_time = when
            due = started + (when - first_item_time).total_seconds() / speed
            wait = due - time.monotonic()
            if wait > 0.02:
                if batch:
                    yield batch
                    batch = []
                await asyncio.sleep(wait)
        batch.append(item)
        if len(batch) >= max_batch:
            yield batch
            batch = []
    if batch:
        yield batch

"""Read a hotlist file (CSV or JSON Lines): plate, state, reason, source, entered, expires, and optionally
an entry id. Used by ``rtcc import hotlist`` and by the scheduled refresh of registered hotlist files.

An entry without an id gets one from its source, plate and state, so reloading the same file updates the
same entries. A bad row is refused with its row number, field and reason; the rest still loads.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from rtcc.domain.alpr import HotlistRecord
from rtcc.domain.errors import FieldError
from rtcc.ingest.calls_import import RowProblem

COLUMNS = ("plate", "state", "reason", "source", "entered", "expires")


@dataclass(slots=True)
class HotlistFileResult:
    rows: int = 0
    records: list[HotlistRecord] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _time(value: str | None, name: str, default: datetime | None) -> datetime | None:
    if value is None or not str(value).strip():
        return default
    text = str(value).strip().replace("Z", "+00:00")
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not an ISO-8601 date or time") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{(k or "").strip().lower(): v for k, v in row.items()} for row in csv.DictReader(fh)]


def read_hotlist(path: Path, *, now: datetime | None = None) -> HotlistFileResult:
    now = now or datetime.now(UTC)
    result = HotlistFileResult()
    for number, row in enumerate(_rows(path), start=1):
        result.rows += 1
        try:
            entered = _time(row.get("entered"), "entered", now)
            expires = _time(row.get("expires"), "expires", None)
        except ValueError as exc:
            name, _, reason = str(exc).partition(": ")
            result.problems.append(RowProblem(number, [FieldError(field=name, reason=reason)], _raw(row)))
            continue
        source = str(row.get("source") or "").strip()
        plate = str(row.get("plate") or "")
        state = str(row.get("state") or "").strip().upper() or None
        entry_id = str(row.get("entry_id") or row.get("id") or "").strip() or _entry_id(source, plate, state)
        try:
            result.records.append(
                HotlistRecord(
                    entry_id=entry_id,
                    plate=plate,
                    state=state,
                    reason=str(row.get("reason") or "").strip(),
                    source=source,
                    entered=entered,
                    expires=expires,
                )
            )
        except ValidationError as exc:
            errors = [
                FieldError(
                    field=".".join(str(p) for p in e["loc"]), reason=e["msg"].removeprefix("Value error, ")
                )
                for e in exc.errors()
            ]
            result.problems.append(RowProblem(number, errors, _raw(row)))
    return result


def _entry_id(source: str, plate: str, state: str | None) -> str:
    key = f"{source.lower()}|{plate.upper().replace(' ', '').replace('-', '')}|{state or ''}"
    return "f-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _raw(row: dict[str, Any]) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in row.items()}

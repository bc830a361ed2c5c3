"""Column mappings: read any agency's CSV (or JSON Lines) export by naming which column holds what.

A mapping file (YAML) says, for one kind of record, which source column feeds each of our fields and how to
read it::

    kind: calls
    encoding: latin-1
    timezone: America/Los_Angeles        # for times written without an offset
    columns:
      call_id: Call Number
      received: {column: Received DtTm, format: "%m/%d/%Y %I:%M:%S %p"}
      location: {column: Location, format: "(lat, lon)"}
    values:                               # the agency's codes onto ours
      call_type: {"Medical Incident": MEDICAL, "*": OTHER}

Each row becomes a dict of our field names with typed values, or a list of errors naming the field, the
source column and the reason. Nothing here knows what a call or a person is; the importers do.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rtcc.domain.errors import FieldError

FieldKind = Literal["text", "time", "date", "float", "point", "bool"]


class ColumnSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str = Field(..., min_length=1)
    format: str | None = Field(
        None, description="strptime format for times and dates; '(lat, lon)' or 'lat lon' style for points."
    )


class ColumnMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(..., min_length=1)
    encoding: str = "utf-8"
    delimiter: str = Field(",", min_length=1, max_length=1)
    timezone: str = "UTC"
    columns: dict[str, ColumnSpec]
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    constants: dict[str, str] = Field(default_factory=dict)

    @field_validator("columns", mode="before")
    @classmethod
    def _short_form(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            return {k: {"column": s} if isinstance(s, str) else s for k, s in v.items()}
        return v

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v


class MappingError(ValueError):
    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))


def load_mapping(
    path: Path, *, kind: str, fields: Mapping[str, FieldKind], required: set[str]
) -> ColumnMapping:
    """Read and check a mapping file against the fields one importer understands."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError([FieldError(field="mapping", reason=str(exc))]) from exc
    try:
        mapping = ColumnMapping.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(
            [FieldError(field=".".join(str(p) for p in e["loc"]), reason=e["msg"]) for e in exc.errors()]
        ) from exc
    errors = []
    if mapping.kind != kind:
        errors.append(FieldError(field="kind", reason=f"this mapping is for {mapping.kind!r}, not {kind!r}"))
    for name in mapping.columns:
        if name not in fields:
            errors.append(
                FieldError(
                    field=f"columns.{name}", reason=f"unknown field; known: {', '.join(sorted(fields))}"
                )
            )
    for name in sorted(required - set(mapping.columns) - set(mapping.constants)):
        if name == "latitude" and "location" in mapping.columns:
            continue
        errors.append(FieldError(field=f"columns.{name}", reason="required field has no column"))
    if errors:
        raise MappingError(errors)
    return mapping


@dataclass(slots=True)
class MappedRow:
    number: int  # 1-based data row number (the header is row 0)
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


_POINT = re.compile(r"^\s*[\(\[]?\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*[\)\]]?\s*$")


def _flat(obj: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in obj.items()}


def _json_rows(doc: Any) -> Iterator[dict[str, str]]:
    """A JSON array of objects, an object of objects keyed by id, or a GeoJSON FeatureCollection of points
    (properties, plus ``latitude`` and ``longitude`` from the geometry)."""
    if isinstance(doc, Mapping) and doc.get("type") == "FeatureCollection":
        for feature in doc.get("features") or []:
            row = _flat(feature.get("properties") or {})
            geometry = feature.get("geometry") or {}
            if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
                row["longitude"], row["latitude"] = (str(c) for c in geometry["coordinates"][:2])
            yield row
        return
    items = doc.values() if isinstance(doc, Mapping) else doc
    for item in items:
        if isinstance(item, Mapping):
            yield _flat(item)


def read_rows(path: Path, mapping: ColumnMapping) -> Iterator[dict[str, str]]:
    """Raw rows of a CSV file, a JSON Lines file (one object per line), a JSON array or object of objects,
    or a GeoJSON file of points."""
    if path.suffix.lower() in (".json", ".geojson"):
        yield from _json_rows(orjson.loads(path.read_bytes()))
        return
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        with path.open("rb") as fh:
            for line in fh:
                if line.strip():
                    obj = orjson.loads(line)
                    yield {str(k): "" if v is None else str(v) for k, v in obj.items()}
        return
    with path.open("r", encoding=mapping.encoding, newline="") as fh:
        yield from csv.DictReader(fh, delimiter=mapping.delimiter)


class RowReader:
    """Turns raw rows into typed values of our fields, one row at a time."""

    def __init__(self, mapping: ColumnMapping, fields: Mapping[str, FieldKind]):
        self.mapping = mapping
        self.fields = fields
        self.zone = ZoneInfo(mapping.timezone)

    def read(self, number: int, raw: dict[str, str]) -> MappedRow:
        row = MappedRow(number, raw)
        for name, value in self.mapping.constants.items():
            row.values[name] = value
        for name, spec in self.mapping.columns.items():
            if spec.column not in raw:
                row.errors.append(FieldError(field=name, reason=f"column {spec.column!r} is not in the file"))
                continue
            text = (raw[spec.column] or "").strip()
            table = self.mapping.values.get(name)
            if table is not None and text in table:
                text = table[text]
            elif table is not None and "*" in table and text:
                text = table["*"]
            if text == "":
                row.values.setdefault(name, None)
                continue
            try:
                value = self._convert(self.fields[name], text, spec.format)
            except ValueError as exc:
                row.errors.append(FieldError(field=name, reason=f"column {spec.column!r}: {exc}"))
                continue
            if self.fields[name] == "point":
                row.values["latitude"], row.values["longitude"] = value
            else:
                row.values[name] = value
        return row

    def _convert(self, kind: FieldKind, text: str, fmt: str | None) -> Any:
        match kind:
            case "text":
                return text
            case "float":
                try:
                    return float(text)
                except ValueError:
                    raise ValueError(f"{text!r} is not a number") from None
            case "bool":
                low = text.lower()
                if low in ("1", "true", "yes", "y", "t"):
                    return True
                if low in ("0", "false", "no", "n", "f"):
                    return False
                raise ValueError(f"{text!r} is not yes or no")
            case "date":
                try:
                    return datetime.strptime(text, fmt).date() if fmt else date.fromisoformat(text)
                except ValueError:
                    raise ValueError(f"{text!r} does not match date format {fmt or 'YYYY-MM-DD'}") from None
            case "time":
                return self._time(text, fmt)
            case "point":
                m = _POINT.match(text)
                if m is None:
                    raise ValueError(f"{text!r} is not a point like '(lat, lon)'")
                a, b = float(m.group(1)), float(m.group(2))
                lat, lon = (b, a) if fmt and fmt.replace(" ", "").startswith("(lon") else (a, b)
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError(f"{text!r} is outside latitude/longitude ranges")
                return lat, lon
        raise ValueError(f"unknown field kind {kind}")

    def _time(self, text: str, fmt: str | None) -> datetime:
        try:
            if fmt in (None, "iso"):
                t = datetime.fromisoformat(text.replace("Z", "+00:00"))
            elif fmt == "epoch":
                return datetime.fromtimestamp(float(text), tz=UTC)
            else:
                t = datetime.strptime(text, fmt)
        except ValueError:
            raise ValueError(f"{text!r} does not match time format {fmt or 'ISO-8601'}") from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=self.zone)
        return t.astimezone(UTC)

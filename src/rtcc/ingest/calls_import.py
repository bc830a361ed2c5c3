"""Import CAD calls from any agency's export through a column mapping (``rtcc import calls``).

Exports often have one row per unit per call (San Francisco's does); rows are grouped by call id. Each
unit's row gives that unit's stage times; the call's own times are the earliest unit's (dispatched, en route,
on scene) and the last unit's clear. A row or a call that cannot be read is reported with its row number,
field, column and reason, and the rest of the file is still imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rtcc.domain.cad import CadIncident, UnitAssignment
from rtcc.domain.errors import FieldError
from rtcc.domain.vocab import IncidentStatus, IncidentType, Priority
from rtcc.ingest.mapping import ColumnMapping, FieldKind, MappedRow, RowReader, load_mapping, read_rows

CALL_FIELDS: dict[str, FieldKind] = {
    "call_id": "text",
    "incident_id": "text",
    "unit": "text",
    "received": "time",
    "dispatched": "time",
    "en_route": "time",
    "on_scene": "time",
    "cleared": "time",
    "call_type": "text",
    "priority": "text",
    "address": "text",
    "latitude": "float",
    "longitude": "float",
    "location": "point",
    "description": "text",
    "disposition": "text",
}
REQUIRED = {"call_id", "received", "call_type", "priority"}
STAGES = ("dispatched", "en_route", "on_scene", "cleared")


@dataclass(slots=True)
class RowProblem:
    row: int
    errors: list[FieldError]
    raw: dict[str, str]


@dataclass(slots=True)
class ImportResult:
    rows: int = 0
    incidents: list[CadIncident] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def load_calls_mapping(path: Path) -> ColumnMapping:
    return load_mapping(path, kind="calls", fields=CALL_FIELDS, required=REQUIRED)


def _enum(value: Any, enum: type[IncidentType] | type[Priority], name: str) -> tuple[Any, FieldError | None]:
    try:
        return enum(str(value).strip() if enum is IncidentType else str(value).strip().lower()), None
    except ValueError:
        known = ", ".join(m.value for m in enum)
        return None, FieldError(
            field=name, reason=f"{value!r} is not one of {known}; map it under values.{name} in the mapping"
        )


def _status(stamps: dict[str, datetime | None]) -> IncidentStatus:
    for stage in reversed(STAGES):
        if stamps.get(stage) is not None:
            return IncidentStatus(stage)
    return IncidentStatus.RECEIVED


def mapped_rows(path: Path, mapping: ColumnMapping) -> Iterator[MappedRow]:
    reader = RowReader(mapping, CALL_FIELDS)
    for number, raw in enumerate(read_rows(path, mapping), start=1):
        row = reader.read(number, raw)
        type_spec = mapping.columns.get("call_type")
        if type_spec is not None:
            row.values["type_code"] = (raw.get(type_spec.column) or "").strip() or None
        yield row


def build_incidents(rows: Iterable[MappedRow], agency_id: str) -> ImportResult:
    result = ImportResult()
    groups: dict[str, list[MappedRow]] = {}
    for row in rows:
        result.rows += 1
        for name in sorted(REQUIRED):
            if row.values.get(name) is None and not any(e.field == name for e in row.errors):
                row.errors.append(FieldError(field=name, reason="missing"))
        if row.errors:
            result.problems.append(RowProblem(row.number, row.errors, row.raw))
            continue
        groups.setdefault(str(row.values["call_id"]), []).append(row)
    for call_id, members in groups.items():
        incident, errors = _incident(call_id, members, agency_id)
        if incident is None:
            result.problems.append(RowProblem(members[0].number, errors, members[0].raw))
        else:
            result.incidents.append(incident)
    return result


def _incident(
    call_id: str, rows: list[MappedRow], agency_id: str
) -> tuple[CadIncident | None, list[FieldError]]:
    first = rows[0].values
    errors: list[FieldError] = []
    call_type, err = _enum(first["call_type"], IncidentType, "call_type")
    if err:
        errors.append(err)
    priority, err = _enum(first["priority"], Priority, "priority")
    if err:
        errors.append(err)
    if errors:
        return None, errors
    units: dict[str, UnitAssignment] = {}
    call_stamps: dict[str, list[datetime]] = {s: [] for s in STAGES}
    for row in rows:
        v = row.values
        for stage in STAGES:
            if v.get(stage) is not None:
                call_stamps[stage].append(v[stage])
        unit_id = v.get("unit")
        if unit_id:
            units[unit_id] = UnitAssignment(
                unit_id=unit_id,
                dispatched_at=v.get("dispatched"),
                en_route_at=v.get("en_route"),
                on_scene_at=v.get("on_scene"),
                cleared_at=v.get("cleared"),
            )
    received = min(r.values["received"] for r in rows)
    stamps: dict[str, datetime | None] = {
        s: (max(call_stamps[s]) if s == "cleared" else min(call_stamps[s])) if call_stamps[s] else None
        for s in STAGES
    }
    lat, lon = first.get("latitude"), first.get("longitude")
    try:
        incident = CadIncident(
            agency_id=agency_id,
            call_id=call_id,
            incident_id=first.get("incident_id"),
            call_type=call_type,
            type_code=first.get("type_code"),
            priority=priority,
            status=_status(stamps),
            description=first.get("description") or "",
            received_at=received,
            dispatched_at=stamps["dispatched"],
            en_route_at=stamps["en_route"],
            on_scene_at=stamps["on_scene"],
            cleared_at=stamps["cleared"],
            lat=lat,
            lon=lon,
            address=first.get("address"),
            disposition=first.get("disposition"),
            units=sorted(units.values(), key=lambda u: (u.dispatched_at is None, u.dispatched_at, u.unit_id)),
        )
    except ValidationError as exc:
        return None, [
            FieldError(
                field=".".join(str(p) for p in e["loc"]) or "call",
                reason=e["msg"].removeprefix("Value error, "),
            )
            for e in exc.errors()
        ]
    return incident, []


def import_calls(path: Path, mapping: ColumnMapping, agency_id: str) -> ImportResult:
    return build_incidents(mapped_rows(path, mapping), agency_id)

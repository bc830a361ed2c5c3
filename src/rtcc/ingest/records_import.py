"""Import records (persons, addresses, residences, history, warrants, protective orders, cautions, links)
through the same column mappings as calls: ``rtcc import records KIND FILE --mapping MAP.yaml``.

Our field names are the record model's own (see ``rtcc.domain.records``); a person's protected attributes
come in as ``protected_race`` and so on and are kept apart. Every row is validated by the model, so an
intelligence link without a reasonable-suspicion basis is refused here like any other bad field.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rtcc.domain.errors import FieldError
from rtcc.domain.records import PROTECTED_FIELDS, RECORD_KINDS, Record
from rtcc.ingest.calls_import import RowProblem
from rtcc.ingest.mapping import ColumnMapping, FieldKind, MappingError, RowReader, load_mapping, read_rows


def _kind_of(annotation: Any) -> FieldKind:
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    for a in args:
        if a is dt.date:
            return "date"
        if a is float or a is int:
            return "float" if a is float else "text"
        if a is bool:
            return "bool"
    return "text"


def record_fields(kind: str) -> tuple[dict[str, FieldKind], set[str]]:
    model = RECORD_KINDS[kind]
    fields: dict[str, FieldKind] = {}
    required = set()
    for name, info in model.model_fields.items():
        if name in ("agency_id", "protected"):
            continue
        fields[name] = _kind_of(info.annotation)
        if info.is_required():
            required.add(name)
    if kind == "persons":
        fields.update({f"protected_{p}": "text" for p in PROTECTED_FIELDS})
    if "lat" in fields:
        fields["location"] = "point"
        fields["latitude"] = fields.pop("lat")
        fields["longitude"] = fields.pop("lon")
    return fields, required


def load_records_mapping(path: Path, kind: str) -> ColumnMapping:
    if kind not in RECORD_KINDS:
        raise MappingError(
            [
                FieldError(
                    field="kind", reason=f"unknown record kind {kind!r}; known: {', '.join(RECORD_KINDS)}"
                )
            ]
        )
    fields, required = record_fields(kind)
    return load_mapping(path, kind=kind, fields=fields, required=required)


@dataclass(slots=True)
class RecordsResult:
    rows: int = 0
    records: list[Record] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def import_records(path: Path, mapping: ColumnMapping, kind: str, agency_id: str) -> RecordsResult:
    model = RECORD_KINDS[kind]
    fields, _ = record_fields(kind)
    reader = RowReader(mapping, fields)
    result = RecordsResult()
    takes_agency = "agency_id" in model.model_fields
    for number, raw in enumerate(read_rows(path, mapping), start=1):
        result.rows += 1
        row = reader.read(number, raw)
        if row.errors:
            result.problems.append(RowProblem(number, row.errors, raw))
            continue
        values = {k: v for k, v in row.values.items() if v is not None}
        if "latitude" in values:
            values["lat"] = values.pop("latitude")
            values["lon"] = values.pop("longitude")
        protected = {
            p: str(values.pop(f"protected_{p}")) for p in PROTECTED_FIELDS if f"protected_{p}" in values
        }
        if kind == "persons":
            values["protected"] = protected
        if takes_agency:
            values["agency_id"] = agency_id
        try:
            result.records.append(model.model_validate(values))
        except ValidationError as exc:
            result.problems.append(
                RowProblem(
                    number,
                    [
                        FieldError(
                            field=".".join(str(p) for p in e["loc"]) or kind,
                            reason=e["msg"].removeprefix("Value error, "),
                        )
                        for e in exc.errors()
                    ],
                    raw,
                )
            )
    return result

"""Import a camera registry (CSV, JSON, GeoJSON) through a column mapping: ``rtcc import cameras``.

Our fields: ``camera_id``, ``name``, ``kind`` (city_cctv, traffic, school, business, resident, body_worn,
dash, drone), ``owner``, ``latitude`` and ``longitude`` (or ``location``), ``heading`` and ``fov`` (degrees),
``range`` and ``mount_height`` (metres), ``ptz`` (yes/no), ``stream_url``, ``snapshot_url``, ``sharing``
(registered, footage_on_request, live), ``online`` (yes/no, the registry's own up/down flag), and
``username`` and ``password`` (the login the server uses to reach the camera).

A login written into an address (``rtsp://user:pass@host/...``) is taken out of it: the address is kept
without it, and the login is handed back apart (``CamerasResult.logins``) for the caller to store sealed.
Refused rows are kept for review without their logins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from rtcc.domain.errors import FieldError
from rtcc.domain.vocab import CameraKind
from rtcc.ingest.calls_import import RowProblem
from rtcc.ingest.mapping import ColumnMapping, FieldKind, RowReader, load_mapping, read_rows

CAMERA_FIELDS: dict[str, FieldKind] = {
    "camera_id": "text",
    "name": "text",
    "kind": "text",
    "owner": "text",
    "latitude": "float",
    "longitude": "float",
    "location": "point",
    "heading": "float",
    "fov": "float",
    "range": "float",
    "mount_height": "float",
    "ptz": "bool",
    "stream_url": "text",
    "snapshot_url": "text",
    "sharing": "text",
    "online": "bool",
    "username": "text",
    "password": "text",
}
REQUIRED = {"camera_id", "latitude"}
SHARING = ("registered", "footage_on_request", "live")
URL_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://")
WITHHELD = "(withheld)"
# (user name, password)
Login = tuple[str, str]


@dataclass(slots=True)
class CamerasResult:
    rows: int = 0
    cameras: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    logins: dict[str, Login] = field(default_factory=dict)  # camera id -> login, never in ``cameras``


def split_login(url: str) -> tuple[str, Login | None]:
    """The address without its userinfo, and the login it carried (if any)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), (unquote(username), unquote(password))


def _withhold_logins(raw: dict[str, str], mapping: ColumnMapping) -> dict[str, str]:
    """A refused row as it may be kept: no password or user name column, no login in any address."""
    secret_columns = {mapping.columns[f].column for f in ("username", "password") if f in mapping.columns}
    kept = {}
    for column, value in raw.items():
        if column in secret_columns and value:
            kept[column] = WITHHELD
        elif isinstance(value, str) and "://" in value:
            kept[column] = split_login(value)[0]
        else:
            kept[column] = value
    return kept


def load_cameras_mapping(path: Path) -> ColumnMapping:
    return load_mapping(path, kind="cameras", fields=CAMERA_FIELDS, required=REQUIRED)


def _check(v: dict[str, Any]) -> list[FieldError]:
    errors = []
    if v.get("latitude") is None or v.get("longitude") is None:
        errors.append(FieldError(field="latitude", reason="a camera needs a position"))
    elif not (-90 <= v["latitude"] <= 90 and -180 <= v["longitude"] <= 180):
        errors.append(FieldError(field="latitude", reason="outside latitude/longitude ranges"))
    kind = v.get("kind") or "traffic"
    if kind not in {k.value for k in CameraKind}:
        errors.append(
            FieldError(
                field="kind", reason=f"{kind!r} is not one of {', '.join(k.value for k in CameraKind)}"
            )
        )
    heading = v.get("heading")
    if heading is not None and not 0 <= heading < 360:
        errors.append(FieldError(field="heading", reason="degrees from north, 0 to 360"))
    fov = v.get("fov")
    if fov is not None and not 0 < fov <= 360:
        errors.append(FieldError(field="fov", reason="degrees, above 0 and at most 360"))
    for name in ("range", "mount_height"):
        if v.get(name) is not None and v[name] < 0:
            errors.append(FieldError(field=name, reason="cannot be negative"))
    if v.get("sharing") is not None and v["sharing"] not in SHARING:
        errors.append(FieldError(field="sharing", reason=f"one of {', '.join(SHARING)}"))
    for name in ("stream_url", "snapshot_url"):
        url = v.get(name)
        if url and not str(url).lower().startswith(URL_SCHEMES):
            shown = split_login(str(url))[0]
            errors.append(FieldError(field=name, reason=f"{shown!r} is not an rtsp or http address"))
    if v.get("password") and not v.get("username"):
        errors.append(FieldError(field="username", reason="a password was given without a user name"))
    return errors


def _login(v: dict[str, Any]) -> tuple[dict[str, str | None], Login | None, list[FieldError]]:
    """The row's addresses without logins, and its one login (from the username and password fields, or
    else from the addresses)."""
    addresses: dict[str, str | None] = {}
    found: dict[str, Login] = {}
    for name in ("stream_url", "snapshot_url"):
        url = v.get(name)
        addresses[name], carried = split_login(str(url)) if url else (None, None)
        if carried is not None:
            found[name] = carried
    if v.get("username"):
        return addresses, (str(v["username"]), str(v.get("password") or "")), []
    if len(set(found.values())) > 1:
        # Which login goes with the camera is not ours to guess.
        return (
            addresses,
            None,
            [FieldError(field="snapshot_url", reason="its login differs from stream_url's")],
        )
    return addresses, next(iter(found.values()), None), []


def import_cameras(path: Path, mapping: ColumnMapping, agency_id: str) -> CamerasResult:
    reader = RowReader(mapping, CAMERA_FIELDS)
    result = CamerasResult()
    for number, raw in enumerate(read_rows(path, mapping), start=1):
        result.rows += 1
        row = reader.read(number, raw)
        v = row.values
        errors = row.errors or _check(v)
        if not errors and not v.get("camera_id"):
            errors = [FieldError(field="camera_id", reason="missing")]
        addresses, login, login_errors = _login(v)
        errors = errors or login_errors
        if errors:
            result.problems.append(RowProblem(number, errors, _withhold_logins(raw, mapping)))
            continue
        camera_id = str(v["camera_id"])[:64]
        if login is not None:
            result.logins[camera_id] = login
        result.cameras.append(
            {
                "id": camera_id,
                "agency_id": agency_id,
                "name": (v.get("name") or camera_id)[:200],
                "kind": v.get("kind") or "traffic",
                "lat": v["latitude"],
                "lon": v["longitude"],
                "heading_deg": v.get("heading"),
                "fov_deg": v.get("fov"),
                "range_m": v.get("range"),
                "ptz": bool(v.get("ptz")),
                "mount_height_m": v.get("mount_height"),
                "stream_url": addresses["stream_url"],
                "snapshot_url": addresses["snapshot_url"],
                "owner": v.get("owner"),
                "sharing": v.get("sharing"),
                "status": "down" if v.get("online") is False else "up",
                "status_reason": "registry says offline" if v.get("online") is False else None,
            }
        )
    return result

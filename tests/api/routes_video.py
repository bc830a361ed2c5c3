"""Routes of this capability and the permission each needs (merged into test_route_matrix.ROUTES)."""

from typing import Any

from rtcc.domain.roles import Permission as P

VIEWER = (P.LIVE_READ, P.FIELD)

ROUTES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/cameras/{camera_id}/live"): VIEWER,
    ("GET", "/api/v1/video/views/{view_id}/{file_name}"): VIEWER,
    ("GET", "/api/v1/recordings"): (P.CAMERAS_MANAGE, P.FOOTAGE_EXPORT),
    ("POST", "/api/v1/cameras/{camera_id}/recording"): P.CAMERAS_MANAGE,
    ("DELETE", "/api/v1/cameras/{camera_id}/recording"): P.CAMERAS_MANAGE,
    ("POST", "/api/v1/footage/exports"): P.FOOTAGE_EXPORT,
    ("GET", "/api/v1/footage/exports"): P.FOOTAGE_EXPORT,
    ("GET", "/api/v1/footage/exports/{clip_id}"): P.FOOTAGE_EXPORT,
    ("GET", "/api/v1/footage/exports/{clip_id}/download"): P.FOOTAGE_EXPORT,
}
# Placeholders in these paths, and the value the sweep puts in them.
PLACEHOLDERS: dict[str, str] = {
    "{view_id}": "no-such-view",
    "{file_name}": "index.m3u8",
    "{clip_id}": "no-such-clip",
}

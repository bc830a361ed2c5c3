"""Routes of this capability and the permission each needs (merged into test_route_matrix.ROUTES)."""

from typing import Any

from rtcc.domain.roles import Permission as P

ROUTES: dict[tuple[str, str], Any] = {
    ("GET", "/api/v1/camera-health"): P.LIVE_READ,
    ("GET", "/api/v1/camera-health/{camera_id}"): P.LIVE_READ,
    ("GET", "/api/v1/camera-maintenance"): P.LIVE_READ,
    ("PUT", "/api/v1/camera-maintenance/{camera_id}"): P.CAMERAS_MANAGE,
    ("PUT", "/api/v1/cameras/{camera_id}/credentials"): P.CAMERAS_MANAGE,
    ("DELETE", "/api/v1/cameras/{camera_id}/credentials"): P.CAMERAS_MANAGE,
}
# Placeholders in these paths, and the value the sweep puts in them.
PLACEHOLDERS: dict[str, str] = {}

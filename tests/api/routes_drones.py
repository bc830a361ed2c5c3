"""Routes of this capability and the permission each needs (merged into test_route_matrix.ROUTES)."""

from typing import Any

from rtcc.domain.roles import Permission as P

ROUTES: dict[tuple[str, str], Any] = {
    ("GET", "/api/v1/drone-docks"): P.LIVE_READ,
    ("POST", "/api/v1/drone-docks"): P.CAMERAS_MANAGE,
    ("POST", "/api/v1/drones"): P.CAMERAS_MANAGE,
    ("GET", "/api/v1/drones/options"): P.LIVE_READ,
    ("POST", "/api/v1/drones/dispatch"): P.DRONES_DISPATCH,
    ("GET", "/api/v1/drones/{drone_id}"): P.LIVE_READ,
    ("GET", "/api/v1/drones/{drone_id}/flights"): P.LIVE_READ,
    ("GET", "/api/v1/drone-flights"): P.LIVE_READ,
    ("GET", "/api/v1/drone-flights/{flight_id}"): P.LIVE_READ,
}
# Placeholders in these paths, and the value the sweep puts in them.
PLACEHOLDERS: dict[str, str] = {"{drone_id}": "DRONE-1", "{flight_id}": "FLT-000000000000"}

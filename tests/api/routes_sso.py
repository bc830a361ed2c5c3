"""Routes of this capability and the permission each needs (merged into test_route_matrix.ROUTES)."""

from typing import Any

from rtcc.domain.roles import Permission

ROUTES: dict[tuple[str, str], Any] = {
    ("GET", "/api/v1/auth/sso"): "public",
    ("GET", "/api/v1/auth/sso/start"): "public",
    ("GET", "/api/v1/auth/sso/callback"): "public",
    ("POST", "/api/v1/auth/sso/code"): "public",
    ("POST", "/api/v1/auth/sso/session"): "session",
    ("GET", "/api/v1/users/{username}/sso"): Permission.USERS_MANAGE,
    ("POST", "/api/v1/users/{username}/sso/unlink"): Permission.USERS_MANAGE,
}
# Placeholders in these paths, and the value the sweep puts in them.
PLACEHOLDERS: dict[str, str] = {}

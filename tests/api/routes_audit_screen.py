"""Routes of this capability and the permission each needs (merged into test_route_matrix.ROUTES)."""

from typing import Any

from rtcc.domain.roles import Permission

ROUTES: dict[tuple[str, str], Any] = {
    ("GET", "/api/v1/audit/entries"): Permission.AUDIT_READ,
    ("GET", "/api/v1/audit/values"): Permission.AUDIT_READ,
    ("GET", "/api/v1/audit/export.csv"): Permission.AUDIT_READ,
}
# Placeholders in these paths, and the value the sweep puts in them.
PLACEHOLDERS: dict[str, str] = {}

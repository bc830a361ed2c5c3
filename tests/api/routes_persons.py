"""Routes of this capability and the permission each needs (merged into test_route_matrix.ROUTES)."""

from typing import Any

from rtcc.domain.roles import Permission as P

ROUTES: dict[tuple[str, str], Any] = {
    ("GET", "/api/v1/persons"): P.BRIEF_READ,
    ("GET", "/api/v1/persons/{person_id}"): P.BRIEF_READ,
}
# Placeholders in these paths, and the value the sweep puts in them.
PLACEHOLDERS: dict[str, str] = {"{person_id}": "P-NOBODY"}

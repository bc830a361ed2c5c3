"""Routes of this capability and the permission each needs (merged into test_route_matrix.ROUTES)."""

from typing import Any

ROUTES: dict[tuple[str, str], Any] = {}
# Placeholders in these paths, and the value the sweep puts in them.
PLACEHOLDERS: dict[str, str] = {}

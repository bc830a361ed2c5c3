"""Routes of this capability and the permission each needs (merged into test_route_matrix.ROUTES)."""

from typing import Any

from rtcc.domain.roles import Permission as P

PUBLIC = "public"

ROUTES: dict[tuple[str, str], Any] = {
    # The public: registering a camera, its confirmation link, the counts by area, the owner's private link.
    ("GET", "/api/v1/community/program"): PUBLIC,
    ("POST", "/api/v1/community/registrations"): PUBLIC,
    ("POST", "/api/v1/community/confirm"): PUBLIC,
    ("GET", "/api/v1/community/participation"): PUBLIC,
    ("GET", "/api/v1/community/owner/footage-request"): PUBLIC,
    ("POST", "/api/v1/community/owner/footage-request/answer"): PUBLIC,
    ("POST", "/api/v1/community/owner/footage-request/files"): PUBLIC,
    # The agency.
    ("GET", "/api/v1/community/access"): "session",
    ("GET", "/api/v1/community/registrations"): P.CAMERAS_MANAGE,
    ("POST", "/api/v1/community/registrations/{registration_id}/approve"): P.CAMERAS_MANAGE,
    ("POST", "/api/v1/community/registrations/{registration_id}/reject"): P.CAMERAS_MANAGE,
    ("POST", "/api/v1/community/footage-requests"): P.FOOTAGE_EXPORT,
    ("GET", "/api/v1/community/footage-requests"): P.FOOTAGE_EXPORT,
    ("GET", "/api/v1/community/footage-requests/{request_id}"): P.FOOTAGE_EXPORT,
    ("GET", "/api/v1/community/footage-requests/{request_id}/files/{file_id}"): P.FOOTAGE_EXPORT,
}
# Placeholders in these paths, and the value the sweep puts in them.
PLACEHOLDERS: dict[str, str] = {
    "{registration_id}": "no-such-registration",
    "{request_id}": "no-such-request",
    "{file_id}": "no-such-file",
}

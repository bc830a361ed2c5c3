"""Every route in the OpenAPI document, with every role and with no credentials, answers as the
permission matrix (src/rtcc/domain/roles.py, documented in the README) says. A new route must be added
here, with the permission it needs, or this test fails."""

import pytest
from fastapi.testclient import TestClient

from rtcc.domain.roles import Permission, Role, can
from tests.api import (
    routes_audit_screen,
    routes_camera_health,
    routes_community,
    routes_drones,
    routes_persons,
    routes_sso,
    routes_video,
)
from tests.conftest import login

P = Permission
PUBLIC = "public"  # no credentials needed
SESSION = "session"  # any signed-in user
API_KEY = "api key"  # feeds, not people

# A route open to holders of any one of several permissions.
Need = str | Permission | tuple[Permission, ...]

ROUTES: dict[tuple[str, str], Need] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("GET", "/api/v1/transparency"): PUBLIC,
    ("GET", "/transparency"): PUBLIC,
    ("GET", "/transparency.csv"): PUBLIC,
    ("GET", "/transparency.pdf"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): SESSION,
    ("GET", "/api/v1/auth/me"): SESSION,
    ("POST", "/api/v1/auth/mfa/begin"): SESSION,
    ("POST", "/api/v1/auth/mfa/confirm"): SESSION,
    ("POST", "/api/v1/ingest"): API_KEY,
    ("GET", "/api/v1/events"): P.EVENTS_READ,
    ("GET", "/api/v1/calls"): P.LIVE_READ,
    ("GET", "/api/v1/units"): P.LIVE_READ,
    ("GET", "/api/v1/cameras"): P.LIVE_READ,
    ("GET", "/api/v1/drones"): P.LIVE_READ,
    ("GET", "/api/v1/alerts"): P.LIVE_READ,
    ("GET", "/api/v1/alerts/{alert_id}"): P.LIVE_READ,
    ("POST", "/api/v1/alerts/{alert_id}/outcome"): P.ALERTS_RESOLVE,
    ("GET", "/api/v1/reports/alert-outcomes"): P.REPORTS_READ,
    ("GET", "/api/v1/sensors"): P.LIVE_READ,
    ("POST", "/api/v1/sensors"): P.FEEDS_MANAGE,
    ("GET", "/api/v1/retention"): P.REPORTS_READ,
    ("POST", "/api/v1/sharing"): P.SHARING_MANAGE,
    ("GET", "/api/v1/sharing"): P.SHARING_READ,
    ("POST", "/api/v1/sharing/{agreement_id}/revoke"): P.SHARING_MANAGE,
    ("POST", "/api/v1/disclosures"): P.DISCLOSURES,
    ("GET", "/api/v1/disclosures"): P.DISCLOSURES,
    ("GET", "/api/v1/disclosures/{disclosure_id}/package"): P.DISCLOSURES,
    ("GET", "/api/v1/audit"): P.AUDIT_READ,
    ("GET", "/api/v1/audit/verify"): P.AUDIT_READ,
    ("GET", "/api/v1/feeds"): P.FEEDS_READ,
    ("GET", "/api/v1/deadletters"): P.FEEDS_READ,
    ("POST", "/api/v1/sources"): P.FEEDS_MANAGE,
    ("GET", "/api/v1/users"): P.USERS_MANAGE,
    ("POST", "/api/v1/users"): P.USERS_MANAGE,
    ("POST", "/api/v1/users/{username}/unlock"): P.USERS_MANAGE,
    ("POST", "/api/v1/users/{username}/enable"): P.USERS_MANAGE,
    ("POST", "/api/v1/users/{username}/mfa/reset"): P.USERS_MANAGE,
    ("GET", "/api/v1/calls/{call_id}"): P.LIVE_READ,
    ("GET", "/api/v1/calls/{call_id}/brief"): P.BRIEF_READ,
    ("POST", "/api/v1/calls/{call_id}/notes"): P.CALLS_MANAGE,
    ("GET", "/api/v1/calls/{call_id}/units/nearest"): P.LIVE_READ,
    ("GET", "/api/v1/calls/{call_id}/eido"): P.LIVE_READ,
    ("POST", "/api/v1/eido"): P.CALLS_MANAGE,
    ("POST", "/api/v1/calls/{call_id}/bulletins"): P.BULLETINS_SEND,
    ("GET", "/api/v1/calls/{call_id}/bulletins"): P.LIVE_READ,
    ("GET", "/api/v1/reports/response-times"): P.REPORTS_READ,
    ("POST", "/api/v1/field/sign-on"): P.FIELD,
    ("GET", "/api/v1/field"): P.FIELD,
    ("POST", "/api/v1/field/bulletins/{bulletin_id}/read"): P.FIELD,
    ("POST", "/api/v1/records/{kind}"): P.RECORDS_MANAGE,
    ("GET", "/api/v1/records"): P.RECORDS_MANAGE,
    ("POST", "/api/v1/records/links/{link_id}/revalidate"): P.RECORDS_MANAGE,
    ("GET", "/api/v1/cameras/near"): P.LIVE_READ,
    ("GET", "/api/v1/hotlists"): P.ALPR_READ,
    ("POST", "/api/v1/hotlists"): P.HOTLISTS_MANAGE,
    ("DELETE", "/api/v1/hotlists/{entry_id}"): P.HOTLISTS_MANAGE,
    ("POST", "/api/v1/hotlists/files"): P.HOTLISTS_MANAGE,
    ("GET", "/api/v1/plates/search"): P.ALPR_READ,
    ("GET", "/api/v1/plates/{plate}/track"): P.ALPR_READ,
    ("GET", "/api/v1/plates/{plate}/companions"): P.ALPR_READ,
    ("POST", "/api/v1/alerts/{alert_id}/checks"): P.ALERTS_RESOLVE,
    ("GET", "/api/v1/alerts/{alert_id}/checks"): P.ALERTS_RESOLVE,
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): P.ALERTS_RESOLVE,
    ("POST", "/api/v1/alerts/{alert_id}/assign"): P.ALERTS_RESOLVE,
    ("POST", "/api/v1/alerts/{alert_id}/dismiss"): P.ALERTS_RESOLVE,
    ("GET", "/api/v1/positions"): P.LIVE_READ,
    ("POST", "/api/v1/positions"): P.USERS_MANAGE,
    ("POST", "/api/v1/positions/{position_id}/sign-in"): P.ALERTS_RESOLVE,
    ("POST", "/api/v1/positions/{position_id}/sign-out"): (P.ALERTS_RESOLVE, P.USERS_MANAGE),
    ("GET", "/api/v1/map/streets"): (P.LIVE_READ, P.FIELD),
    ("GET", "/api/v1/map/config"): (P.LIVE_READ, P.FIELD),
    ("GET", "/api/v1/cameras/{camera_id}/snapshot"): (P.LIVE_READ, P.FIELD),
}
# Each capability lists its own routes beside its tests.
_AREAS = (
    routes_audit_screen,
    routes_camera_health,
    routes_community,
    routes_drones,
    routes_persons,
    routes_sso,
    routes_video,
)
PLACEHOLDERS: dict[str, str] = {}
for _area in _AREAS:
    ROUTES.update(_area.ROUTES)
    PLACEHOLDERS.update(_area.PLACEHOLDERS)


def spec_routes(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return [(method.upper(), path) for path, methods in spec["paths"].items() for method in methods]


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    assert sorted(spec_routes(client)) == sorted(ROUTES)


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    concrete = (
        path.replace("{alert_id}", "no-such-alert")
        .replace("{username}", "no-such-user")
        .replace("{disclosure_id}", "no-such-disclosure")
        .replace("{agreement_id}", "no-such-agreement")
        .replace("{call_id}", "no-such-call")
        .replace("{kind}", "persons")
        .replace("{link_id}", "no-such-link")
        .replace("{bulletin_id}", "no-such-bulletin")
        .replace("{entry_id}", "no-such-entry")
        .replace("{plate}", "ABC1234")
        .replace("{position_id}", "no-such-position")
        .replace("{camera_id}", "no-such-camera")
    )
    for name, value in PLACEHOLDERS.items():
        concrete = concrete.replace(name, value)
    return client.request(
        method, concrete, headers=headers, json={} if method == "POST" else None
    ).status_code


def may(role: Role, need: Need) -> bool:
    if isinstance(need, tuple):
        return any(can(role, p) for p in need)
    if isinstance(need, Permission):
        return can(role, need)
    return need == SESSION


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_what_the_matrix_gives_it(client: TestClient, role: Role) -> None:
    headers = login(client, role.value)
    for (method, path), need in ROUTES.items():
        if need in (PUBLIC, API_KEY) or path == "/api/v1/auth/logout":
            continue
        status = call(client, method, path, headers)
        if may(role, need):
            assert status not in (401, 403), f"{role.value} was refused {method} {path} ({status})"
        else:
            assert status == 403, f"{role.value} got {status} for {method} {path}, which needs {need}"


def test_without_credentials_only_public_routes_answer(client: TestClient) -> None:
    for (method, path), need in ROUTES.items():
        status = call(client, method, path, {})
        if need == PUBLIC:
            assert status not in (401, 403), f"{method} {path} should be public"
        else:
            assert status == 401, f"{method} {path} answered {status} without credentials"

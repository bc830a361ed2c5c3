"""Roles and what each may do. Least privilege: a role has only the permissions listed here."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    OFFICER = "officer"
    ANALYST = "analyst"
    AUDITOR = "auditor"


class Permission(StrEnum):
    LIVE_READ = "live:read"  # live picture: calls, units, cameras, sensors, drones, alerts
    EVENTS_READ = "events:read"  # the raw event history (investigations)
    ALPR_READ = "alpr:read"
    GUNSHOT_READ = "gunshot:read"
    FEEDS_READ = "feeds:read"  # feed status and dead letters
    FEEDS_MANAGE = "feeds:manage"  # create sources and rotate their keys
    USERS_MANAGE = "users:manage"
    AUDIT_READ = "audit:read"
    ALERTS_RESOLVE = "alerts:resolve"  # record what an alert turned out to be
    REPORTS_READ = "reports:read"  # outcome and precision reports
    DISCLOSURES = "disclosures:manage"  # release data outside the agency (records requests, subpoenas)
    SHARING_MANAGE = "sharing:manage"  # make and revoke sharing agreements with other agencies
    SHARING_READ = "sharing:read"
    BRIEF_READ = "brief:read"  # the threat brief: residents' criminal history and their associates
    CALLS_MANAGE = "calls:manage"  # notes on calls, EIDO import
    BULLETINS_SEND = "bulletins:send"  # bulletins from the center to the units on a call
    FIELD = "field:use"  # the officer's field view: sign on to a unit, receive and read bulletins
    HOTLISTS_MANAGE = "hotlists:manage"  # enter and remove hotlist entries, schedule hotlist files
    RECORDS_MANAGE = "records:manage"  # import persons, history, links; re-validate intelligence records
    FOOTAGE_EXPORT = "footage:export"  # export video clips as evidence, request footage from camera owners
    CAMERAS_MANAGE = "cameras:manage"  # camera credentials, maintenance, community camera approvals
    DRONES_DISPATCH = "drones:dispatch"  # send a drone to an incident


P = Permission

# What the people at the desks of the center (operators and their supervisors) need.
_DESK = frozenset(
    {
        P.LIVE_READ,
        P.EVENTS_READ,
        P.ALPR_READ,
        P.GUNSHOT_READ,
        P.FEEDS_READ,
        P.ALERTS_RESOLVE,
        P.REPORTS_READ,
        P.BRIEF_READ,
        P.CALLS_MANAGE,
        P.BULLETINS_SEND,
        P.HOTLISTS_MANAGE,
        P.FOOTAGE_EXPORT,
        P.DRONES_DISPATCH,
    }
)

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            P.LIVE_READ,
            P.EVENTS_READ,
            P.FEEDS_READ,
            P.FEEDS_MANAGE,
            P.USERS_MANAGE,
            P.REPORTS_READ,
            P.SHARING_MANAGE,
            P.SHARING_READ,
            P.CAMERAS_MANAGE,
        }
    ),
    Role.SUPERVISOR: _DESK | {P.DISCLOSURES, P.SHARING_READ, P.RECORDS_MANAGE, P.CAMERAS_MANAGE},
    Role.OPERATOR: _DESK,
    Role.OFFICER: frozenset({P.LIVE_READ, P.GUNSHOT_READ, P.ALERTS_RESOLVE, P.BRIEF_READ, P.FIELD}),
    Role.ANALYST: frozenset(
        {
            P.LIVE_READ,
            P.EVENTS_READ,
            P.ALPR_READ,
            P.GUNSHOT_READ,
            P.REPORTS_READ,
            P.BRIEF_READ,
            P.RECORDS_MANAGE,
            P.FOOTAGE_EXPORT,
        }
    ),
    Role.AUDITOR: frozenset({P.AUDIT_READ, P.FEEDS_READ, P.REPORTS_READ, P.SHARING_READ}),
}

# What each role receives over the live WebSocket, by event-type prefix. Explicit, like the matrix above:
# an officer in the field does not receive every plate read in the city, and an auditor no live data.
_FIELD_PICTURE = ("call.", "incident.", "unit.", "camera.", "drone.", "alert.")
_WHOLE_PICTURE = (*_FIELD_PICTURE, "alpr.", "gunshot.", "sensor.")
# Who sits at which operator position: the center's own desks, not the field's business.
_DESK_TOPICS = ("position.",)
WS_TOPICS: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: (*_FIELD_PICTURE, "sensor.", *_DESK_TOPICS),
    Role.SUPERVISOR: (*_WHOLE_PICTURE, *_DESK_TOPICS),
    Role.OPERATOR: (*_WHOLE_PICTURE, *_DESK_TOPICS),
    Role.OFFICER: _FIELD_PICTURE,
    Role.ANALYST: (*_WHOLE_PICTURE, *_DESK_TOPICS),
    Role.AUDITOR: (),
}

# Which permission reading each event type's history needs.
EVENT_TYPE_PERMISSION: dict[str, Permission] = {"alpr.": P.ALPR_READ, "gunshot.": P.GUNSHOT_READ}


# CJIS Security Policy: lock an account after 5 failed sign-ins within 15 minutes, until an administrator
# unlocks it.
LOCKOUT_ATTEMPTS = 5
LOCKOUT_WINDOW_MINUTES = 15
# and disable accounts nobody has used for 90 days.
INACTIVE_DAYS = 90


def can(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


def may_receive(role: Role, event_type: str) -> bool:
    return event_type.startswith(WS_TOPICS[role])


def may_read_type(role: Role, event_type: str) -> bool:
    """Whether the role may read stored events of this type through the history API."""
    if not can(role, P.EVENTS_READ):
        return False
    for prefix, perm in EVENT_TYPE_PERMISSION.items():
        if event_type.startswith(prefix):
            return can(role, perm)
    return True

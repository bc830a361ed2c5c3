from rtcc.domain.roles import PERMISSIONS, WS_TOPICS, Permission, Role, can, may_read_type, may_receive


def test_every_role_has_permissions_and_a_topic_list() -> None:
    assert set(PERMISSIONS) == set(Role)
    assert set(WS_TOPICS) == set(Role)


def test_officers_do_not_receive_every_plate_read_in_the_city() -> None:
    assert may_receive(Role.OPERATOR, "alpr.read")
    assert not may_receive(Role.OFFICER, "alpr.read")
    assert may_receive(Role.OFFICER, "call.received")


def test_auditors_see_the_audit_but_no_live_data() -> None:
    assert can(Role.AUDITOR, Permission.AUDIT_READ)
    assert not can(Role.AUDITOR, Permission.LIVE_READ)
    assert not may_receive(Role.AUDITOR, "unit.location")


def test_history_of_plate_reads_needs_the_alpr_permission() -> None:
    assert may_read_type(Role.ANALYST, "alpr.read")
    assert not may_read_type(Role.ADMIN, "alpr.read")  # administrators run the system, not investigations
    assert may_read_type(Role.ADMIN, "unit.location")
    assert not may_read_type(Role.OFFICER, "unit.location")

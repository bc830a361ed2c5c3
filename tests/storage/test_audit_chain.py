"""`rtcc audit verify` finds an altered, a deleted and an inserted entry, and says which."""

import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from rtcc.main import cli
from rtcc.storage.audit import AuditLog
from rtcc.storage.db import Database
from rtcc.storage.tables import audit_log

runner = CliRunner()


@pytest.fixture
def log(db: Database) -> AuditLog:
    audit = AuditLog(db)
    for i in range(6):
        audit.record(
            action="search",
            resource="GET /api/v1/events",
            outcome="success",
            username=f"analyst{i % 2}",
            detail={"query": {"type": "alpr.read", "n": i}},
            purpose="case 26-000123",
        )
    return audit


def verify(monkeypatch: pytest.MonkeyPatch, database_url: str) -> tuple[int, str]:
    monkeypatch.setenv("RTCC_MODE", "demo")
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    result = runner.invoke(cli, ["audit", "verify"])
    return result.exit_code, result.output.replace("\n", " ")


def test_an_untouched_log_is_intact_and_checking_it_is_audited(
    log: AuditLog, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    code, out = verify(monkeypatch, database_url)
    assert code == 0 and "audit log intact: 6 entries" in out
    assert log.entries(action="audit.verify")[0].outcome == "intact"
    assert log.verify().intact and log.verify().checked == 7


def test_an_altered_entry_is_named(
    log: AuditLog, db: Database, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    with db.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(username="someone-else"))
    code, out = verify(monkeypatch, database_url)
    assert code == 1 and "entry 3: its content was altered" in out


def test_a_deleted_entry_is_named(
    log: AuditLog, db: Database, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    with db.write() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 4))
    code, out = verify(monkeypatch, database_url)
    assert code == 1 and "entries 4..4 are missing" in out and "entry 5: does not follow entry 3" in out


def test_an_inserted_entry_is_named(
    log: AuditLog, db: Database, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    with db.write() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.seq == 2)).mappings().one()
        forged = dict(row, seq=100, username="ghost")
        conn.execute(insert(audit_log).values(**forged))
    problems = log.verify().problems
    assert any("entry 100: does not follow entry 6" in p for p in problems)
    assert any("entry 100: its content was altered" in p for p in problems)
    code, _ = verify(monkeypatch, database_url)
    assert code == 1

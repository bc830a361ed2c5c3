"""Shared fixtures. Every test runs on a real database: SQLite by default, PostgreSQL when
RTCC_TEST_DATABASE_URL names one (CI runs the suite both ways)."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rtcc.app import create_app
from rtcc.config import Settings
from rtcc.domain.roles import Role
from rtcc.storage.accounts import Accounts, hash_password
from rtcc.storage.db import Database, upgrade
from rtcc.storage.tables import metadata

PG_URL = os.environ.get("RTCC_TEST_DATABASE_URL", "")
# CI sets this so that a missing broker or database fails the run instead of skipping tests.
REQUIRE_SERVICES = os.environ.get("RTCC_REQUIRE_SERVICES") == "1"
TEST_PASSWORD = "correct horse battery staple"


def service_up(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    if not service_up(host, port):
        if REQUIRE_SERVICES:
            pytest.fail(f"{name} is not reachable at {host}:{port}")
        pytest.skip(f"{name} is not reachable at {host}:{port}")


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database made once per test process: a SQLite file to copy, or a PostgreSQL database."""
    if PG_URL:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"rtcc_test_{worker}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = create_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield str(path)


@pytest.fixture
def database_url(_template: str, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for one test."""
    if PG_URL:
        engine = create_engine(_template)
        tables = ", ".join(t.name for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return _template
    path = tmp_path / "rtcc.db"
    shutil.copyfile(_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(mode="demo", database_url=database_url, sqlite_synchronous="NORMAL")


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    yield database
    database.dispose()


@dataclass
class World:
    """A seeded agency with a user per role and one source per built-in adapter."""

    agency_id: str
    other_agency_id: str
    keys: dict[str, str]  # source name -> API key
    source_ids: dict[str, str]


@pytest.fixture(scope="session")
def test_password_hash() -> str:
    return hash_password(TEST_PASSWORD)


@pytest.fixture
def world(db: Database, test_password_hash: str) -> World:
    accounts = Accounts(db)
    agency = accounts.create_agency("Columbus Division of Police", agency_id="cpd", ori="OH0250300")
    other = accounts.create_agency("Franklin County Sheriff", agency_id="fcso")
    for role in Role:
        accounts.create_user(agency.id, role.value, None, role, password_hash=test_password_hash)
    accounts.create_user(other.id, "other-operator", None, Role.OPERATOR, password_hash=test_password_hash)
    keys, ids = {}, {}
    for name, adapter in (("cad", "native"), ("avl", "avl"), ("alpr", "alpr"), ("sensors", "acoustic")):
        source, key = accounts.create_source(agency.id, name, adapter)
        keys[name], ids[name] = key, source.id
    source, key = accounts.create_source(other.id, "other-cad", "native")
    keys["other-cad"], ids["other-cad"] = key, source.id
    return World(agency.id, other.id, keys, ids)


@pytest.fixture
def client(settings: Settings, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def login(client: TestClient, username: str) -> dict[str, str]:
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": TEST_PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

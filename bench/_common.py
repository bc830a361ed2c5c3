"""Shared pieces of the benchmarks: scratch databases, seeding, and the real server as a child process."""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rtcc.domain.entities import Source
from rtcc.domain.roles import Role
from rtcc.storage.accounts import Accounts
from rtcc.storage.db import Database

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_PASSWORD = "bench password, not for production"


# ---- numbers ---------------------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), nearest rank on sorted values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


# ---- scratch databases -----------------------------------------------------------------------------------
class Backend:
    """Makes fresh databases of one kind for a run and removes them afterwards."""

    name: str

    def new_database(self, label: str) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, parent: str | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="rtcc-bench-", dir=parent))

    def new_database(self, label: str) -> str:
        return f"sqlite:///{self.dir / (label + '.db')}"

    def describe(self) -> str:
        return f"SQLite files in {self.dir}"

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresBackend(Backend):
    """Scratch databases ``rtcc_bench_<random>_<label>`` on the server named by ``admin_url``."""

    name = "postgres"

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.run_id = secrets.token_hex(3)
        self.created: list[str] = []
        self.admin = create_engine(
            admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with self.admin.connect() as conn:  # fails fast when the server is unreachable
            self.version = str(conn.execute(text("SHOW server_version")).scalar_one())

    def new_database(self, label: str) -> str:
        name = f"rtcc_bench_{self.run_id}_{label}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def describe(self) -> str:
        url = make_url(self.admin_url).render_as_string(hide_password=True)
        return f"PostgreSQL {self.version} at {url}, scratch databases rtcc_bench_{self.run_id}_*"

    def close(self) -> None:
        try:
            with self.admin.connect() as conn:
                for name in self.created:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.created.clear()
        finally:
            self.admin.dispose()


# ---- seeding ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Seed:
    agency_id: str
    source: Source
    api_key: str
    username: str | None
    password: str


def seed(db: Database, *, with_operator: bool = True) -> Seed:
    """One agency, one native source and (optionally) one operator who watches the live stream."""
    accounts = Accounts(db)
    agency = accounts.create_agency("Bench City Police", agency_id="bench")
    source, api_key = accounts.create_source(agency.id, "bench-feed", "native")
    username = None
    if with_operator:
        username = "bench-operator"
        accounts.create_user(agency.id, username, BENCH_PASSWORD, Role.OPERATOR)
    return Seed(agency.id, source, api_key, username, BENCH_PASSWORD)


# ---- the server as a child process -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(port: int) -> list[str]:
    """The server as `rtcc serve` runs it (uvicorn, one worker, no access log), built by the app factory
    from RTCC_* settings in the environment."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "rtcc.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
        # A WebSocket handler that is idle when its client leaves keeps a graceful shutdown waiting.
        "--timeout-graceful-shutdown",
        "3",
    ]


def server_env(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without any RTCC_* setting of the caller's, plus the bench's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTCC_")}
    env.update(
        {
            "RTCC_MODE": "demo",
            "RTCC_DATABASE_URL": database_url,
            "RTCC_LOG_LEVEL": "warning",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def process_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process (all its threads), from /proc; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class Server:
    """`rtcc serve` (one uvicorn worker) on a free loopback port; always stopped by :meth:`stop`."""

    def __init__(self, database_url: str, *, cpu: int | None, log_dir: Path, extra_env: dict[str, str]):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.cpu = cpu
        self.log_path = log_dir / f"server-{self.port}.log"
        self._log: IO[bytes] = self.log_path.open("wb")

        def pin() -> None:  # runs in the child before exec: every thread of the server inherits it
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})

        self.proc = subprocess.Popen(
            server_command(self.port),
            env=server_env(database_url, extra_env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=pin if cpu is not None else None,
        )

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_tail()
                last = tail.splitlines()[-1] if tail else ""
                raise RuntimeError(f"server exited with {self.proc.returncode}: {last}\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base_url + "/readyz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout_s:.0f} s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self.proc.pid)

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            self._log.flush()
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no server log)"

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly on SIGINT
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
        finally:
            self._log.close()


@contextlib.contextmanager
def running_server(
    database_url: str, *, cpu: int | None, log_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    server = Server(database_url, cpu=cpu, log_dir=log_dir, extra_env=extra_env or {})
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def server_cpu() -> int | None:
    """The CPU the server is pinned to (the last one this process may use), or None without affinity."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return cpus[-1] if len(cpus) > 1 else None


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so that ``finally`` blocks stop the server and drop scratch databases."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)

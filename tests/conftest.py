"""Shared fixtures: policies, clocks, databases (SQLite and PostgreSQL), app, API, CLI."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient
from typer.testing import CliRunner

from tests.fakes import ManualClock
from tests.support.smtp import SmtpServer
from warroom.adapters import db as database
from warroom.adapters.orm import metadata, start_mappers
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.access import AccessRole
from warroom.domain.policy import Policy
from warroom.entrypoints.api.app import create_app
from warroom.entrypoints.cli.client import ApiClient
from warroom.entrypoints.cli.main import app as cli_app
from warroom.entrypoints.cli.state import CliState

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get("WARROOM_TEST_DATABASE_URL", "")


def need(condition: bool, reason: str) -> None:
    """Skip a tier whose component is missing; in CI a missing component is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 for this test."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def standard() -> Policy:
    return load_policy("standard")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


# -- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test is slow)."""
    start_mappers()
    path = tmp_path_factory.mktemp("template") / "warroom.db"
    db = database.open_database(f"sqlite:///{path}")
    database.upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    need(
        bool(PG_URL),
        "WARROOM_TEST_DATABASE_URL is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
    )
    start_mappers()
    name = f"warroom_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is down or refuses us
        admin.dispose()
        need(False, f"cannot create a PostgreSQL test database at {PG_URL}: {exc}")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    db = database.open_database(url)
    database.upgrade(db)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO counters (name, value) VALUES ('incident', 0)"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "warroom.db"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_server_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "warroom.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


# -- the application ----------------------------------------------------------------------------


def make_warroom(url: str, clock: ManualClock, policy: str | Policy = "standard") -> Warroom:
    chosen = policy if isinstance(policy, Policy) else load_policy(policy)
    settings = Settings(database_url=url, dev=True, token_cache_seconds=0)
    return bootstrap(settings, clock=clock, policy=chosen, migrate=False)


@pytest.fixture
def policy(standard: Policy) -> Policy:
    """The policy `wr` runs; a test module overrides this fixture to run another."""
    return standard


@pytest.fixture
def wr(database_url: str, clock: ManualClock, policy: Policy) -> Iterator[Warroom]:
    app = make_warroom(database_url, clock, policy)
    yield app
    app.close()


class Api:
    """A TestClient per access role, on one app."""

    def __init__(self, wr: Warroom) -> None:
        self.wr = wr
        self.app = create_app(wr)
        self.clients: dict[str, TestClient] = {}
        for role, name in (("admin", "root"), ("responder", "emily"), ("viewer", "victor")):
            token, _ = wr.tokens.create(name=name, role=AccessRole(role), now=wr.clock.now())
            self.clients[role] = TestClient(
                self.app,
                headers={"Authorization": f"Bearer {token}"},
                raise_server_exceptions=False,
            )
        self.anonymous = TestClient(self.app, raise_server_exceptions=False)

    @property
    def responder(self) -> TestClient:
        return self.clients["responder"]

    @property
    def admin(self) -> TestClient:
        return self.clients["admin"]

    @property
    def viewer(self) -> TestClient:
        return self.clients["viewer"]

    def close(self) -> None:
        for client in [*self.clients.values(), self.anonymous]:
            client.close()


@pytest.fixture
def statements(wr: Warroom) -> Iterator[list[str]]:
    """The SQL the write engine runs while the test does, whitespace collapsed."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(wr.db.write, "before_cursor_execute", record)
    yield seen
    event.remove(wr.db.write, "before_cursor_execute", record)


@pytest.fixture
def api(wr: Warroom) -> Iterator[Api]:
    client = Api(wr)
    yield client
    client.close()


class Cli:
    """Runs `warroom …` in process against the test API, as a given role."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.runner = CliRunner()

    def __call__(self, *args: str, role: str = "responder") -> Any:
        client = self.api.clients[role]
        state = CliState(client_factory=lambda: ApiClient(client, "http://testserver"))
        return self.runner.invoke(cli_app, list(args), obj=state, catch_exceptions=False)


@pytest.fixture
def cli(api: Api) -> Cli:
    return Cli(api)


@pytest.fixture
def declare(api: Api) -> Callable[..., dict[str, Any]]:
    """Declare an incident through the API and return its JSON."""

    def make(title: str = "Logging in is broken for all users", **body: Any) -> dict[str, Any]:
        body.setdefault("severity", "sev2")
        body.setdefault("force", True)
        response = api.responder.post("/api/v1/incidents", json={"title": title, **body})
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    return make

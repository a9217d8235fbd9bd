"""Engines for SQLite (embedded) and PostgreSQL (scale-out), and schema migrations."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from warroom.domain.policy import Policy


@dataclass
class Database:
    """A write engine for units of work and a read engine for queries (the same on PostgreSQL)."""

    url: str
    write: Engine
    read: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.write.dialect.name == "sqlite"

    def session_factory(self) -> sessionmaker[Session]:
        return sessionmaker(bind=self.write, expire_on_commit=False)

    def dispose(self) -> None:
        self.write.dispose()
        if self.read is not self.write:
            self.read.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off: SQLAlchemy emits BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN: a deferred transaction that reads and then writes
    # fails at once with SQLITE_BUSY when another writer got there first.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def open_database(url: str, *, pool_size: int = 10) -> Database:
    """Create engines for `url`; for a SQLite file, create its folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engines = []
        for begin in (_begin_immediate, _begin_deferred):
            engine = create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=pool_size,
                max_overflow=20,
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", begin)
            engines.append(engine)
        return Database(url=url, write=engines[0], read=engines[1])
    engine = create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)
    return Database(url=url, write=engine, read=engine)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("warroom") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head", *, policy: Policy | None = None) -> None:
    """Bring the schema up to `revision` (idempotent). Migrations that derive data from the
    process (the metrics' facts) use `policy`, the standard one when not given."""
    config = alembic_config(db.url)
    with db.write.connect() as connection:
        config.attributes["connection"] = connection
        config.attributes["policy"] = policy
        command.upgrade(config, revision)


def downgrade(db: Database, revision: str) -> None:
    """Take the schema back to `revision` ('base' removes every table)."""
    config = alembic_config(db.url)
    with db.write.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

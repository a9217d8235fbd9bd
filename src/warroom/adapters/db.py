"""Engines for SQLite (embedded) and PostgreSQL (scale-out), and schema migrations."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from warroom.adapters import core_changes
from warroom.adapters.wal_checkpoints import BACKSTOP_PAGES, Checkpointer
from warroom.domain.policy import Policy


@dataclass
class Database:
    """A write engine for units of work and a read engine for queries (the same on PostgreSQL)."""

    url: str
    write: Engine
    read: Engine
    writers: WriterQueue | None = None  # SQLite: this process's queue for the write slot
    checkpointer: Checkpointer | None = None  # SQLite file: its log's checkpoints

    @property
    def is_sqlite(self) -> bool:
        return self.write.dialect.name == "sqlite"

    def session_factory(self) -> sessionmaker[Session]:
        return sessionmaker(bind=self.write, expire_on_commit=False)

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.write.dispose()
        if self.read is not self.write:
            self.read.dispose()


BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off: SQLAlchemy emits BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def json_loads(text: str | bytes) -> Any:
    """JSON columns read with orjson (several times faster than `json`: a thousand rows'
    service lists are read for every declaration's duplicate check), falling back to
    `json` for what orjson refuses (NaN, integers past 64 bits)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class FifoLock:
    """A lock handed to its waiters in the order they came.

    `threading.Lock` promises no order: a thread that has just released it may take it
    again, and any of the waiters may be woken first, so under steady concurrent writes one
    request can lose the race many times running while others pass it. Here each waiter
    is woken on its own, and a release hands ownership straight to the oldest waiter. A
    waiter is a thread (`acquire`) or a coroutine of an event loop (`acquire_async`), which
    waits without holding up its loop; both queue in the same line. One exception to the
    order: a thread that blocks while running an event loop (code on the loop that writes
    without `acquire_async`) goes before that loop's coroutines, which could not run while
    it waits — behind them it would wait for ever.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        # Each entry hands the lock to one waiter; with the loop a coroutine waits on.
        self._waiters: deque[tuple[Callable[[], None], asyncio.AbstractEventLoop | None]] = deque()

    def acquire(self, timeout: float) -> bool:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            waiter = threading.Lock()
            waiter.acquire()
            entry = (waiter.release, None)
            place = len(self._waiters)
            if running is not None:
                place = next(
                    (n for n, (_, loop) in enumerate(self._waiters) if loop is running), place
                )
            self._waiters.insert(place, entry)
        if waiter.acquire(timeout=timeout):
            return True  # handed over by `release`: still held, now by this thread
        with self._mutex:
            try:
                self._waiters.remove(entry)
            except ValueError:
                return True  # handed over between the timeout and here
            return False

    async def acquire_async(self, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            handed: asyncio.Future[None] = loop.create_future()

            def hand() -> None:  # under `release`'s mutex, from any thread
                loop.call_soon_threadsafe(self._hand, handed)

            entry = (hand, loop)
            self._waiters.append(entry)
        try:
            async with asyncio.timeout(timeout):
                await handed
            return True
        except TimeoutError:
            self._give_up(entry, handed)
            return False
        except asyncio.CancelledError:
            self._give_up(entry, handed)
            raise

    def _give_up(self, entry: Any, handed: asyncio.Future[None]) -> None:
        """A coroutine stops waiting: out of the line, or the lock it was handed passed on."""
        with self._mutex:
            try:
                self._waiters.remove(entry)
                return
            except ValueError:
                pass  # handed over: `_hand` passes it on, or it is already ours
        if handed.done() and not handed.cancelled():
            self.release()  # ours, but no one will use it
        else:
            handed.cancel()  # `_hand` has yet to run: it passes the lock on

    def _hand(self, handed: asyncio.Future[None]) -> None:
        if handed.cancelled():
            self.release()  # its waiter gave up: the next one in line
        else:
            handed.set_result(None)

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                hand, _loop = self._waiters.popleft()
                hand()
            else:
                self._held = False


class SlotBusy(Exception):
    """Another process holds the database's write lock; the write must wait for it, which
    the caller that took the slot ahead (`WriterQueue.take_in_turn`) may not do."""


class WriterQueue:
    """One write transaction at a time among this process's threads (SQLite).

    SQLite has one writer; a thread whose `BEGIN IMMEDIATE` finds the lock taken waits in
    SQLite's busy handler, which sleeps 1, 2, 5, 10 … up to 100 ms between tries, so under
    concurrent writes a short transaction could wait a hundred times its own length. The
    threads of one process queue here instead, first come first served (`FifoLock`), and
    each starts the moment the previous connection is handed back. Other processes on the
    same file still meet the busy handler. The lock is held from BEGIN until the connection
    returns to the pool (after its COMMIT or ROLLBACK), by the connection, so a connection
    running several transactions in one checkout takes it once.
    """

    KEY = "warroom.writer"

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = FifoLock()
        self._taken = threading.local()  # a slot taken ahead by this thread (`take_in_turn`)
        # Called by the slot's holder after each write transaction, before giving it back.
        self.on_release: Callable[[], None] | None = None

    async def take_in_turn(self) -> None:
        """Take the write slot for the next write transaction of the event loop's thread,
        waiting in line without holding up the loop. That transaction's BEGIN then uses it
        (and may raise `SlotBusy`); `drop_if_unused` gives it back if none began."""
        if not await self._lock.acquire_async(timeout=self.timeout):
            raise self._no_slot()
        self._taken.slot = True

    def _no_slot(self) -> sqlite3.OperationalError:
        return sqlite3.OperationalError(
            f"database is locked: no write slot within {self.timeout:.0f} s"
        )

    def drop_if_unused(self) -> None:
        if getattr(self._taken, "slot", False):
            self._taken.slot = False
            self._lock.release()

    def begin(self, conn: Any) -> None:
        info = conn.connection.info
        ahead = False
        if not info.get(self.KEY):
            if getattr(self._taken, "slot", False):
                self._taken.slot, ahead = False, True
            elif not self._lock.acquire(timeout=self.timeout):
                raise self._no_slot()
            info[self.KEY] = True
        # Take the write lock at BEGIN: a deferred transaction that reads and then writes
        # fails at once with SQLITE_BUSY when another writer got there first.
        if not ahead:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        # A slot taken ahead is used where waiting is not allowed (on the event loop):
        # another process holding the database's lock makes this BEGIN fail at once
        # rather than wait in SQLite's busy handler, and the caller waits elsewhere.
        dbapi = conn.connection.dbapi_connection
        dbapi.execute("PRAGMA busy_timeout=0")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
                raise SlotBusy from exc
            raise
        finally:
            dbapi.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def release(self, _dbapi_connection: Any, record: Any, *_args: Any) -> None:
        if record is not None and record.info.pop(self.KEY, False):
            try:
                if self.on_release is not None:
                    self.on_release()
            finally:
                self._lock.release()

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "begin", self.begin)
        for name in ("checkin", "invalidate", "soft_invalidate"):
            event.listen(engine.pool, name, self.release)


def _begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def _checkpoint_backstop(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")


def open_database(url: str, *, pool_size: int = 10) -> Database:
    """Create engines for `url`; for a SQLite file, create its folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engines = []
        for _ in ("write", "read"):
            engine = create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=pool_size,
                max_overflow=20,
                json_deserializer=json_loads,
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            engines.append(engine)
        write, read = engines
        core_changes.install(write)  # the audit sees the units of work's Core statements
        writers = WriterQueue(timeout=30)
        writers.attach(write)
        event.listen(read, "begin", _begin_deferred)
        checkpointer = None
        if parsed.database and parsed.database != ":memory:":
            # Commits no longer checkpoint the log; a thread does (`wal_checkpoints`).
            event.listen(write, "connect", _checkpoint_backstop)
            checkpointer = Checkpointer(parsed.database)
            writers.on_release = checkpointer.wrote
        return Database(url=url, write=write, read=read, writers=writers, checkpointer=checkpointer)
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True, json_deserializer=json_loads
    )
    core_changes.install(engine)
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

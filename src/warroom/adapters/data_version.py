"""A token that changes whenever anything commits to the database, from any connection of
any process: a read computed after seeing token T stays true for as long as the token is T.

SQLite: `PRAGMA data_version` on one connection kept for the purpose (it changes when
another connection commits). PostgreSQL: `pg_current_snapshot()`, whose text changes when
any write transaction starts or ends. Other databases (an in-memory SQLite) get None:
nothing may be cached.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, text


class DataVersion:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        url = engine.url
        self.kind = engine.dialect.name
        if self.kind == "sqlite" and url.database not in (None, "", ":memory:"):
            self._path: str | None = url.database
        else:
            self._path = None

    def current(self) -> Any:
        """The token now, or None when this database cannot say."""
        if self.kind == "postgresql":
            with self.engine.connect() as conn:
                return conn.execute(text("SELECT pg_current_snapshot()::text")).scalar_one()
        if self._path is None:
            return None
        with self._lock:
            if self._sqlite is None:
                self._sqlite = sqlite3.connect(self._path, check_same_thread=False)
            return self._sqlite.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None

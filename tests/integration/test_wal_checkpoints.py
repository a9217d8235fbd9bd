"""SQLite's log is checkpointed by a thread and by the end of the write after it, not by
commits: the log stays short, starts again, and no write is lost or waits on a failure."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from warroom.adapters import wal_checkpoints
from warroom.adapters.db import Database, open_database


def _open(path: Path) -> Database:
    db = open_database(f"sqlite:///{path}")
    with db.write.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER, pad TEXT)"))
    return db


def _write(db: Database, n: int, start: int = 0) -> None:
    for value in range(start, start + n):
        with db.write.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:x, :pad)"), {"x": value, "pad": "p" * 500})


def _log_pages(path: Path) -> int:
    """Frames in the log now (SQLite's own count; a copied-back log is reused from its start)."""
    conn = sqlite3.connect(path)
    try:
        _busy, pages, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(pages)
    finally:
        conn.close()


def _wait_for_round(db: Database, rounds: int) -> None:
    """Write until the thread's copy is done and a write's end has finished the round."""
    assert db.checkpointer is not None
    for _ in range(500):
        if db.checkpointer.rounds >= rounds:
            return
        _write(db, 1, start=-1)
        threading.Event().wait(0.005)
    raise AssertionError(f"no round {rounds} after 500 writes")


def test_commits_leave_the_log_to_the_checkpointer(tmp_path: Path) -> None:
    db = _open(tmp_path / "w.db")
    raw = db.write.raw_connection()  # no transaction: not a write
    pages = raw.cursor().execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    raw.close()
    assert pages == wal_checkpoints.BACKSTOP_PAGES
    assert db.checkpointer is not None and db.checkpointer.every == 100
    _write(db, 98)  # and the CREATE TABLE: 99 write transactions
    assert db.checkpointer.rounds == 0 and db.checkpointer._thread is None  # not started yet
    db.dispose()


def test_the_log_is_copied_back_and_starts_again_under_steady_writes(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = _open(path)
    assert db.checkpointer is not None
    _write(db, 1_000)
    _wait_for_round(db, 5)
    # Without the checkpointer, 1,000 commits of ~2 pages each sit in the log (the
    # backstop is 20,000 pages); with it, the log holds at most about one round of writes.
    assert _log_pages(path) < 600
    assert db.checkpointer.complete >= 1
    # The thread copied the round's bulk; the write's end only what came meanwhile.
    assert db.checkpointer.by_thread > 5 * db.checkpointer.by_writes
    with db.read.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t WHERE x >= 0")).scalar_one() == 1_000
    db.dispose()


def test_threads_writing_at_once_lose_nothing_and_keep_the_log_short(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = _open(path)
    assert db.checkpointer is not None

    def writer(k: int) -> None:
        _write(db, 400, start=k * 1_000)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    _wait_for_round(db, db.checkpointer.rounds + 1)
    assert db.checkpointer.rounds >= 10
    assert _log_pages(path) < 800
    with db.read.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t WHERE x >= 0")).scalar_one() == 1_600
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    db.dispose()


def test_a_failed_checkpoint_is_logged_and_the_write_still_lands(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = _open(tmp_path / "w.db")
    checkpointer = db.checkpointer
    assert checkpointer is not None

    class Broken:
        def execute(self, _sql: str) -> None:
            raise sqlite3.OperationalError("disk I/O error")

        def close(self) -> None:
            pass

    checkpointer._tail = Broken()  # type: ignore[assignment]
    checkpointer._tail_due = True
    with caplog.at_level(logging.WARNING, logger="warroom.adapters.wal_checkpoints"):
        _write(db, 2)  # the first write's end meets the failure; the second gets the slot
    assert "wal checkpoint" in caplog.text and "disk I/O error" in caplog.text
    with db.read.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    assert checkpointer.rounds == 0
    checkpointer._tail = None
    db.dispose()


def test_dispose_stops_the_thread(tmp_path: Path) -> None:
    db = _open(tmp_path / "w.db")
    assert db.checkpointer is not None
    _write(db, 100)
    thread = db.checkpointer._thread
    assert thread is not None and thread.is_alive()
    db.dispose()
    assert not thread.is_alive()


_KILLED_WRITER = textwrap.dedent(
    """
    import sys
    from sqlalchemy import text
    from warroom.adapters.db import open_database
    db = open_database(sys.argv[1])
    with db.write.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER, pad TEXT)"))
    x = 0
    while True:
        with db.write.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:x, :pad)"), {"x": x, "pad": "p" * 800})
        print(x, flush=True)  # acknowledged: committed
        x += 1
    """
)


def test_a_process_killed_while_checkpointing_loses_no_acknowledged_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, f"sqlite:///{path}"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    acknowledged = -1
    for line in proc.stdout:  # past several rounds of checkpoints, then killed mid-write
        acknowledged = int(line)
        if acknowledged >= 1_537:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT max(x) FROM t").fetchone()[0] >= acknowledged
        count, top = conn.execute("SELECT count(*), max(x) FROM t").fetchone()
        assert count == top + 1  # every write up to the last one, once
    finally:
        conn.close()

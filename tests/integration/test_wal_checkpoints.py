"""SQLite's log is checkpointed by a thread and by the end of the write after it, not by
commits: the log stays short, starts again, and no write is lost or waits on a failure."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import struct
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
    """Frames of the current log, read from the file without checkpointing: those after
    the header whose salts match it (frames of an earlier log that was started again
    carry older salts)."""
    data = Path(f"{path}-wal").read_bytes()
    if len(data) < 32:
        return 0
    page_size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    frames, at = 0, 32
    while at + 24 + page_size <= len(data) and data[at + 8 : at + 16] == salts:
        frames += 1
        at += 24 + page_size
    return frames


def test_commits_leave_the_log_to_the_checkpointer(tmp_path: Path) -> None:
    db = _open(tmp_path / "w.db")
    raw = db.write.raw_connection()  # no transaction: not a write
    pages = raw.cursor().execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    raw.close()
    assert pages == wal_checkpoints.BACKSTOP_PAGES
    assert db.checkpointer is not None and db.checkpointer.every == 50
    _write(db, 48)  # and the CREATE TABLE: 49 write transactions
    assert db.checkpointer.copies == 0 and db.checkpointer._thread is None  # not started yet
    db.dispose()


def test_the_log_stays_short_under_steady_writes(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = _open(path)
    assert db.checkpointer is not None
    _write(db, 4_000)
    # Without the checkpointer, 4,000 commits of ~1.3 pages each would sit in the log
    # (the backstop is 20,000 pages); with it, the log starts again by 2,000.
    assert _log_pages(path) < 2_600
    # The thread copied nearly everything; the writes' ends only what came meanwhile.
    assert db.checkpointer.copies >= 70
    assert db.checkpointer.by_thread > 3_000
    assert db.checkpointer.by_thread > 10 * db.checkpointer.by_writes
    with db.read.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 4_000
    db.dispose()


def test_a_long_log_is_finished_by_the_next_write_and_then_starts_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    db = _open(path)
    checkpointer = db.checkpointer
    assert checkpointer is not None
    _write(db, 10)  # fewer than `every`: the thread has not started
    before = _log_pages(path)
    assert before > 10
    checkpointer._tail_due = True  # as the thread leaves it when the log is long
    _write(db, 1)
    assert (checkpointer.rounds, checkpointer.complete) == (1, 1)
    assert checkpointer.pages > before and checkpointer.by_writes == checkpointer.pages
    _write(db, 1)  # the first write after the tail starts the log again
    assert _log_pages(path) < 5
    assert checkpointer._thread is None
    db.dispose()


def test_threads_writing_at_once_lose_nothing_and_keep_the_log_short(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = _open(path)
    assert db.checkpointer is not None

    def writer(k: int) -> None:
        _write(db, 1_000, start=k * 1_000)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert _log_pages(path) < 2_600
    with db.read.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 4_000
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
    _write(db, 50)
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
        if acknowledged >= 4_537:
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


_WRITER = textwrap.dedent(
    """
    import sys
    from sqlalchemy import text
    from warroom.adapters.db import open_database
    db = open_database(sys.argv[1])
    base = int(sys.argv[2])
    for x in range(base, base + 3_000):
        with db.write.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:x, :pad)"), {"x": x, "pad": "p" * 500})
    db.dispose()
    """
)


def test_two_processes_checkpointing_one_file_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    _open(path).dispose()
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, f"sqlite:///{path}", str(base)])
        for base in (0, 10_000)
    ]
    for proc in procs:
        assert proc.wait(120) == 0
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(DISTINCT x) FROM t").fetchone()[0] == 6_000
    finally:
        conn.close()

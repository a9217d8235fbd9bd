"""SQLite's write-ahead log copied back into the database by a thread of its own.

By default SQLite checkpoints inside a commit: the transaction that takes the log past
1,000 pages copies them into the database file and syncs both before its COMMIT returns
(about 4.5 ms here, once every ~140 timeline notes). Writes run on the event loop
(`deps.run_write`), so that commit held up every request of the process, and the writes
waiting for the slot behind it.

Here the write engine's connections only checkpoint past `BACKSTOP_PAGES` (a safety
net), and:

1. every `every` write transactions a `Checkpointer` thread copies the log into the
   database beside the writers (`PASSIVE` takes no write lock: SQLite copies what was
   committed when it began while new commits go on appending, and never waits), in
   SQLite's C code without the interpreter lock, so the event loop serves requests
   meanwhile. Copies are frequent, so each is short;
2. once the log is `restart_pages` long, the next write transaction, as it ends and before
   it gives the write slot back, copies the few pages committed since the thread's last
   copy (`wrote`). No writer runs then, so the whole log is in the database and the
   transaction after it starts the log again from its beginning. The thread never holds
   the slot itself: the writes queued behind it would wait for the thread to be
   scheduled and to get the interpreter lock.

A checkpoint that fails or cannot copy everything (a reader still on older pages,
another process checkpointing) is logged or simply tried again at the next round; the
backstop keeps the log bounded if rounds cannot keep up.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)

# Pages the log may reach before a commit checkpoints it itself (SQLite's default: 1,000).
BACKSTOP_PAGES = 20_000


class Checkpointer:
    """Checkpoints the SQLite file at `path`: copies from a daemon thread, started at the
    first copy (short-lived processes never start it) and stopped by `close`; the tail
    before the log starts again by the write slot's holder."""

    def __init__(self, path: str, *, every: int = 50, restart_pages: int = 2_000) -> None:
        self.path = path
        self.every = every  # write transactions between the thread's copies
        self.restart_pages = restart_pages  # a log this long is started again
        self.copies = 0  # the thread's copies (for tests and benchmarks)
        self.rounds = 0  # tails copied at the end of a write so that the log starts again
        self.complete = 0  # of those, the ones that left the whole log in the database
        self.pages = 0  # the log's length in pages at the last tail
        self.by_thread = 0  # pages copied by the thread
        self.by_writes = 0  # pages copied at the end of a write
        self._copied = 0  # pages of the current log copied so far
        self._count = 0
        self._tail_due = False  # the next write's end copies the rest
        self._wake = threading.Event()
        self._closed = False
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self._tail: sqlite3.Connection | None = None  # used only under the write slot

    def wrote(self) -> None:
        """A write transaction ended; called by the slot's holder before giving it back."""
        if self._tail_due:
            self._tail_due = False
            self._finish()
        self._count += 1
        if self._count >= self.every:
            self._count = 0
            self._wake_thread()

    def _finish(self) -> None:
        if self._closed:
            return
        try:
            if self._tail is None:
                self._tail = _connect(self.path)
            busy, pages, copied = self._tail.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # the write itself is committed; a later copy retries
            log.warning("wal checkpoint of %s failed: %s", self.path, exc)
            return
        if busy:  # another checkpoint under way (the thread's, another process's)
            return
        self.rounds += 1
        self.pages = pages
        self.by_writes += max(0, copied - self._copied)
        self._copied = copied
        if copied == pages:
            self.complete += 1
            self._copied = 0  # the next write starts the log again

    def _wake_thread(self) -> None:
        with self._guard:
            if self._closed:
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="warroom-wal-checkpoint", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def close(self) -> None:
        with self._guard:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=10)
        if self._tail is not None:
            self._tail.close()
            self._tail = None

    def _run(self) -> None:
        conn = _connect(self.path)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._closed:
                    return
                try:
                    busy, pages, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # logged; the next wake tries again
                    log.warning("wal checkpoint of %s failed: %s", self.path, exc)
                    continue
                if busy:  # another checkpoint under way: the next wake tries again
                    continue
                if copied < self._copied:  # the log started again since
                    self._copied = 0
                self.copies += 1
                self.by_thread += copied - self._copied
                self._copied = copied
                if pages >= self.restart_pages:
                    self._tail_due = True
        finally:
            conn.close()


def _connect(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)

"""SQLite writers of one process queue for the write slot in Python, not in SQLite's
sleeping busy handler; the slot is held from BEGIN until the connection is handed back."""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text

from warroom.adapters.db import FifoLock, WriterQueue, _sqlite_pragmas, open_database


def _engine(path: Path, timeout: float = 2.0) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    WriterQueue(timeout=timeout).attach(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
    return engine


def test_a_second_writer_starts_only_when_the_first_hands_its_connection_back(
    tmp_path: Path,
) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'warroom.db'}")  # as the application opens it
    engine = db.write
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    order: list[str] = []
    first_in, let_go = threading.Event(), threading.Event()

    def first() -> None:
        with engine.connect() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            first_in.set()
            let_go.wait(5)
            conn.commit()
            order.append("first committed")
            time.sleep(0.3)  # SQLite's own lock is free now; the slot is not
        order.append("first handed back")

    def second() -> None:
        first_in.wait(5)
        with engine.begin() as conn:
            order.append("second began")
            conn.execute(text("INSERT INTO t VALUES (2)"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_in.wait(5)
    let_go.set()
    for t in threads:
        t.join(10)
    assert order == ["first committed", "first handed back", "second began"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    db.dispose()


def test_one_connection_may_run_several_transactions_in_one_checkout(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "w.db")
    with engine.connect() as conn:
        for value in range(3):
            with conn.begin():
                conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})
    with engine.begin() as conn:  # the slot was handed back with the connection
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 3
    engine.dispose()


def test_an_invalidated_connection_gives_the_slot_back(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "w.db")
    conn = engine.connect()
    conn.execute(text("INSERT INTO t VALUES (1)"))
    conn.invalidate()  # as after a lost connection: its transaction is gone
    with engine.begin() as other:
        other.execute(text("INSERT INTO t VALUES (2)"))
    conn.close()
    with engine.connect() as check:
        assert check.execute(text("SELECT x FROM t")).scalars().all() == [2]
    engine.dispose()


def test_a_writer_that_cannot_get_the_slot_is_told_so(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "w.db", timeout=0.2)
    holder = engine.connect()
    holder.execute(text("INSERT INTO t VALUES (1)"))
    failure: list[BaseException] = []

    def other() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
        except Exception as exc:
            failure.append(exc)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(5)
    holder.rollback()
    holder.close()
    assert failure and "no write slot within" in str(failure[0])
    engine.dispose()


def test_the_write_slot_goes_to_its_waiters_in_the_order_they_came() -> None:
    lock = FifoLock()
    assert lock.acquire(timeout=1)
    order: list[int] = []
    threads = []
    for n in range(6):
        thread = threading.Thread(target=_take_and_note, args=(lock, n, order))
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while len(lock._waiters) < n + 1:  # this one is queued before the next one starts
            assert time.monotonic() < deadline
            time.sleep(0.001)
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == list(range(6))
    assert lock.acquire(timeout=0.01)  # free again once the last waiter let go


def _take_and_note(lock: FifoLock, n: int, order: list[int]) -> None:
    assert lock.acquire(timeout=5)
    order.append(n)
    lock.release()


def test_a_waiter_that_gives_up_leaves_the_queue() -> None:
    lock = FifoLock()
    assert lock.acquire(timeout=1)
    started = time.monotonic()
    assert not lock.acquire(timeout=0.05)
    assert time.monotonic() - started >= 0.05
    assert not lock._waiters
    lock.release()
    assert lock.acquire(timeout=0.01)  # nobody was handed a slot they no longer wait for


def test_threads_and_the_event_loop_wait_in_one_line() -> None:
    """Coroutines waiting on an event loop and threads queue in the order they came; a
    coroutine waits without holding up its loop (another coroutine runs meanwhile)."""
    lock = FifoLock()
    assert lock.acquire(timeout=1)
    order: list[str] = []
    ticks: list[int] = []

    async def coroutine(name: str) -> None:
        assert await lock.acquire_async(timeout=5)
        order.append(name)
        lock.release()

    async def ticking(until: asyncio.Event) -> None:
        while not until.is_set():
            ticks.append(1)
            await asyncio.sleep(0.001)

    def queued(n: int) -> None:
        deadline = time.monotonic() + 5
        while len(lock._waiters) < n:
            assert time.monotonic() < deadline
            time.sleep(0.001)

    async def main() -> None:
        done = asyncio.Event()
        clock = asyncio.create_task(ticking(done))
        first = asyncio.create_task(coroutine("loop 1"))
        await asyncio.to_thread(queued, 1)
        thread = threading.Thread(target=lambda: _take_and_note(lock, 2, order))  # type: ignore[arg-type]
        thread.start()
        await asyncio.to_thread(queued, 2)
        second = asyncio.create_task(coroutine("loop 3"))
        await asyncio.to_thread(queued, 3)
        before = len(ticks)
        await asyncio.sleep(0.05)
        assert len(ticks) > before  # the loop ran while its coroutines waited
        lock.release()
        await asyncio.wait_for(asyncio.gather(first, second), 5)
        await asyncio.to_thread(thread.join, 5)
        done.set()
        await clock

    asyncio.run(main())
    assert order == ["loop 1", 2, "loop 3"]
    assert lock.acquire(timeout=0.01)


def test_a_coroutine_that_gives_up_or_is_cancelled_passes_the_slot_on() -> None:
    lock = FifoLock()
    assert lock.acquire(timeout=1)

    async def main() -> None:
        assert not await lock.acquire_async(timeout=0.05)  # timed out while in line
        assert not lock._waiters
        waiting = asyncio.create_task(lock.acquire_async(timeout=5))
        await asyncio.sleep(0.01)
        lock.release()  # handed over to `waiting`, which is cancelled before it runs
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        await asyncio.sleep(0.01)  # the hand-over reaches the loop

    asyncio.run(main())
    assert lock.acquire(timeout=0.5)  # passed on, not lost with the cancelled waiter


def test_threads_and_coroutines_share_the_slot_one_at_a_time_under_load() -> None:
    """Three threads and six coroutines take and give back the slot for a second and a
    half, with random holds and pauses: never two holders, nobody left waiting."""
    lock = FifoLock()
    stop = time.monotonic() + 1.5
    holders: list[int] = []
    taken = {"thread": 0, "loop": 0}

    def taking(who: str) -> None:
        holders.append(1)
        assert len(holders) == 1, "two holders at once"
        taken[who] += 1

    def thread(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            assert lock.acquire(timeout=5)
            taking("thread")
            time.sleep(rng.random() * 0.001)  # holding it
            holders.pop()
            lock.release()
            time.sleep(rng.random() * 0.001)

    async def coroutine(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            assert await lock.acquire_async(timeout=5)
            taking("loop")
            await asyncio.sleep(rng.random() * 0.001)  # holding it, the loop running on
            holders.pop()
            lock.release()
            await asyncio.sleep(rng.random() * 0.001)

    async def main() -> None:
        threads = [threading.Thread(target=thread, args=(n,)) for n in range(3)]
        for each in threads:
            each.start()
        await asyncio.wait_for(asyncio.gather(*(coroutine(10 + n) for n in range(6))), 30)
        for each in threads:
            await asyncio.to_thread(each.join, 30)

    asyncio.run(main())
    assert taken["thread"] > 100 and taken["loop"] > 100
    assert lock.acquire(timeout=0.01)  # free at the end


def test_code_on_the_loop_that_blocks_for_the_slot_goes_before_the_loops_coroutines() -> None:
    """A thread holds the slot and a coroutine waits for it; then code running on the same
    loop (a cache miss verifying a token, say) blocks for the slot. Behind the coroutine it
    would wait for ever (the coroutine cannot run while the loop's thread is blocked); it
    goes first, and the coroutine follows."""
    lock = FifoLock()
    held, go = threading.Event(), threading.Event()
    order: list[str] = []

    def holder() -> None:
        assert lock.acquire(timeout=1)
        held.set()
        go.wait(5)
        lock.release()

    async def coroutine() -> None:
        assert await lock.acquire_async(timeout=5)
        order.append("coroutine")
        lock.release()

    async def main() -> None:
        thread = threading.Thread(target=holder)
        thread.start()
        await asyncio.to_thread(held.wait, 5)
        waiting = asyncio.create_task(coroutine())
        await asyncio.sleep(0.01)  # the coroutine is in line
        assert len(lock._waiters) == 1
        threading.Timer(0.1, go.set).start()
        started = time.monotonic()
        assert lock.acquire(timeout=3)  # blocking, on the loop's thread
        order.append("blocking")
        assert time.monotonic() - started < 2
        lock.release()
        await asyncio.wait_for(waiting, 5)
        await asyncio.to_thread(thread.join, 5)

    asyncio.run(main())
    assert order == ["blocking", "coroutine"]

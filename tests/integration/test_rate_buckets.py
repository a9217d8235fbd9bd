"""Rate limits shared by every process: the buckets in the database (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, insert, select

from warroom.adapters.db import Database, open_database
from warroom.adapters.orm.auth import rate_buckets
from warroom.adapters.rate_limit import FORGET_AFTER_SECONDS, SharedTokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def two_processes(database_url: str) -> Iterator[tuple[Database, Database]]:
    """Two connection pools on one database, as two `serve` processes have."""
    first, second = open_database(database_url), open_database(database_url)
    yield first, second
    first.dispose()
    second.dispose()


def test_every_process_counts_against_one_limit(two_processes: tuple[Database, Database]) -> None:
    clock = Clock()
    a, b = (SharedTokenBuckets(db.write, clock=clock) for db in two_processes)
    # A burst of 3 at 1 a minute: 3 requests in all, wherever they land.
    assert [a.take("login|10.0.0.1", 1, 3), b.take("login|10.0.0.1", 1, 3)] == [0, 0]
    assert a.take("login|10.0.0.1", 1, 3) == 0
    assert b.take("login|10.0.0.1", 1, 3) == 60  # each process alone would have let it in
    assert a.take("login|10.0.0.1", 1, 3) == 60
    assert b.take("login|10.0.0.2", 1, 3) == 0  # another address, its own bucket
    clock.now += 30
    assert a.take("login|10.0.0.1", 1, 3) == 30  # half a token back: wait the other half
    clock.now += 30
    assert b.take("login|10.0.0.1", 1, 3) == 0
    assert a.take("login|10.0.0.1", 1, 3) > 0


def test_concurrent_requests_never_exceed_the_burst(
    two_processes: tuple[Database, Database],
) -> None:
    clock = Clock()
    buckets = [SharedTokenBuckets(db.write, clock=clock) for db in two_processes]
    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(
            pool.map(lambda n: buckets[n % 2].take("subscribe|10.0.0.7", 0.5, 10), range(60))
        )
    assert waits.count(0) == 10
    assert all(w >= 1 for w in waits if w)


def test_buckets_idle_for_a_day_are_forgotten(two_processes: tuple[Database, Database]) -> None:
    db = two_processes[0]
    clock = Clock()
    with db.write.begin() as conn:
        conn.execute(
            insert(rate_buckets).values(
                name="login|old", tokens=0.0, at=clock.now - FORGET_AFTER_SECONDS - 1, granted=0
            )
        )
    buckets = SharedTokenBuckets(db.write, clock=clock, sweep_every=2)
    buckets.take("login|10.0.0.3", 6, 10)
    with db.read.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rate_buckets)).scalar_one() == 2
    buckets.take("login|10.0.0.3", 6, 10)
    with db.read.connect() as conn:
        names = conn.execute(select(rate_buckets.c.name)).scalars().all()
    assert names == ["login|10.0.0.3"]

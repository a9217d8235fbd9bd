"""Tick cost against the number of pending (not yet due) timers.

    .venv/bin/python bench/clocks_tick.py [--pg URL] [--sizes 0,1000,10000,100000,1000000]

For each size, the timers table is filled directly (bulk insert) with timers due in the
future, then the worker's tick is timed: an idle tick (nothing due: claim timers, claim
messages) and a tick that fires 10 due timers of a no-op kind among the pending ones.
Medians of many ticks; the ratio is against the empty table measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, insert, text

from warroom.adapters.orm.background import timers
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.service_layer.worker import WorkerConfig

NOOP = "bench.noop"
CHUNK = 20_000


def noop(timer: Any, **_: Any) -> None:
    """A timer handler with no effect: measures the machinery alone."""


def fill(wr: Warroom, count: int, now: datetime) -> None:
    """Bulk-insert `count` timers due over 30 days from tomorrow (filling 1M takes minutes)."""
    with wr.db.write.begin() as conn:
        conn.execute(delete(timers))
    done = 0
    while done < count:
        n = min(CHUNK, count - done)
        rows = [
            {
                "key": f"pending:{done + i}",
                "kind": NOOP,
                "due_at": now + timedelta(days=1, seconds=(done + i) * 2_592_000 / max(count, 1)),
                "payload": {},
                "attempts": 0,
                "created_at": now,
            }
            for i in range(n)
        ]
        with wr.db.write.begin() as conn:
            conn.execute(insert(timers), rows)
        done += n
    if wr.db.write.dialect.name == "postgresql":
        with wr.db.write.connect() as conn:
            conn.execute(text("ANALYZE timers"))
            conn.commit()


def add_due(wr: Warroom, count: int, now: datetime, round_: int) -> None:
    rows = [
        {
            "key": f"due:{round_}:{i}",
            "kind": NOOP,
            "due_at": now - timedelta(seconds=1),
            "payload": {},
            "attempts": 0,
            "created_at": now,
        }
        for i in range(count)
    ]
    with wr.db.write.begin() as conn:
        conn.execute(insert(timers), rows)


def measure(wr: Warroom, repeats: int) -> tuple[float, float]:
    """(median idle tick, median tick firing 10 due timers) in milliseconds."""
    worker = wr.make_worker(WorkerConfig(), "bench")
    idle: list[float] = []
    busy: list[float] = []
    for _ in range(5):  # warm up connections and statement caches
        worker.tick()
    for r in range(repeats):
        started = time.perf_counter()
        worker.tick()
        idle.append((time.perf_counter() - started) * 1000)
        add_due(wr, 10, datetime.now(UTC), r)
        started = time.perf_counter()
        fired = worker.fire_due_timers()
        busy.append((time.perf_counter() - started) * 1000)
        assert fired == 10, fired
    worker.close()
    return statistics.median(idle), statistics.median(busy)


def run(url: str, sizes: list[int], repeats: int) -> list[tuple[int, float, float]]:
    wr = bootstrap(Settings(database_url=url, dev=True), migrate=True, timer_handlers={NOOP: noop})
    results = []
    try:
        now = datetime.now(UTC)
        for size in sizes:
            fill(wr, size, now)
            idle, busy = measure(wr, repeats)
            results.append((size, idle, busy))
            print(
                f"  {size:>9,} pending: idle tick {idle:7.2f} ms   tick firing 10: {busy:7.2f} ms"
            )
    finally:
        wr.close()
    return results


def report(name: str, results: list[tuple[int, float, float]]) -> None:
    base_idle, base_busy = results[0][1], results[0][2]
    print(f"\n{name}")
    print("| pending timers | idle tick (ms) | ratio | tick firing 10 (ms) | ratio |")
    print("|---:|---:|---:|---:|---:|")
    for size, idle, busy in results:
        print(
            f"| {size:,} | {idle:.2f} | {idle / base_idle:.2f} | {busy:.2f} | "
            f"{busy / base_busy:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL server URL (a bench database is created)")
    parser.add_argument("--sizes", default="0,1000,10000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        report("SQLite", run(f"sqlite:///{Path(tmp) / 'bench.db'}", sizes, args.repeats))
    if args.pg:
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = "warroom_bench_tick"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        try:
            print("PostgreSQL")
            report("PostgreSQL", run(url, sizes, args.repeats))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()

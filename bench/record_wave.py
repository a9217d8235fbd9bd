"""What the worker's record of one delivery wave costs: `Worker._record` for N ordinary
(non-step) messages, timed in process, nothing sent.

    .venv/bin/python -m bench.record_wave [--messages 200] [--runs 15] [--failed 0.1]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Wall time and this process's CPU time are reported (on a busy machine the CPU
figure is the steadier). Each run queues N messages, claims them as the worker does, and times `_record` with
their outcomes: a fraction `--failed` failed (retried), 5 % sent with a result (a room or
event id), the rest plainly sent. SQLite is a temporary file; with `--postgres` the
script makes a scratch database `warroom_bench_record` on that server and drops it
after. To compare two trees, run it with each on PYTHONPATH (`_record` has the same
signature in both).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from warroom.adapters import background
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.background import OutboundMessage
from warroom.service_layer.worker import WorkerConfig

SCRATCH = "warroom_bench_record"


def outcome(i: int, failed: float, n: int) -> tuple[dict[str, Any] | None, Exception | None]:
    if i < int(n * failed):
        return None, ConnectionError("smtp down")
    if i % 20 == 19:
        return {"event_id": f"$ev{i}"}, None
    return None, None


def one_run(wr: Warroom, run: int, n: int, failed: float) -> tuple[float, float]:
    worker = wr.make_worker(WorkerConfig(batch=n, send_concurrency=n), "bench")
    now = wr.clock.now()
    with wr.bus.uow_factory() as uow:
        uow.outbox.enqueue_many(
            [
                OutboundMessage(
                    key=f"r{run}:m{i}",
                    channel="email",
                    destination=f"person{i}@example.test",
                    subject="INC-1 update",
                    body="The checkout service is back to normal. " * 4,
                )
                for i in range(n)
            ],
            now=now,
        )
        uow.commit()
    wave = background.claim_messages(
        wr.db.write, worker=worker.name, now=now, limit=n, lease=timedelta(seconds=60)
    )
    assert len(wave) == n, len(wave)
    outcomes = [outcome(i, failed, n) for i in range(n)]
    started, cpu = time.perf_counter(), time.process_time()
    worker._record(wave, outcomes)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    worker.close()
    return elapsed, cpu


def measure(url: str, args: argparse.Namespace) -> list[tuple[float, float]]:
    wr = bootstrap(Settings(database_url=url, dev=True), migrate=True)
    try:
        times = [one_run(wr, run, args.messages, args.failed) for run in range(args.runs + 2)]
    finally:
        wr.close()
    return times[2:]  # the first two warm caches and connections


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--failed", type=float, default=0.1)
    parser.add_argument("--postgres", help="a server URL; a scratch database is made on it")
    args = parser.parse_args()
    if args.postgres:
        server = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH}"))
            conn.execute(text(f"CREATE DATABASE {SCRATCH}"))
        try:
            times = measure(args.postgres.rsplit("/", 1)[0] + f"/{SCRATCH}", args)
        finally:
            with server.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)"))
            server.dispose()
        where = "postgresql"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            times = measure(f"sqlite:///{Path(tmp) / 'bench.db'}", args)
        where = "sqlite"
    wall = [t for t, _ in times]
    median, cpu = statistics.median(wall), statistics.median(c for _, c in times)
    print(
        f"{where}: _record of {args.messages} messages ({args.failed:.0%} failed), "
        f"{args.runs} runs: median {median * 1000:.2f} ms "
        f"({median / args.messages * 1e6:.1f} µs/message), "
        f"min {min(wall) * 1000:.2f} ms, max {max(wall) * 1000:.2f} ms; "
        f"CPU of this process median {cpu * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()

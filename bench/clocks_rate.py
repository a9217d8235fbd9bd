"""Firing rate of one worker process: update reminders per second, one at a time vs at once.

    .venv/bin/python bench/clocks_rate.py [--pg URL] [--incidents 500]

Declares N sev3 incidents, makes every internal-update timer due and times one worker
firing them all with `fire_concurrency=1` (the reference); then makes every
customers-update timer due (the same work) and times `fire_concurrency=4`. Each firing
locks the incident, writes the reminder to the timeline and moves the timer.
SQLite has one writer, so both passes fire one at a time there.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from sqlalchemy import create_engine, text, update

from warroom.adapters.orm.background import timers
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands as c
from warroom.service_layer.worker import WorkerConfig


def make_due(wr: Warroom, audience: str) -> None:
    with wr.db.write.begin() as conn:
        conn.execute(
            update(timers)
            .where(timers.c.key.like(f"%:update:{audience}"))
            .values(due_at=datetime.now(UTC) - timedelta(seconds=1))
        )


def fire_all(wr: Warroom, concurrency: int) -> tuple[int, float]:
    worker = wr.make_worker(WorkerConfig(fire_concurrency=concurrency), f"rate-{concurrency}")
    started = time.perf_counter()
    fired = 0
    while n := worker.fire_due_timers():
        fired += n
    elapsed = time.perf_counter() - started
    worker.close()
    return fired, elapsed


def run(name: str, url: str, incidents: int) -> None:
    wr = bootstrap(Settings(database_url=url, dev=True))
    try:
        for i in range(incidents):
            wr.bus.handle(c.DeclareIncident(title=f"rate {i}", severity="sev3", by="b", force=True))
        rates = []
        for audience, concurrency in (("internal", 1), ("customers", 4)):
            make_due(wr, audience)
            fired, elapsed = fire_all(wr, concurrency)
            rates.append(fired / elapsed)
            print(
                f"{name}: fire_concurrency={concurrency}: {fired} reminders in {elapsed:.2f} s = "
                f"{fired / elapsed:.0f}/s",
                flush=True,
            )
        print(f"{name}: ratio {rates[1] / rates[0]:.2f}", flush=True)
    finally:
        wr.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL server URL (a bench database is created)")
    parser.add_argument("--incidents", type=int, default=500)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{Path(tmp) / 'rate.db'}", args.incidents)
    if args.pg:
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = "warroom_bench_rate"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = admin.url.set(database=name).render_as_string(hide_password=False)
            run("PostgreSQL", url, args.incidents)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()

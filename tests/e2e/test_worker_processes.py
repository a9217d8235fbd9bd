"""Workers as real processes: several at once, SIGKILL mid-batch, and a cold start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.timer_effects import HANDLERS, KIND, machinery_policy
from warroom.adapters.orm.background import timers
from warroom.adapters.orm.incidents import timeline_entries
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands as c

ROOT = Path(__file__).resolve().parents[2]
INCIDENTS = 10


@pytest.fixture
def app(database_url: str) -> Iterator[Warroom]:
    wr = bootstrap(
        Settings(database_url=database_url, dev=True),
        policy=machinery_policy(),
        migrate=False,
        timer_handlers=HANDLERS,
    )
    # sev4 starts no clocks of its own, so the only timers are the ones a test makes.
    for i in range(INCIDENTS):
        wr.bus.handle(c.DeclareIncident(title=f"incident {i}", severity="sev4", by="t", force=True))
    yield wr
    wr.close()


def schedule(app: Warroom, count: int, due: datetime) -> None:
    with app.bus.uow_factory() as uow:
        for n in range(count):
            uow.timers.schedule(
                f"t:{n}",
                kind=KIND,
                due_at=due,
                now=due,
                payload={"n": n},
                incident_ref=f"INC-{n % INCIDENTS + 1}",
            )
        uow.commit()


def start_worker(url: str, batch: int = 50) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.worker_process", url, str(batch)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def stop(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def effects(app: Warroom) -> Counter[str]:
    with app.db.read.connect() as conn:
        texts = conn.execute(
            select(timeline_entries.c.text).where(timeline_entries.c.author == "timer")
        ).scalars()
        return Counter(texts)


def remaining(app: Warroom) -> int:
    with app.db.read.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(timers)).scalar_one())


def claimed_not_done(app: Warroom) -> int:
    """Timers a worker claimed (leased) that are still there: not done. A done timer is
    deleted; nothing else in these tests sets `locked_by`."""
    with app.db.read.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(timers).where(timers.c.locked_by.is_not(None))
            ).scalar_one()
        )


def wait_until_done(app: Warroom, timeout: float) -> float:
    started = time.monotonic()
    while remaining(app):
        assert time.monotonic() - started < timeout, f"{remaining(app)} timers left"
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_three_workers_fire_a_thousand_timers_exactly_once(app: Warroom, database_url: str) -> None:
    schedule(app, 1000, datetime.now(UTC) - timedelta(seconds=1))
    workers = [start_worker(database_url) for _ in range(3)]
    try:
        wait_until_done(app, timeout=120)
    finally:
        stop(*workers)
    counts = effects(app)
    assert len(counts) == 1000
    assert set(counts.values()) == {1}


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(
    app: Warroom, database_url: str
) -> None:
    schedule(app, 1000, datetime.now(UTC) - timedelta(seconds=1))
    first = start_worker(database_url, batch=100)
    try:
        deadline = time.monotonic() + 60
        # A single worker takes batches of 100: with 1 to 49 of a batch's effects seen, the
        # batch is claimed and at least 50 of it are not done yet. Kill then.
        while not ((fired := sum(effects(app).values())) >= 150 and 0 < fired % 100 < 50):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    assert remaining(app) > 0, "the kill came too late to interrupt anything"
    assert claimed_not_done(app) > 0, "no timer was claimed and unfinished at the kill"
    second = start_worker(database_url)
    try:
        wait_until_done(app, timeout=120)
    finally:
        stop(second)
    counts = effects(app)
    assert len(counts) == 1000
    assert set(counts.values()) == {1}


@pytest.mark.slow
def test_timers_due_while_nothing_ran_fire_within_5_s_of_start(
    app: Warroom, database_url: str
) -> None:
    schedule(app, 100, datetime.now(UTC) + timedelta(seconds=1))
    time.sleep(1.5)  # they fall due while no worker is running
    worker = start_worker(database_url)  # returns once the worker says it is ready
    started = time.monotonic()
    try:
        wait_until_done(app, timeout=30)
        elapsed = time.monotonic() - started
    finally:
        stop(worker)
    assert elapsed <= 5.0
    assert sum(effects(app).values()) == 100

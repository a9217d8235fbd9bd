"""The commands a deployment runs: `warroom worker` fires due timers; `warroom serve` does
too unless started with `--no-worker`, which leaves them to a separate worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.fakes import ManualClock
from tests.support.servers import free_port
from warroom.adapters.orm.background import timers
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.domain import commands as c

WARROOM = str(Path(sys.executable).with_name("warroom"))


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A SQLite file holding a sev2 declared three hours ago: its update reminder is due."""
    url = f"sqlite:///{tmp_path / 'warroom.db'}"
    clock = ManualClock(datetime.now(UTC) - timedelta(hours=3))
    wr = bootstrap(Settings(database_url=url, dev=True), clock=clock)
    wr.bus.handle(c.DeclareIncident(title="Checkout fails", severity="sev2", by="alice"))
    wr.close()
    return url


def due_now(url: str) -> set[tuple[int, object]]:
    """(id, due time) of the timers due now: a fired timer is deleted or moved on."""
    wr = bootstrap(Settings(database_url=url, dev=True), migrate=False)
    try:
        with wr.db.read.connect() as conn:
            rows = conn.execute(
                select(timers.c.id, timers.c.due_at).where(timers.c.due_at <= wr.clock.now())
            ).all()
        return {(r.id, r.due_at) for r in rows}
    finally:
        wr.close()


def start(url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WARROOM_DATABASE_URL": url, "WARROOM_DEV": "1"}
    return subprocess.Popen(
        [WARROOM, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serving(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not answer within 60 s")


def fired(url: str, due: set[tuple[int, object]], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not due & due_now(url):
            return True
        time.sleep(0.2)
    return False


def test_warroom_worker_fires_due_timers(database: str) -> None:
    due = due_now(database)
    assert due  # the reminder, and whatever else fell due in three hours
    worker = start(database, "worker")
    try:
        assert fired(database, due, within=30)
    finally:
        stop(worker)


def test_serve_fires_timers_unless_told_not_to(database: str) -> None:
    due = due_now(database)
    port = free_port()
    server = start(database, "serve", "--no-worker", "--port", str(port))
    try:
        serving(port, server)
        assert not fired(database, due, within=3)  # nobody fires them…
        worker = start(database, "worker")  # …until a worker runs beside the server
        try:
            assert fired(database, due, within=30)
        finally:
            stop(worker)
    finally:
        stop(server)


def test_serve_runs_a_worker_by_default(database: str) -> None:
    due = due_now(database)
    port = free_port()
    server = start(database, "serve", "--port", str(port))
    try:
        serving(port, server)
        assert fired(database, due, within=30)
    finally:
        stop(server)

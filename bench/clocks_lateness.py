"""Lateness of 1,000 clocks falling due within one minute, with the HTTP API under load.

    .venv/bin/python bench/clocks_lateness.py [--pg URL] [--workers 2] [--clients 4] [--writers 2]

1,000 incidents are declared (sev3, so each has an internal-update cadence); their
internal-update timers are then moved to fall due evenly within one minute, starting a
few seconds after the server and workers are up. While they fall due, client threads
read the incident list over HTTP as fast as they can, and writer threads post timeline
notes to random incidents as fast as they can (on SQLite they compete with the worker
for the one write lock). Lateness is the time between a
timer's due time and its reminder being recorded (the handler's clock), for each of the
1,000; each must fire exactly once.

SQLite runs `warroom serve` with its worker thread (the embedded setup), then `warroom
serve --no-worker` with one `warroom worker` process (one writer); PostgreSQL runs `warroom
serve --no-worker` and `--workers` separate `warroom worker` processes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import create_engine, select, text, update

from warroom.adapters.orm.background import timers
from warroom.adapters.orm.clocks import incident_clocks
from warroom.adapters.orm.incidents import timeline_entries
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands as c

COUNT = 1000
WINDOW = 60.0
LEAD = 8.0  # seconds between the schedule being set and the first timer falling due


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def prepare(url: str) -> None:
    """Migrate and declare COUNT incidents (no server running yet)."""
    wr = bootstrap(Settings(database_url=url, dev=True))
    try:
        for i in range(COUNT):
            wr.bus.handle(
                c.DeclareIncident(title=f"bench incident {i}", severity="sev3", by="b", force=True)
            )
    finally:
        wr.close()


def schedule(wr: Warroom, start: datetime) -> dict[int, datetime]:
    """Move each incident's internal-update timer into the window; returns number → due."""
    due = {n: start + timedelta(seconds=WINDOW * (n - 1) / COUNT) for n in range(1, COUNT + 1)}
    with wr.db.write.begin() as conn:
        for n, when in due.items():
            conn.execute(
                update(timers).where(timers.c.key == f"INC-{n}:update:internal").values(due_at=when)
            )
            conn.execute(
                update(incident_clocks)
                .where(
                    incident_clocks.c.incident_id == n, incident_clocks.c.name == "update:internal"
                )
                .values(due_at=when)
            )
    return due


@contextmanager
def processes(url: str, port: int, workers: int) -> Iterator[None]:
    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": url,
        "WARROOM_DEV": "1",
        "WARROOM_LOG_LEVEL": "warning",
    }
    exe = str(Path(sys.executable).parent / "warroom")
    serve = [exe, "serve", "--port", str(port)] + (["--no-worker"] if workers else [])
    procs = [subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    procs += [
        subprocess.Popen(
            [exe, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def token(url: str, role: str = "viewer") -> str:
    exe = str(Path(sys.executable).parent / "warroom")
    out = subprocess.run(
        [exe, "token", "create", "--role", role, "--name", f"bench-{role}", "--json"],
        env={**os.environ, "WARROOM_DATABASE_URL": url, "WARROOM_DEV": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return str(json.loads(out[out.index("{") :])["token"])


def load(port: int, bearer: str, stop: threading.Event, latencies: list[float]) -> None:
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {bearer}"}
    ) as client:
        while not stop.is_set():
            started = time.perf_counter()
            r = client.get("/api/v1/incidents", params={"status": "open", "limit": 50})
            latencies.append(time.perf_counter() - started)
            assert r.status_code == 200, r.text


def write(port: int, bearer: str, stop: threading.Event, latencies: list[float]) -> None:
    rng = random.Random(threading.get_ident())
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {bearer}"}
    ) as client:
        while not stop.is_set():
            number = rng.randint(1, COUNT)
            started = time.perf_counter()
            r = client.post(
                f"/api/v1/incidents/INC-{number}/timeline", json={"text": "still on it"}
            )
            latencies.append(time.perf_counter() - started)
            assert r.status_code == 201, r.text


def lateness(wr: Warroom, due: dict[int, datetime]) -> list[float]:
    t = timeline_entries.c
    with wr.db.read.connect() as conn:
        rows = conn.execute(
            select(t.incident_id, t.recorded_at).where(
                t.author == "warroom", t.text.like("Internal update due%")
            )
        ).all()
    seen: dict[int, int] = {}
    for r in rows:
        seen[r.incident_id] = seen.get(r.incident_id, 0) + 1
    if len(seen) != COUNT or set(seen.values()) != {1}:
        raise SystemExit(f"expected each of {COUNT} reminders exactly once, got {len(rows)}")
    return sorted((r.recorded_at - due[r.incident_id]).total_seconds() for r in rows)


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def run(url: str, workers: int, clients: int, writers: int = 0) -> dict[str, float]:
    prepare(url)
    port = free_port()
    bearer, responder = token(url), token(url, "responder")
    wr = bootstrap(Settings(database_url=url, dev=True), migrate=False)
    try:
        with processes(url, port, workers):
            latencies: list[float] = []
            writes: list[float] = []
            stop = threading.Event()
            threads = [
                threading.Thread(target=load, args=(port, bearer, stop, latencies))
                for _ in range(clients)
            ] + [
                threading.Thread(target=write, args=(port, responder, stop, writes))
                for _ in range(writers)
            ]
            for th in threads:
                th.start()
            start = datetime.now(UTC) + timedelta(seconds=LEAD)
            due = schedule(wr, start)
            load_started = time.monotonic()
            end = start + timedelta(seconds=WINDOW + 5)
            while datetime.now(UTC) < end:
                time.sleep(0.5)
            stop.set()
            for th in threads:
                th.join()
            load_seconds = time.monotonic() - load_started
        late = lateness(wr, due)
    finally:
        wr.close()
    lat = sorted(latencies) or [0.0]
    wrote = sorted(writes) or [0.0]
    return {
        "p50": pct(late, 0.5),
        "p99": pct(late, 0.99),
        "max": late[-1],
        "rps": len(latencies) / load_seconds,
        "http_p50_ms": pct(lat, 0.5) * 1000,
        "http_p99_ms": pct(lat, 0.99) * 1000,
        "writes_per_s": len(writes) / load_seconds,
        "write_p99_ms": pct(wrote, 0.99) * 1000,
    }


def show(name: str, r: dict[str, float]) -> None:
    line = f"{name}: lateness p50 {r['p50']:.3f} s, p99 {r['p99']:.3f} s, max {r['max']:.3f} s"
    if r["rps"]:
        line += (
            f"; HTTP {r['rps']:.0f} req/s, p50 {r['http_p50_ms']:.0f} ms, "
            f"p99 {r['http_p99_ms']:.0f} ms"
        )
    if r["writes_per_s"]:
        line += f"; notes {r['writes_per_s']:.0f}/s, p99 {r['write_p99_ms']:.0f} ms"
    print(line, flush=True)


@contextmanager
def pg_database(server: str) -> Iterator[str]:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = "warroom_bench_lateness"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL server URL (a bench database is created)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4, help="threads reading the list")
    parser.add_argument("--writers", type=int, default=2, help="threads writing notes")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    setups: list[tuple[str, Any, int]] = []
    if not args.skip_sqlite:
        setups += [
            ("SQLite, serve + worker thread", sqlite_database, 0),
            ("SQLite, serve --no-worker + 1 worker", sqlite_database, 1),
        ]
    if args.pg:
        setups.append(
            (
                f"PostgreSQL, serve --no-worker + {args.workers} workers",
                lambda: pg_database(args.pg),
                args.workers,
            )
        )
    for name, database, workers in setups:
        # The same setup without HTTP load is the reference for the loaded run.
        for clients, writers in ((0, 0), (args.clients, args.writers)):
            with database() as url:
                label = f"{name}, {clients} readers + {writers} writers"
                show(label, run(url, workers, clients, writers))


if __name__ == "__main__":
    main()

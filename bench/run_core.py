"""Core API benchmark (issue 2): timeline writes, a 1,000-entry incident read and the
open-incident list, through the HTTP API, on SQLite and on PostgreSQL.

    .venv/bin/python bench/run_core.py                      # both databases, 3 runs each
    .venv/bin/python bench/run_core.py --database sqlite --runs 3
    .venv/bin/python bench/run_core.py --database postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Each run uses a fresh database (a SQLite file in a temporary folder, or a PostgreSQL
database created from the given URL and dropped afterwards) and one server process
(uvicorn, uvloop, httptools, no access log, no worker thread) on 127.0.0.1. The load comes
from this process over keep-alive connections (a small asyncio HTTP/1.1 client on uvloop);
the list throughput uses Debian's `wrk` when it is installed.

 (a) declare --incidents incidents (distinct titles, one service each) and write --entries
     timeline notes to each, --writers clients at a time: requests/s, p50/p99 per kind;
 (b) write 1,000 entries to one more incident through the API, fill the timeline table up
     to --total entries with SQL, then GET that incident with its timeline, one request at
     a time: p50/p99 (reference: `/healthz` the same way);
 (c) `GET /api/v1/incidents?status=open&limit=50` at --connections connections for
     --seconds: requests/s and p99, alternated with two references served by the same
     process at the same concurrency: `/bench/bare` (the same-sized page, pre-serialised,
     no database, no token) and `/healthz` (a `SELECT 1`).

Prints a Markdown table of medians over the runs and writes bench/results/core-<databases>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvloop
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from warroom.adapters.orm.incidents import incidents, timeline_entries
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.domain.access import AccessRole

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGETS = {"write_p99_ms": 20.0, "read_p99_ms": 50.0, "list_rps": 2000.0, "list_p99_ms": 50.0}


# --- a minimal keep-alive HTTP/1.1 client (cheaper per request than a full client library,
# which matters when the load generator shares two cores with the server) ------------------


class Connection:
    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: Any = None, *, auth: bool = True
    ) -> tuple[int, bytes, float]:
        """(status, body, seconds) of one request."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        payload = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{self.auth if auth else ''}"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        started = time.perf_counter()
        self.writer.write(head.encode() + payload)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw.split(b" ", 2)[1])
        match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", raw)
        assert match, raw  # every warroom JSON answer carries a length
        data = await self.reader.readexactly(int(match.group(1)))
        return status, data, time.perf_counter() - started

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    if not ordered:
        return {"n": 0, "p50_ms": 0.0, "p99_ms": 0.0}
    return {
        "n": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000,
    }


# --- workload ------------------------------------------------------------------------------


def title(rng: random.Random) -> str:
    """Four random words: distinct enough that no declaration is refused as a duplicate."""
    words = ("".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 8))) for _ in range(4))
    return " ".join(words).capitalize()


async def declare_and_write(
    port: int, token: str, *, incidents_n: int, entries: int, writers: int, seed: int
) -> dict[str, Any]:
    """(a): declare incidents and write timeline notes to each, `writers` clients at a time."""
    rng = random.Random(seed)
    numbers: asyncio.Queue[int] = asyncio.Queue()
    for i in range(incidents_n):
        numbers.put_nowait(i)
    declares: list[float] = []
    writes: list[float] = []
    errors: list[str] = []

    async def writer() -> None:
        conn = Connection(port, token)
        try:
            while True:
                try:
                    i = numbers.get_nowait()
                except asyncio.QueueEmpty:
                    return
                status, body, took = await conn.request(
                    "POST",
                    "/api/v1/incidents",
                    {"title": title(rng), "severity": "sev3", "services": [f"service-{seed}-{i}"]},
                )
                if status != 201:
                    errors.append(f"declare {status} {body[:200]!r}")
                    continue
                declares.append(took)
                ref = json.loads(body)["ref"]
                for n in range(entries):
                    status, body, took = await conn.request(
                        "POST", f"/api/v1/incidents/{ref}/timeline", {"text": f"note {n} on {i}"}
                    )
                    if status != 201:
                        errors.append(f"write {status} {body[:200]!r}")
                    writes.append(took)
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "ops_per_s": (len(declares) + len(writes)) / elapsed,
        "writes_per_s": len(writes) / elapsed,
        "declare": percentiles(declares),
        "write": percentiles(writes),
        "errors": errors[:5],
        "error_count": len(errors),
    }


async def big_incident(port: int, token: str, entries: int) -> tuple[str, dict[str, float]]:
    """Declare one incident and write `entries` notes to it, one at a time."""
    conn = Connection(port, token)
    try:
        status, body, _ = await conn.request(
            "POST",
            "/api/v1/incidents",
            {"title": "Logging in is broken for all users", "severity": "sev1", "force": True},
        )
        assert status == 201, body
        ref = str(json.loads(body)["ref"])
        took = []
        for n in range(entries):
            status, body, seconds = await conn.request(
                "POST", f"/api/v1/incidents/{ref}/timeline", {"text": f"finding {n}"}
            )
            assert status == 201, body
            took.append(seconds)
        return ref, percentiles(took)
    finally:
        conn.close()


def fill_timeline(url: str, total: int, skip: int) -> int:
    """Add notes spread over the other incidents until the table holds `total` entries."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            have = conn.execute(select(func.count()).select_from(timeline_entries)).scalar_one()
            ids = [r[0] for r in conn.execute(select(incidents.c.id).where(incidents.c.id != skip))]
            missing = max(0, total - int(have))
            base = datetime(2026, 11, 1, tzinfo=UTC)
            rows = [
                {
                    "incident_id": ids[n % len(ids)],
                    "kind": "note",
                    "text": f"filler note {n}",
                    "author": "bench",
                    "occurred_at": base + timedelta(seconds=n),
                    "recorded_at": base + timedelta(seconds=n),
                    "data": {},
                }
                for n in range(missing)
            ]
            for start in range(0, len(rows), 5000):
                conn.execute(insert(timeline_entries), rows[start : start + 5000])
            return int(
                conn.execute(select(func.count()).select_from(timeline_entries)).scalar_one()
            )
    finally:
        engine.dispose()


async def sequential(port: int, token: str, path: str, n: int, *, auth: bool = True) -> Any:
    """p50/p99 of `n` GETs one after another (after a short warm-up)."""
    conn = Connection(port, token)
    try:
        took = []
        for i in range(n + 20):
            status, body, seconds = await conn.request("GET", path, auth=auth)
            assert status == 200, body[:300]
            if i >= 20:
                took.append(seconds)
        return {**percentiles(took), "bytes": len(body)}
    finally:
        conn.close()


def wrk(url: str, token: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-H",
         f"Authorization: Bearer {token}", url],
        check=True, capture_output=True, text=True, timeout=seconds + 30,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    assert p99, out
    assert p50, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": float(done),
        "rps": rps,
        "p50_ms": float(p50.group(1)) * scale[p50.group(2)],
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)],
        "errors": float(errors.group(1)) if errors else 0.0,
    }


async def _pound(port: int, token: str, path: str, seconds: float, connections: int) -> Any:
    took: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def one() -> None:
        nonlocal errors
        conn = Connection(port, token)
        try:
            while time.perf_counter() < stop_at:
                status, _, s = await conn.request("GET", path)
                took.append(s)
                errors += status != 200
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {
        "requests": float(len(took)),
        "rps": len(took) / elapsed,
        **percentiles(took),
        "errors": float(errors),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by process `pid` (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput(pid: int, port: int, token: str, path: str, seconds: int, connections: int) -> Any:
    """req/s, p50/p99 at `connections` keep-alive connections, and the server's CPU per request
    (the figure that the other work on a shared machine disturbs least)."""
    before = cpu_seconds(pid)
    if shutil.which("wrk"):
        result = wrk(f"http://127.0.0.1:{port}{path}", token, seconds, connections)
    else:
        result = uvloop.run(_pound(port, token, path, seconds, connections))
    result["cpu_ms"] = (cpu_seconds(pid) - before) * 1000 / max(1.0, result.pop("requests"))
    return result


class Noter:
    """Writes a timeline note every `every` seconds from a thread while a load runs: each
    commit makes the list's cached pages stale, so the list is read again after it."""

    def __init__(self, port: int, token: str, ref: str, every: float) -> None:
        self.port, self.token, self.ref, self.every = port, token, ref, every
        self.written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: uvloop.run(self._run()), daemon=True)

    async def _run(self) -> None:
        conn = Connection(self.port, self.token)
        path = f"/api/v1/incidents/{self.ref}/timeline"
        try:
            while not self._stop.is_set():
                began = time.perf_counter()
                status, body, _ = await conn.request("POST", path, {"text": "still looking"})
                assert status == 201, body
                self.written += 1
                await asyncio.sleep(max(0.0, self.every - (time.perf_counter() - began)))
        finally:
            conn.close()

    def __enter__(self) -> Noter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)


# --- databases and the server --------------------------------------------------------------


def fresh_database(base: str, folder: Path) -> str:
    if base == "sqlite":
        return f"sqlite:///{folder / f'core-{uuid.uuid4().hex[:6]}.db'}"
    name = f"warroom_core_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def reachable(base: str) -> bool:
    engine = create_engine(base)
    try:
        with engine.connect():
            return True
    except Exception:  # any failure to connect means "skip this database"
        return False
    finally:
        engine.dispose()


def drop_database(base: str, url: str) -> None:
    if base == "sqlite":
        return
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str) -> str:
    """Migrate the database and make an admin token."""
    wr = bootstrap(Settings(database_url=url, dev=True))
    try:
        token, _ = wr.tokens.create(name="bench", role=AccessRole.ADMIN, now=wr.clock.now())
    finally:
        wr.close()
    return token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(url: str, port: int, log: Path, root: Path = ROOT) -> subprocess.Popen[bytes]:
    """The app of the checkout `root` (its `src` first on the path when not this one)."""
    path = str(ROOT) if root == ROOT else f"{root}/src:{root}"
    env = {**os.environ, "WARROOM_DATABASE_URL": url, "WARROOM_DEV": "1", "PYTHONPATH": path}
    env.setdefault("WARROOM_LOG_LEVEL", "warning")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.core_app:make", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log", "--loop", "uvloop", "--http", "httptools"],
        cwd=root, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 300  # a loaded machine can take a minute to import
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- one run ---------------------------------------------------------------------------------


def one_run(base: str, folder: Path, args: argparse.Namespace, run: int) -> dict[str, Any]:
    url = fresh_database(base, folder)
    result: dict[str, Any] = {"run": run, "load_before": os.getloadavg()[0]}
    try:
        token = prepare(url)
        port = free_port()
        proc = serve(url, port, folder / f"server-{run}.log")
        try:
            cpu = cpu_seconds(proc.pid)
            result["write"] = uvloop.run(
                declare_and_write(
                    port,
                    token,
                    incidents_n=args.incidents,
                    entries=args.entries,
                    writers=args.writers,
                    seed=run,
                )
            )
            requests = result["write"]["declare"]["n"] + result["write"]["write"]["n"]
            result["write"]["cpu_ms"] = (cpu_seconds(proc.pid) - cpu) * 1000 / max(1, requests)
            ref, big_writes = uvloop.run(big_incident(port, token, args.timeline))
            result["big_incident_write"] = big_writes
            result["timeline_rows"] = fill_timeline(url, args.total, int(ref.removeprefix("INC-")))
            detail = f"/api/v1/incidents/{ref}"
            cpu = cpu_seconds(proc.pid)
            result["read"] = uvloop.run(sequential(port, token, detail, args.reads))
            result["read"]["cpu_ms"] = (cpu_seconds(proc.pid) - cpu) * 1000 / (args.reads + 20)
            result["read_ref"] = uvloop.run(sequential(port, token, "/healthz", args.reads))
            lists: dict[str, list[dict[str, float]]] = {
                "list": [],
                "bare": [],
                "healthz": [],
                "list_writes": [],
            }
            paths = {
                "list": "/api/v1/incidents?status=open&limit=50",
                "bare": "/bench/bare",
                "healthz": "/healthz",
            }
            for path in paths.values():  # warm-up: connections, compiled statements
                throughput(proc.pid, port, token, path, 1, args.connections)
            for _round in range(args.rounds):
                for name, path in paths.items():
                    lists[name].append(
                        throughput(proc.pid, port, token, path, args.seconds, args.connections)
                    )
                with Noter(port, token, ref, args.note_every) as noter:
                    row = throughput(
                        proc.pid, port, token, paths["list"], args.seconds, args.connections
                    )
                lists["list_writes"].append({**row, "notes": float(noter.written)})
            result["list_rounds"] = lists
            result["list"] = {k: median_of(v) for k, v in lists.items()}
        finally:
            stop(proc)
    finally:
        drop_database(base, url)
    result["load_after"] = os.getloadavg()[0]
    return result


def median_of(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def med(runs: list[dict[str, Any]], get: Callable[[dict[str, Any]], float]) -> float:
    return statistics.median(get(r) for r in runs)


def report(name: str, runs: list[dict[str, Any]], args: argparse.Namespace) -> list[str]:
    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    w_rps = med(runs, lambda r: r["write"]["writes_per_s"])
    ops = med(runs, lambda r: r["write"]["ops_per_s"])
    w50 = med(runs, lambda r: r["write"]["write"]["p50_ms"])
    w99 = med(runs, lambda r: r["write"]["write"]["p99_ms"])
    d50 = med(runs, lambda r: r["write"]["declare"]["p50_ms"])
    d99 = med(runs, lambda r: r["write"]["declare"]["p99_ms"])
    b99 = med(runs, lambda r: r["big_incident_write"]["p99_ms"])
    r50 = med(runs, lambda r: r["read"]["p50_ms"])
    r99 = med(runs, lambda r: r["read"]["p99_ms"])
    h50 = med(runs, lambda r: r["read_ref"]["p50_ms"])
    h99 = med(runs, lambda r: r["read_ref"]["p99_ms"])
    l_rps = med(runs, lambda r: r["list"]["list"]["rps"])
    l50 = med(runs, lambda r: r["list"]["list"]["p50_ms"])
    l99 = med(runs, lambda r: r["list"]["list"]["p99_ms"])
    bare = med(runs, lambda r: r["list"]["bare"]["rps"])
    bare99 = med(runs, lambda r: r["list"]["bare"]["p99_ms"])
    hz = med(runs, lambda r: r["list"]["healthz"]["rps"])
    hz99 = med(runs, lambda r: r["list"]["healthz"]["p99_ms"])
    lw = med(runs, lambda r: r["list"]["list_writes"]["rps"])
    lw99 = med(runs, lambda r: r["list"]["list_writes"]["p99_ms"])
    notes = med(runs, lambda r: r["list"]["list_writes"]["notes"])
    cpu = {
        "write": med(runs, lambda r: r["write"]["cpu_ms"]),
        "read": med(runs, lambda r: r["read"]["cpu_ms"]),
        "list": med(runs, lambda r: r["list"]["list"]["cpu_ms"]),
        "bare": med(runs, lambda r: r["list"]["bare"]["cpu_ms"]),
        "healthz": med(runs, lambda r: r["list"]["healthz"]["cpu_ms"]),
        "list_writes": med(runs, lambda r: r["list"]["list_writes"]["cpu_ms"]),
    }
    errors = sum(r["write"]["error_count"] for r in runs) + sum(
        r["list"][k]["errors"] for r in runs for k in r["list"]
    )
    loads = [round(r["load_before"], 1) for r in runs] + [round(r["load_after"], 1) for r in runs]
    small = args.incidents * args.entries
    return [
        f"### {name}: medians of {len(runs)} runs (load average {min(loads)}-{max(loads)})",
        "",
        "| measure | result | server CPU per request | target |",
        "|---|---:|---:|---|",
        f"| (a) declare {args.incidents} x {args.entries} entries, {args.writers} clients: requests/s "
        f"| {ops:.0f} ({w_rps:.0f} timeline writes/s) | {cpu['write']:.2f} ms | |",
        f"| (a) timeline write p50 / p99 ({small} writes) | {w50:.1f} / {w99:.1f} ms | "
        f"| p99 <= {TARGETS['write_p99_ms']:.0f} ms: {mark(w99 <= TARGETS['write_p99_ms'])} |",
        f"| (a) declare p50 / p99 | {d50:.1f} / {d99:.1f} ms | | |",
        f"| timeline write p99 on the {args.timeline}-entry incident, 1 client | {b99:.1f} ms | | |",
        f"| (b) GET incident + {args.timeline}-entry timeline, {runs[0]['timeline_rows']} entries "
        f"in the table: p50 / p99 | {r50:.1f} / {r99:.1f} ms | {cpu['read']:.2f} ms "
        f"| p99 <= {TARGETS['read_p99_ms']:.0f} ms: {mark(r99 <= TARGETS['read_p99_ms'])} |",
        f"| (b) reference `/healthz` the same way: p50 / p99 | {h50:.2f} / {h99:.2f} ms | | |",
        f"| (c) open list, 50 per page, {args.connections} connections: req/s "
        f"| {l_rps:.0f} | {cpu['list']:.2f} ms "
        f"| >= {TARGETS['list_rps']:.0f}: {mark(l_rps >= TARGETS['list_rps'])} |",
        f"| (c) open list p50 / p99 | {l50:.1f} / {l99:.1f} ms | "
        f"| p99 <= {TARGETS['list_p99_ms']:.0f} ms: {mark(l99 <= TARGETS['list_p99_ms'])} |",
        f"| (c) reference bare page, same process: req/s, p99 | {bare:.0f}, {bare99:.1f} ms "
        f"| {cpu['bare']:.2f} ms | list / bare = {l_rps / bare:.2f} |",
        f"| (c) reference `/healthz`, same process: req/s, p99 | {hz:.0f}, {hz99:.1f} ms "
        f"| {cpu['healthz']:.2f} ms | list / healthz = {l_rps / hz:.2f} |",
        f"| (c) open list while a note is written every {args.note_every} s ({notes:.0f} notes): "
        f"req/s, p99 | {lw:.0f}, {lw99:.1f} ms | {cpu['list_writes']:.2f} ms | list / bare = {lw / bare:.2f} |",
        f"| errors (non-2xx) | {errors:.0f} | | 0 |",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        default="both",
        help="'sqlite', a PostgreSQL URL (a database is created from it per run) or 'both'",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--timeline", type=int, default=1000, help="entries of the incident read")
    parser.add_argument("--total", type=int, default=100_000, help="timeline rows for (b), (c)")
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="list rounds per run")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--note-every",
        type=float,
        default=0.1,
        help="seconds between notes in the list-under-writes load",
    )
    args = parser.parse_args()
    bases = (
        ["sqlite", os.environ.get("WARROOM_BENCH_PG", PG_DEFAULT)]
        if args.database == "both"
        else [args.database]
    )
    if args.database == "both" and not reachable(bases[1]):
        print(f"PostgreSQL at {bases[1]} is not reachable: SQLite only (set WARROOM_BENCH_PG)")
        bases = bases[:1]
    print(f"load generator for (c): {'wrk' if shutil.which('wrk') else 'asyncio client'}")
    lines: list[str] = []
    everything: dict[str, Any] = {"args": vars(args), "databases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for base in bases:
            name = "SQLite" if base == "sqlite" else "PostgreSQL"
            runs = []
            for run in range(1, args.runs + 1):
                result = one_run(base, Path(tmp), args, run)
                runs.append(result)
                print(
                    f"{name} run {run}: writes {result['write']['writes_per_s']:.0f}/s "
                    f"p99 {result['write']['write']['p99_ms']:.1f} ms | read p99 "
                    f"{result['read']['p99_ms']:.1f} ms | list {result['list']['list']['rps']:.0f}/s "
                    f"p99 {result['list']['list']['p99_ms']:.1f} ms (bare "
                    f"{result['list']['bare']['rps']:.0f}/s) | load {result['load_before']:.1f}",
                    flush=True,
                )
                print(json.dumps(result), file=sys.stderr, flush=True)  # kept if a later run fails
            everything["databases"][name] = runs
            lines += report(name, runs, args)
    print("\n".join(lines))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    label = "-".join(sorted(everything["databases"])).lower()
    (out / f"core-{label}.json").write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()

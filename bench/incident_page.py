"""Incident page latency and export throughput on a large PostgreSQL database.

    .venv/bin/python -m bench.incident_page [--incidents 100000] [--entries 5000000]
        [--runs 3] [--requests 400] [--connections 4] [--export-runs 3] [--keep]

Creates the database `warroom_bench` (dropped first if it exists, and at the end unless
--keep), migrates it with `warroom db upgrade`, bulk-loads incidents, their services and
commanders and the timeline with COPY (most incidents get a few entries, a few get
thousands), then starts `warroom serve --no-worker` and measures, over the same random
refs in each run, GET /api/v1/incidents/{ref} (with its first timeline page), the console
page /incidents/{ref}, and two references: /healthz through the same HTTP stack and the
same reads done bare with psycopg. Last, `warroom export --out /dev/null` is timed (rows/s,
peak RSS). Prints a Markdown table of medians and writes bench/results/incident_page.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import psycopg

ROOT = Path(__file__).resolve().parents[1]
WARROOM = str(Path(sys.executable).with_name("warroom"))
DB = "warroom_bench"
# The schema the rows are copied into; the migrations after it (the metrics' facts
# back-fill) then run over the loaded data, as they would on an existing installation.
BEFORE_FACTS = "0014t_sessions"
SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SEVERITIES = ["sev1", "sev2", "sev2", "sev3", "sev3", "sev3", "sev4"]
KINDS = ["note"] * 12 + ["milestone", "hypothesis", "experiment", "result", "status-update"]
SERVICES = [f"service-{i}" for i in range(40)]
PEOPLE = [f"person{i}" for i in range(200)]
START = datetime(2023, 1, 1, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def entry_counts(incidents: int, entries: int, rng: random.Random) -> list[int]:
    """Entries per incident: 95 % have 1-20, 4 % 50-500, 1 % 1,000-5,500; scaled to `entries`."""
    raw = []
    for _ in range(incidents):
        r = rng.random()
        if r < 0.01:
            raw.append(rng.randint(1000, 5500))
        elif r < 0.05:
            raw.append(rng.randint(50, 500))
        else:
            raw.append(rng.randint(1, 20))
    scale = entries / sum(raw)
    return [max(1, round(n * scale)) for n in raw]


def ts(value: datetime) -> str:
    return value.isoformat(sep=" ")


def chunks(lines: Iterator[str], size: int = 20_000) -> Iterator[bytes]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def incident_lines(counts: list[int], rng: random.Random) -> Iterator[str]:
    for number in range(1, len(counts) + 1):
        declared = START + timedelta(minutes=number * 14 + rng.randint(0, 10))
        open_ = number > len(counts) - 200  # the newest few are still open
        stage = rng.choice(["investigating", "identified", "mitigated"]) if open_ else "closed"
        service = SERVICES[number % len(SERVICES)]
        end = declared + timedelta(hours=rng.randint(1, 48))
        closed = r"\N" if open_ else ts(end)
        yield (
            "\t".join(
                [
                    str(number),
                    f"Incident {number}: {service} errors for some users",
                    f"{service} requests",
                    "failing",
                    "some users",
                    "",
                    rng.choice(SEVERITIES),
                    stage,
                    json.dumps([service]),
                    str(rng.randint(0, 50)),
                    "f",
                    "internal",
                    "f",
                    f"inc-{number}-{service}",
                    rng.choice(PEOPLE),
                    ts(declared - timedelta(minutes=5)),
                    ts(declared),
                    ts(declared),
                    ts(declared + timedelta(minutes=3)),
                    ts(declared + timedelta(minutes=30)),
                    closed,
                    closed,
                    closed,
                    ts(declared if open_ else end),
                    ts(declared + timedelta(minutes=20)),
                    r"\N",
                    r"\N",
                    "{}",
                ]
            )
            + "\n"
        )


INCIDENT_COLUMNS = (
    "id, title, functionality, state, audience, summary, severity, stage, services, "
    "customers_affected, whole_service, visibility, drill, channel, declared_by, detected_at, "
    "declared_at, recorded_at, acknowledged_at, identified_at, mitigated_at, resolved_at, "
    "closed_at, stage_entered_at, last_update_internal_at, last_update_customers_at, "
    "last_update_observers_at, links"
)


def entry_lines(counts: list[int], rng: random.Random) -> Iterator[str]:
    entry_id = 0
    for number, n in enumerate(counts, start=1):
        base = START + timedelta(minutes=number * 14)
        author = PEOPLE[number % len(PEOPLE)]
        for k in range(n):
            entry_id += 1
            at = ts(base + timedelta(seconds=k * 20))
            kind = KINDS[(entry_id * 7) % len(KINDS)]
            yield (
                f"{entry_id}\t{number}\t{kind}\tChecked the {SERVICES[k % 40]} dashboards; "
                f"error rate {k % 97} per minute, step {k} of the investigation\t{author}\t"
                f"{at}\t{at}\t{{}}\n"
            )


def generate(url: str, incidents: int, entries: int) -> dict[str, Any]:
    """Bulk-load the tables with COPY; returns counts and seconds."""
    rng = random.Random(7)
    counts = entry_counts(incidents, entries, rng)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=False) as conn, conn.cursor() as cur:
        # Foreign keys are not re-checked row by row (as pg_restore does); the data is built
        # consistent. The indexes stay: the rows arrive in index order.
        cur.execute("SET session_replication_role = replica")
        with cur.copy(f"COPY incidents ({INCIDENT_COLUMNS}) FROM STDIN") as copy:
            for chunk in chunks(incident_lines(counts, rng)):
                copy.write(chunk)
        with cur.copy("COPY incident_services (incident_id, service) FROM STDIN") as copy:
            for chunk in chunks(
                f"{n}\t{SERVICES[n % len(SERVICES)]}\n" for n in range(1, incidents + 1)
            ):
                copy.write(chunk)
        with cur.copy(
            "COPY role_assignments (incident_id, role, person, assigned_at, assigned_by) FROM STDIN"
        ) as copy:
            for chunk in chunks(
                f"{n}\tcommander\t{PEOPLE[(n * 3) % len(PEOPLE)]}\t"
                f"{ts(START + timedelta(minutes=n * 14 + 1))}\tbench\n"
                for n in range(1, incidents + 1)
            ):
                copy.write(chunk)
        loaded = time.perf_counter()
        with cur.copy(
            "COPY timeline_entries (id, incident_id, kind, text, author, occurred_at, "
            "recorded_at, data) FROM STDIN"
        ) as copy:
            for chunk in chunks(entry_lines(counts, rng), size=50_000):
                copy.write(chunk)
        cur.execute("UPDATE counters SET value = %s WHERE name = 'incident'", (incidents,))
        for table in ("timeline_entries", "role_assignments"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
        copied = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    done = time.perf_counter()
    return {
        "incidents": incidents,
        "timeline_entries": sum(counts),
        "max_entries": max(counts),
        "incidents_over_1000": sum(1 for n in counts if n >= 1000),
        "seconds_incidents": round(loaded - started, 1),
        "seconds_timeline": round(copied - loaded, 1),
        "seconds_analyze": round(done - copied, 1),
        "counts": counts,
    }


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "n": float(len(ordered))}


def timed(call: Callable[[], None]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def measure(calls: list[Callable[[], None]], connections: int) -> dict[str, float]:
    with ThreadPoolExecutor(connections) as pool:
        samples = list(pool.map(timed, calls))
    return percentiles(samples)


def login(client: httpx2.Client, base: str, token: str) -> None:
    form = client.get(f"{base}/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, form.text[:500]
    done = client.post(f"{base}/login", data={"token": token, "csrf": csrf.group(1), "next": "/"})
    assert done.status_code in (200, 303), done.status_code


def run_export(url: str) -> dict[str, float]:
    """`warroom export --out /dev/null`: seconds, rows/s and the peak RSS of the process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [WARROOM, "export", "--out", "/dev/null", "--database-url", url],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, err
    rows = int(re.search(r"exported (\d+) rows", err).group(1))  # type: ignore[union-attr]
    return {
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--server", default=SERVER, help="an admin URL of the PostgreSQL server")
    parser.add_argument("--keep", action="store_true", help="keep warroom_bench afterwards")
    parser.add_argument("--reuse", action="store_true", help="use an existing database")
    parser.add_argument("--db", default=DB, help="the database to create (or reuse)")
    parser.add_argument(
        "--out", default="bench/results/incident_page.json", help="where the raw runs go"
    )
    args = parser.parse_args()
    db = args.db

    admin = psycopg.connect(args.server, autocommit=True)
    base_url = args.server.rsplit("/", 1)[0] + f"/{db}"
    sa_url = base_url.replace("postgresql://", "postgresql+psycopg://")
    results: dict[str, Any] = {"args": vars(args), "load_avg_start": os.getloadavg()}
    if not args.reuse:
        admin.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {db}")
        env = {**os.environ, "WARROOM_DATABASE_URL": sa_url}
        upgrade = [WARROOM, "db", "upgrade"]
        subprocess.run([*upgrade, BEFORE_FACTS], env=env, check=True, capture_output=True)
        generated = generate(base_url, args.incidents, args.entries)
        generated.pop("counts")
        started = time.perf_counter()
        subprocess.run(upgrade, env=env, check=True, capture_output=True)
        generated["seconds_migrations"] = round(time.perf_counter() - started, 1)
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        results["generated"] = generated
        print(f"generated: {generated}", flush=True)
    with psycopg.connect(base_url) as conn:
        total = conn.execute("SELECT count(*) FROM incidents").fetchone()
        assert total is not None
        incidents = int(total[0])
        sizes: dict[int, int] = dict(
            conn.execute(
                "SELECT incident_id, count(*) FROM timeline_entries GROUP BY incident_id"
            ).fetchall()
        )

    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": sa_url,
        "WARROOM_DEV": "1",
        "WARROOM_LOG_LEVEL": "warning",
    }
    token = json.loads(
        subprocess.run(
            [WARROOM, "token", "create", "--role", "admin", "--name", "bench", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )["token"]
    port = free_port()
    server = subprocess.Popen(
        [WARROOM, "serve", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("warroom did not come up")
            time.sleep(0.3)
        limits = httpx2.Limits(max_connections=args.connections)
        api = httpx2.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits
        )
        console = httpx2.Client(limits=limits)
        login(console, base, token)
        local = threading.local()
        pg: list[psycopg.Connection[Any]] = []

        def bare(number: int) -> Callable[[], None]:
            def call() -> None:
                if not hasattr(local, "conn"):  # one connection per pool thread
                    local.conn = psycopg.connect(base_url, autocommit=True)
                    pg.append(local.conn)
                with local.conn.cursor() as cur:
                    cur.execute("SELECT * FROM incidents WHERE id = %s", (number,))
                    cur.fetchall()
                    cur.execute(
                        "SELECT id, kind, text, author, occurred_at, recorded_at, data "
                        "FROM timeline_entries WHERE incident_id = %s "
                        "ORDER BY occurred_at, id LIMIT 1000",
                        (number,),
                    )
                    cur.fetchall()

            return call

        def get(client: httpx2.Client, path: str) -> Callable[[], None]:
            def call() -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            return call

        runs: list[dict[str, Any]] = []
        for run in range(args.runs):
            rng = random.Random(100 + run)
            numbers = [rng.randint(1, incidents) for _ in range(args.requests)]
            entries = [sizes.get(n, 0) for n in numbers]
            # Warm up this run's connections and code paths.
            for n in numbers[:10]:
                get(api, f"/api/v1/incidents/INC-{n}")()
            measured = {
                "healthz": measure([get(api, "/healthz") for _ in numbers], args.connections),
                "bare_sql": measure([bare(n) for n in numbers], args.connections),
                "api_incident": measure(
                    [get(api, f"/api/v1/incidents/INC-{n}") for n in numbers], args.connections
                ),
                "console_incident": measure(
                    [get(console, f"{base}/incidents/INC-{n}") for n in numbers],
                    args.connections,
                ),
                "entries_p50": statistics.median(entries),
                "entries_max": max(entries),
                "load_avg": os.getloadavg()[0],
            }
            runs.append(measured)
            print(f"run {run + 1}: {json.dumps(measured)}", flush=True)
        results["runs"] = runs
        api.close()
        console.close()
        for conn in pg:
            conn.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    exports = []
    for run in range(args.export_runs):
        exported = run_export(sa_url)
        exports.append(exported)
        print(f"export {run + 1}: {exported}", flush=True)
    results["exports"] = exports
    results["load_avg_end"] = os.getloadavg()
    if not args.keep:
        admin.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    admin.close()

    out = ROOT / args.out
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(report(results))


def report(results: dict[str, Any]) -> str:
    runs = results["runs"]
    if not runs:
        return "no latency runs"
    healthz = statistics.median(r["healthz"]["p95"] for r in runs)
    bare = statistics.median(r["bare_sql"]["p95"] for r in runs)
    lines = [
        "| measure | p50 ms | p95 ms | p99 ms | p95 vs /healthz | p95 vs bare SQL |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in ("healthz", "bare_sql", "api_incident", "console_incident"):
        p = {q: statistics.median(r[name][q] for r in runs) for q in ("p50", "p95", "p99")}
        lines.append(
            f"| {name} | {p['p50']:.1f} | {p['p95']:.1f} | {p['p99']:.1f} | "
            f"{p['p95'] / healthz:.1f}x | {p['p95'] / bare:.1f}x |"
        )
    exports = results.get("exports") or []
    if exports:
        rate = statistics.median(e["rows_per_s"] for e in exports)
        rss = max(e["peak_rss_mb"] for e in exports)
        lines.append("")
        lines.append(
            f"export: {exports[0]['rows']} rows, median {rate:.0f} rows/s "
            f"({', '.join(str(e['rows_per_s']) for e in exports)}), peak RSS {rss} MB"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

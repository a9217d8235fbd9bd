"""Alert storm: 5,000 Alertmanager webhooks of one alert each, 90% repeats of 50 alerts
(550 distinct), over 32 concurrent keep-alive connections, against a warroom server in
its own process(es). Every 2xx means the alert is committed and deduplicated.

    .venv/bin/python -m bench.alert_storm                       # SQLite, 1 process
    .venv/bin/python -m bench.alert_storm --database postgresql+psycopg://postgres@127.0.0.1:5432/test --processes 2

Each run uses a fresh database; a bare endpoint (same JSON parsing, no database) is
measured in the same run as the ceiling of the HTTP stack on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

import uvloop
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from warroom.adapters import db as database
from warroom.adapters.catalog_file import CatalogIn, to_command
from warroom.adapters.orm import start_mappers
from warroom.adapters.orm.alerts import alerts
from warroom.adapters.orm.incidents import incidents
from warroom.adapters.policy_file import parse_policy
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.domain.integrations import IntegrationKind
from warroom.domain.oncall_commands import CreateIntegration

ROOT = Path(__file__).resolve().parents[1]
WEBHOOKS, HOT, HOT_SHARE, CONNECTIONS = 5000, 50, 0.9, 32

RULES = {
    # each new alert group is recorded (deduplicated, durable): the intake path itself
    "alert": '[[alert_rules]]\nname = "storm"\nmatch = { severity = "critical" }\naction = "alert"\n',
    # each new alert group pages the service's on-call (a page, an outbox row, a timer)
    "page": '[[alert_rules]]\nname = "storm"\nmatch = { severity = "critical" }\naction = "page"\n',
    # each new alert group declares an incident (and pages)
    "incident": (
        '[[alert_rules]]\nname = "storm"\nmatch = { severity = "critical" }\n'
        'action = "incident"\nseverity = "sev3"\n'
    ),
}

CATALOG = {
    "people": [{"handle": "alice", "email": "alice@example.com"}, {"handle": "bob"}],
    "teams": [{"name": "web", "members": ["alice", "bob"]}],
    "schedules": [
        {
            "name": "web-primary",
            "layers": [{"name": "w", "members": ["alice", "bob"], "start": "2026-01-05T09:00"}],
        }
    ],
    "services": [{"name": "web", "team": "web", "schedule": "web-primary"}],
}


def webhook(n: int, severity: str = "critical") -> bytes:
    alert = {
        "status": "firing",
        "labels": {"alertname": f"Storm{n}", "instance": f"host-{n}", "severity": severity},
        "annotations": {"summary": f"Storm alert {n}"},
        "startsAt": "2026-11-23T09:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": f"{n:016x}",
    }
    body = {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="Storm{n}"}}',
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"alertname": f"Storm{n}"},
        "commonLabels": alert["labels"],
        "commonAnnotations": alert["annotations"],
        "externalURL": "http://alertmanager.example",
        "truncatedAlerts": 0,
        "alerts": [alert],
    }
    return json.dumps(body).encode()


def workload(seed: int = 7) -> list[int]:
    """Alert numbers for each webhook: 90% over 50 hot alerts, 10% each a new alert."""
    hot = int(WEBHOOKS * HOT_SHARE)
    numbers = [n % HOT for n in range(hot)] + [HOT + n for n in range(WEBHOOKS - hot)]
    random.Random(seed).shuffle(numbers)
    return numbers


def request_bytes(path: str, key: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _connection(
    port: int, requests: asyncio.Queue[bytes], latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            try:
                raw = requests.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status >= 300:
                errors.append(status)
    finally:
        writer.close()


async def storm(
    ports: list[int], path: str, key: str, numbers: list[int], *, severity: str = "critical"
) -> dict[str, Any]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for n in numbers:
        queue.put_nowait(request_bytes(path, key, webhook(n, severity)))
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    # Connections spread evenly over the processes, as a load balancer would.
    await asyncio.gather(
        *(_connection(ports[i % len(ports)], queue, latencies, errors) for i in range(CONNECTIONS))
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
    }


def fetch_stats(port: int) -> Any:
    """Batches committed by the server's writer (one process: the numbers of that one)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/stats", timeout=10) as response:
        return json.loads(response.read())


def fresh_database(base: str, folder: Path) -> str:
    if base.startswith("sqlite"):
        return f"sqlite:///{folder / f'storm-{uuid.uuid4().hex[:6]}.db'}"
    name = f"warroom_storm_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_database(base: str, url: str) -> None:
    if url.startswith("sqlite"):
        return
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, policy_path: Path) -> tuple[str, str]:
    """Migrate, import the catalog, make the storm's and the warm-up's integrations."""
    start_mappers()
    policy = parse_policy(tomllib.loads(policy_path.read_text()), source=str(policy_path))
    wr = bootstrap(Settings(database_url=url, dev=True), policy=policy)
    try:
        wr.bus.handle(to_command(CatalogIn(**CATALOG), by="bench"))
        made = wr.bus.handle(
            CreateIntegration(
                name="am",
                kind=IntegrationKind.ALERTMANAGER,
                by="bench",
                service="web",
                rate_limit_per_minute=0,
            )
        )
        warm = wr.bus.handle(
            CreateIntegration(
                name="warm-up",
                kind=IntegrationKind.ALERTMANAGER,
                by="bench",
                rate_limit_per_minute=0,
            )
        )
    finally:
        wr.close()
    return str(made["key"]), str(warm["key"])


def serve(url: str, policy_path: Path, port: int) -> subprocess.Popen[bytes]:
    """One server process on `port` (several processes: one port each, as behind a proxy)."""
    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": url,
        "WARROOM_POLICY": str(policy_path),
        "WARROOM_DEV": "1",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.storm_app:make",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            asyncio.run(asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1))
            time.sleep(0.2)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def counts(url: str) -> tuple[int, int, int]:
    """Alerts of the storm's integration, the sum of their counts, and incidents."""
    engine = create_engine(url)
    storm_only = alerts.c.integration_id == 1
    with engine.connect() as conn:
        n_alerts = conn.execute(select(func.count()).where(storm_only)).scalar_one()
        total = conn.execute(
            select(func.coalesce(func.sum(alerts.c.count), 0)).where(storm_only)
        ).scalar_one()
        n_incidents = conn.execute(select(func.count()).select_from(incidents)).scalar_one()
    engine.dispose()
    return int(n_alerts), int(total), int(n_incidents)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        default="sqlite",
        help="'sqlite' or a PostgreSQL URL (a fresh database is made per run)",
    )
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--action", choices=sorted(RULES), default="alert", help="what a new alert group does"
    )
    args = parser.parse_args()
    numbers = workload()
    assert len(set(numbers)) == 550
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        policy_path = folder / "storm.toml"
        base = (resources.files("warroom.policies") / "standard.toml").read_text()
        policy_path.write_text(base + "\n" + RULES[args.action])
        for run in range(1, args.runs + 1):
            url = fresh_database(args.database, folder)
            key, warm_key = prepare(url, policy_path)
            db = database.open_database(url)
            db.dispose()
            ports = [18000 + 10 * run + i for i in range(args.processes)]
            procs = [serve(url, policy_path, port) for port in ports]
            try:
                # Warm-up (not measured, not counted): connections, compiled statements.
                warm = [n % 100 for n in range(300)]
                uvloop.run(storm(ports, "/bench/bare", warm_key, warm, severity="warning"))
                intake = "/api/v1/alerts/alertmanager"
                uvloop.run(storm(ports, intake, warm_key, warm, severity="warning"))
                bare = uvloop.run(storm(ports, "/bench/bare", key, numbers))
                real = uvloop.run(storm(ports, intake, key, numbers))
                real["writer"] = [fetch_stats(port) for port in ports]
            finally:
                for proc in procs:
                    proc.terminate()
                for proc in procs:
                    proc.wait(30)
            n_alerts, total, n_incidents = counts(url)
            drop_database(args.database, url)
            row = {
                "run": run,
                "bare": bare,
                "intake": real,
                "alerts": n_alerts,
                "alert_count_sum": total,
                "incidents": n_incidents,
            }
            results.append(row)
            print(
                f"run {run}: intake {real['per_second']:.0f}/s p50 {real['p50_ms']:.1f} ms p99 {real['p99_ms']:.1f} ms "
                f"errors {real['errors']} batches {real['writer']} | bare {bare['per_second']:.0f}/s p99 {bare['p99_ms']:.1f} ms | "
                f"alerts {n_alerts} (sum of counts {total}) incidents {n_incidents}",
                flush=True,
            )
    med = {
        k: statistics.median(r["intake"][k] for r in results)
        for k in ("per_second", "p50_ms", "p99_ms")
    }
    bare_med = statistics.median(r["bare"]["per_second"] for r in results)
    print(
        f"median of {len(results)} runs: intake {med['per_second']:.0f} webhooks/s, p50 {med['p50_ms']:.1f} ms, "
        f"p99 {med['p99_ms']:.1f} ms; bare handler {bare_med:.0f}/s; intake/bare {med['per_second'] / bare_med:.2f}"
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()

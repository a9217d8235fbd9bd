"""How long the metrics dashboard takes over a large history (PostgreSQL).

    .venv/bin/python bench/metrics_dashboard.py --url postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        [--incidents 100000] [--entries 50] [--updates 6] [--runs 5]

Creates a fresh database, loads `--incidents` incidents over two years (every tenth one a
drill, every twentieth restricted) with `--entries` timeline entries each, of which
`--updates` are status or customer updates, and follow-ups and retrospective clocks, with
COPY, into the schema before `incident_facts`; then runs the migration that back-fills the
facts (timed). Then times, `--runs` times each (interleaved with a reference query, a
count over the incidents), the metrics for an admin over everything, for a
responder over one quarter and one severity, and the dashboard's four SVG charts, and
prints the medians. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from warroom import metrics_queries
from warroom.adapters import db as database
from warroom.adapters.orm import start_mappers
from warroom.adapters.policy_file import load_policy
from warroom.domain.access import AccessRole, Principal
from warroom.entrypoints.web import metrics_charts

START = datetime(2024, 11, 1, tzinfo=UTC)
BEFORE_FACTS = "0014t_sessions"
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
SERVICES = tuple(f"service-{n}" for n in range(40))


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def load(url: str, incidents: int, entries: int, updates: int) -> None:
    rng = random.Random(7)
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(
            "COPY incidents (id, title, summary, severity, stage, services, customers_affected,"
            " whole_service, visibility, drill, channel, declared_by, detected_at, declared_at,"
            " recorded_at, acknowledged_at, identified_at, mitigated_at, resolved_at, closed_at,"
            " stage_entered_at, links) FROM STDIN"
        ) as copy:
            for n in range(1, incidents + 1):
                detected = START + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
                declared = detected + timedelta(minutes=rng.randrange(0, 30))
                ack = declared + timedelta(minutes=rng.randrange(1, 20))
                ident = ack + timedelta(minutes=rng.randrange(5, 120))
                mitig = ident + timedelta(minutes=rng.randrange(5, 240))
                resolved = mitig + timedelta(hours=rng.randrange(1, 72))
                closed = resolved + timedelta(days=rng.randrange(1, 10))
                copy.write_row(
                    (
                        n,
                        f"Incident {n}",
                        "",
                        rng.choice(SEVERITIES),
                        "closed",
                        json.dumps([rng.choice(SERVICES)]),
                        rng.randrange(0, 5),
                        False,
                        "restricted" if n % 20 == 0 else "internal",
                        n % 10 == 0,
                        f"inc-{n}",
                        "alice",
                        detected,
                        declared,
                        declared,
                        ack,
                        ident,
                        mitig,
                        resolved,
                        closed,
                        closed,
                        "{}",
                    )
                )
        # Another statement cannot run on a connection while it is in COPY: read first.
        cur.execute("SELECT id, services->>0, declared_at, mitigated_at FROM incidents")
        rows = cur.fetchall()
        with cur.copy("COPY incident_services (incident_id, service) FROM STDIN") as copy:
            for number, service, _, _ in rows:
                copy.write_row((number, service))
        with cur.copy(
            "COPY timeline_entries (incident_id, kind, text, author, occurred_at, recorded_at,"
            " data) FROM STDIN"
        ) as copy:
            for number, _, declared, _ in rows:
                for k in range(entries):
                    at = declared + timedelta(minutes=7 * k)
                    if k < updates:
                        audience = ("internal", "customers", "observers")[k % 3]
                        kind = "customer-update" if audience == "customers" else "status-update"
                        data = json.dumps({"audience": audience})
                    else:
                        kind, data = "note", "{}"
                    copy.write_row((number, kind, f"entry {k}", "bob", at, at, data))
        with cur.copy(
            "COPY followups (incident_id, number, title, kind, owner, due, status, reason,"
            " created_at, created_by) FROM STDIN"
        ) as copy:
            for number, _, declared, _ in rows:
                copy.write_row(
                    (
                        number,
                        1,
                        "Fix it",
                        "durable-fix",
                        "bob",
                        (declared + timedelta(days=14)).date(),
                        rng.choice(("open", "done", "done", "not-doing")),
                        "",
                        declared,
                        "alice",
                    )
                )
        with cur.copy(
            "COPY incident_clocks (incident_id, name, due_at, base_at, done_at) FROM STDIN"
        ) as copy:
            for number, _, _, mitigated in rows:
                due = mitigated + timedelta(days=2)
                done = mitigated + timedelta(days=rng.randrange(0, 4))
                copy.write_row((number, "retrospective", due, mitigated, done))
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


def timed(fn: Callable[[], Any], runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="a PostgreSQL URL to create databases on")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=50, help="timeline entries per incident")
    parser.add_argument("--updates", type=int, default=6, help="of which status updates")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    start_mappers()
    name = f"warroom_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.url).set(database=name).render_as_string(hide_password=False)
    try:
        db = database.open_database(url)
        policy = load_policy("standard")
        # The schema before the facts, loaded, then the migration that back-fills them.
        database.upgrade(db, BEFORE_FACTS)
        t0 = time.perf_counter()
        load(url, args.incidents, args.entries, args.updates)
        total = args.incidents * args.entries
        print(
            f"loaded {args.incidents:,} incidents, {total:,} timeline entries "
            f"in {time.perf_counter() - t0:.1f}s"
        )
        t0 = time.perf_counter()
        database.upgrade(db, policy=policy)
        print(f"migration back-filling incident_facts: {time.perf_counter() - t0:.1f}s")
        with db.write.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        now = START + timedelta(days=2 * 365 + 30)
        root = Principal(name="root", role=AccessRole.ADMIN)
        emily = Principal(name="emily", role=AccessRole.RESPONDER)
        result: dict[str, Any] = {}

        def everything() -> None:
            result.update(metrics_queries.report(db.read, policy=policy, now=now, viewer=root))

        def quarter() -> None:
            metrics_queries.report(
                db.read,
                policy=policy,
                now=now,
                viewer=emily,
                start=datetime(2025, 7, 1, tzinfo=UTC),
                end=datetime(2025, 10, 1, tzinfo=UTC),
                severities=["sev2"],
            )

        def charts() -> None:
            d = result["durations"]
            metrics_charts.durations_by(d["by_severity"], "By severity")
            metrics_charts.durations_by(d["by_month"], "By month", line=True)
            metrics_charts.durations_by(d["by_service"], "By service")
            metrics_charts.adherence(result["updates"], result["retrospectives"])

        def reference() -> None:
            with db.read.connect() as conn:
                conn.execute(text("SELECT count(*) FROM incidents")).scalar_one()

        everything()  # warm the caches once, like a dashboard that has been opened before
        samples: dict[str, list[float]] = {}
        # Interleaved, so that the machine's noise falls on every measure alike.
        for _ in range(args.runs):
            for label, fn in (
                ("reference: SELECT count(*) FROM incidents", reference),
                ("metrics, everything (admin)", everything),
                ("metrics, one quarter, one severity", quarter),
                ("four SVG charts", charts),
            ):
                samples.setdefault(label, []).append(timed(fn, 1))
        for label, values in samples.items():
            runs = ", ".join(f"{v * 1000:.0f}" for v in values)
            print(f"{label:42s} median {statistics.median(values) * 1000:7.0f} ms  ({runs})")
        print(f"incidents counted: {result['incidents']['total']:,}")
        db.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()

"""Where an incident page's time goes, in process, against a loaded database.

    .venv/bin/python -m bench.incident_page_profile --url postgresql+psycopg://postgres@127.0.0.1:5432/warroom_bench \
        [--requests 200] [--path /incidents/{ref}] [--top 30]

Signs in to the console with a TestClient (no network between client and app), requests
the page for random refs, and prints the p50/p95 of the requests, the SQL statements per
request (SQLAlchemy's and the raw cursor's), and the cProfile functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import statistics
import time

from sqlalchemy import event
from starlette.testclient import TestClient

from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.domain.access import AccessRole
from warroom.entrypoints.api.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--path", default="/incidents/{ref}")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    wr = bootstrap(Settings(database_url=args.url, dev=True), migrate=False)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(wr.db.read, "before_cursor_execute", count)
    app = create_app(wr)
    token, _ = wr.tokens.create(name="profiler", role=AccessRole.ADMIN, now=wr.clock.now())
    client = TestClient(app)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    client.post("/login", data={"token": token, "csrf": csrf.group(1), "next": "/"})
    with wr.db.read.connect() as conn:
        top = conn.exec_driver_sql("SELECT max(id) FROM incidents").scalar_one()
    rng = random.Random(5)
    refs = [f"INC-{rng.randint(1, top)}" for _ in range(args.requests)]
    for ref in refs[:10]:
        client.get(args.path.format(ref=ref))
    statements = 0
    samples = []
    profile = cProfile.Profile()
    for ref in refs:
        started = time.perf_counter()
        profile.enable()
        response = client.get(args.path.format(ref=ref))
        profile.disable()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (ref, response.status_code)
    samples.sort()
    print(
        f"{args.path}: p50 {statistics.median(samples):.1f} ms, "
        f"p95 {samples[int(0.95 * len(samples))]:.1f} ms, "
        f"SQLAlchemy statements per request {statements / len(refs):.1f}"
    )
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    client.close()
    wr.close()


if __name__ == "__main__":
    main()

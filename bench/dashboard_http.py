"""The metrics dashboard end to end over HTTP (queries, charts, template), signed in as
an admin, against an existing database — e.g. the one `bench.incident_page --keep` leaves.

    .venv/bin/python -m bench.dashboard_http --url postgresql+psycopg://postgres@127.0.0.1:5432/warroom_bench_facts

Starts `warroom serve --no-worker`, signs in with a fresh admin token through the login
form, then requests `/dashboard` (every incident, no filter) `--runs` times after one
warm-up, each followed by `/healthz` as a reference; prints each and the median.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the database (already migrated)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "WARROOM_DATABASE_URL": args.url, "WARROOM_DEV": "1"}
    env.setdefault("WARROOM_LOG_LEVEL", "warning")
    exe = str(Path(sys.executable).with_name("warroom"))
    made = subprocess.run(
        [exe, "token", "create", "--role", "admin", "--name", "dashboard-bench", "--json"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    token = json.loads(made[made.index("{") :])["token"]
    port = free_port()
    server = subprocess.Popen(
        [exe, "serve", "--no-worker", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=120) as client:
            form = client.get("/login").text
            found = re.search(r'name="csrf" value="([^"]+)"', form)
            if found is None:
                raise SystemExit("no CSRF token on the login page")
            signed = client.post("/login", data={"csrf": found.group(1), "token": token})
            if signed.status_code not in (302, 303):
                raise SystemExit(f"sign-in failed: {signed.status_code}")
            pages, refs = [], []
            for run in range(args.runs + 1):
                started = time.perf_counter()
                page = client.get("/dashboard")
                took = time.perf_counter() - started
                if page.status_code != 200 or "<svg" not in page.text:
                    raise SystemExit(f"dashboard: {page.status_code}")
                started = time.perf_counter()
                client.get("/healthz")
                ref = time.perf_counter() - started
                label = "warm-up" if run == 0 else f"run {run}"
                print(f"{label}: dashboard {took * 1000:.0f} ms ({len(page.content)} bytes), "
                      f"/healthz {ref * 1000:.1f} ms", flush=True)  # fmt: skip
                if run:
                    pages.append(took)
                    refs.append(ref)
        print(
            f"median of {args.runs}: dashboard {statistics.median(pages) * 1000:.0f} ms, "
            f"/healthz {statistics.median(refs) * 1000:.1f} ms"
        )
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()

"""Phase (a) of `bench/run_core.py` (declarations and timeline writes, 4 clients) against
two checkouts in turn, so that a change is measured against the code before it on the
same machine at the same time.

    git worktree add /tmp/before <commit>
    .venv/bin/python -m bench.core_ab /tmp/before . --pairs 3 --incidents 400

Each run starts `uvicorn bench.core_app:make` with `PYTHONPATH=<checkout>/src:<checkout>`
on a fresh SQLite file (migrated and given a token by that checkout's code) and prints
one JSON line: requests/s, write and declaration p50/p99, server CPU per request.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvloop

from bench import run_core as rc


def token(root: Path, url: str) -> str:
    code = (
        f"import sys; sys.path[:0] = [{str(root / 'src')!r}, {str(root)!r}]; "
        f"from bench import run_core; print(run_core.prepare({url!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return out.strip().splitlines()[-1]


def one(root: Path, incidents: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = rc.fresh_database("sqlite", Path(tmp))
        bearer = token(root, url)
        port = rc.free_port()
        proc = rc.serve(url, port, Path(tmp) / "server.log", root)
        try:
            cpu = rc.cpu_seconds(proc.pid)
            r = uvloop.run(
                rc.declare_and_write(
                    port, bearer, incidents_n=incidents, entries=20, writers=4, seed=seed
                )
            )
            n = r["declare"]["n"] + r["write"]["n"]
            return {
                "root": str(root),
                "requests_per_s": round(r["ops_per_s"]),
                "write_p50_ms": round(r["write"]["p50_ms"], 1),
                "write_p99_ms": round(r["write"]["p99_ms"], 1),
                "declare_p50_ms": round(r["declare"]["p50_ms"], 1),
                "declare_p99_ms": round(r["declare"]["p99_ms"], 1),
                "cpu_ms_per_request": round((rc.cpu_seconds(proc.pid) - cpu) * 1000 / n, 2),
                "errors": r["error_count"],
                "load": round(os.getloadavg()[0], 1),
            }
        finally:
            rc.stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--incidents", type=int, default=400)
    args = parser.parse_args()
    for pair in range(args.pairs):
        for root in (args.before, args.after):
            print(json.dumps(one(root.resolve(), args.incidents, seed=pair + 1)), flush=True)


if __name__ == "__main__":
    main()

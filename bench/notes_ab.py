"""Timeline notes alone (no declarations in between), 4 clients, against two checkouts in
turn: server CPU per note and p50/p99, to measure a change to the note's path.

    git worktree add /tmp/before <commit>
    .venv/bin/python -m bench.notes_ab /tmp/before . [--pairs 2] [--incidents 200] [--notes 1500]

Each run serves one checkout (`uvicorn bench.core_app:make`, as `bench/run_core.py`
does) on a fresh SQLite file, declares `--incidents` incidents one at a time, then 4
clients write `--notes` notes each to random incidents (`bench/core_split.notes_only`).
Prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import uvloop

from bench import core_ab
from bench import core_split as cs
from bench import run_core as rc


def one(root: Path, incidents: int, notes: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        url = rc.fresh_database("sqlite", Path(tmp))
        token = core_ab.token(root, url)  # migrated and given a token by that checkout
        port = rc.free_port()
        proc = rc.serve(url, port, Path(tmp) / "server.log", root)
        try:
            refs = uvloop.run(cs.declare(port, token, incidents))
            cpu = rc.cpu_seconds(proc.pid)
            result = uvloop.run(cs.notes_only(port, token, refs, notes, 4))
            per_note = (rc.cpu_seconds(proc.pid) - cpu) * 1000 / (4 * notes)
        finally:
            rc.stop(proc)
    return {
        "root": str(root),
        "p50_ms": round(result["p50_ms"], 2),
        "p99_ms": round(result["p99_ms"], 2),
        "cpu_ms_per_note": round(per_note, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--notes", type=int, default=1500)
    args = parser.parse_args()
    for _ in range(args.pairs):
        for root in (args.before, args.after):
            print(json.dumps(one(root.resolve(), args.incidents, args.notes)), flush=True)


if __name__ == "__main__":
    main()

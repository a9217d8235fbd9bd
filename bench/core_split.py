"""Timeline writes with and without declarations in between: where the four-writer p99 of
`bench/run_core.py` phase (a) comes from.

    .venv/bin/python -m bench.core_split [--incidents 400] [--notes 1000]

One server (`uvicorn bench.core_app:make`, as run_core starts it) on a fresh SQLite file:
declare `--incidents` incidents one at a time, then twice: 4 clients writing `--notes`
notes each (notes only), and 1 client writing twice as many; then phase (a) of run_core
with 200 incidents (declarations and notes interleaved, 4 clients). Prints p50/p99 of each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
from pathlib import Path

import uvloop

from bench import run_core as rc


async def notes_only(port: int, token: str, refs: list[str], per: int, writers: int) -> dict:
    took: list[float] = []

    async def writer(k: int) -> None:
        conn = rc.Connection(port, token)
        try:
            for n in range(per):
                ref = refs[(k * per + n) % len(refs)]
                status, body, seconds = await conn.request(
                    "POST", f"/api/v1/incidents/{ref}/timeline", {"text": f"note {n}"}
                )
                assert status == 201, body
                took.append(seconds)
        finally:
            conn.close()

    await asyncio.gather(*(writer(k) for k in range(writers)))
    return rc.percentiles(took)


async def declare(port: int, token: str, n: int) -> list[str]:
    conn = rc.Connection(port, token)
    rng = random.Random(5)
    refs = []
    try:
        for i in range(n):
            status, body, _ = await conn.request(
                "POST",
                "/api/v1/incidents",
                {"title": rc.title(rng), "severity": "sev3", "services": [f"split-{i}"]},
            )
            assert status == 201, body
            refs.append(json.loads(body)["ref"])
    finally:
        conn.close()
    return refs


def _short(p: dict) -> str:
    return f"n={p['n']} p50 {p['p50_ms']:.1f} ms, p99 {p['p99_ms']:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=400)
    parser.add_argument("--notes", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = rc.fresh_database("sqlite", Path(tmp))
        token = rc.prepare(url)
        port = rc.free_port()
        proc = rc.serve(url, port, Path(tmp) / "server.log")
        try:
            refs = uvloop.run(declare(port, token, args.incidents))
            for _ in range(2):
                four = uvloop.run(notes_only(port, token, refs, args.notes, 4))
                print("notes only, 4 clients:", _short(four), flush=True)
                one = uvloop.run(notes_only(port, token, refs, args.notes * 2, 1))
                print("notes only, 1 client: ", _short(one), flush=True)
            mixed = uvloop.run(
                rc.declare_and_write(port, token, incidents_n=200, entries=20, writers=4, seed=3)
            )
            print("declarations and notes, 4 clients: notes", _short(mixed["write"]))
            print("declarations and notes, 4 clients: declarations", _short(mixed["declare"]))
        finally:
            rc.stop(proc)


if __name__ == "__main__":
    main()

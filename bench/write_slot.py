"""How long each kind of write holds SQLite's one write slot, in process.

    .venv/bin/python -m bench.write_slot [--incidents 400] [--samples 200] [--profile declare|note]

Declares `--incidents` incidents on a fresh SQLite file (through the bus, as the API's
handlers do), then times `--samples` more declarations and as many notes: from the
moment the write slot is taken (the engine's `begin`) to the moment it is given back (the
connection's check-in after COMMIT), and the whole command (the declaration's duplicate
pre-check runs before the slot is taken). Prints p50/p90/p99 of each and the statements
per command. With `--profile`, prints cProfile's functions (by internal and by cumulative
time) over the whole commands of that kind; cProfile roughly doubles the times.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import string
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.domain.commands import AddTimelineEntry, DeclareIncident
from warroom.domain.enums import EntryKind
from warroom.runtime import tune_gc


def _title(rng: random.Random) -> str:
    words = ("".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 8))) for _ in range(4))
    return " ".join(words).capitalize()


def _pct(values: list[float]) -> str:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p90 {at(0.9):.2f}, p99 {at(0.99):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=400)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--profile", choices=("declare", "note"))
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'w.db'}"
        wr = bootstrap(Settings(database_url=url, dev=True), migrate=True)
        rng = random.Random(5)
        serial = 0

        def declare() -> str:
            nonlocal serial
            serial += 1
            incident = wr.bus.handle(
                DeclareIncident(
                    title=_title(rng), severity="sev3", by="bench", services=(f"s-{serial}",)
                )
            )
            return str(incident["ref"])

        refs = [declare() for _ in range(args.incidents)]
        tune_gc()  # as the server does before serving
        held: list[float] = []
        statements = 0
        taken = 0.0

        def on_begin(_conn: object) -> None:
            nonlocal taken
            taken = time.perf_counter()

        def on_checkin(*_: object) -> None:
            if taken:
                held.append(time.perf_counter() - taken)

        def count(*_: object) -> None:
            nonlocal statements
            statements += 1

        event.listen(wr.db.write, "begin", on_begin)
        event.listen(wr.db.write.pool, "checkin", on_checkin)
        event.listen(wr.db.write, "before_cursor_execute", count)

        def note() -> None:
            wr.bus.handle(
                AddTimelineEntry(
                    ref=rng.choice(refs), kind=EntryKind.NOTE, text="a note", by="bench"
                )
            )

        results = {}
        for name, run in (("declare", declare), ("note", note)):
            held.clear()
            statements = 0
            profile = cProfile.Profile() if args.profile == name else None
            took = []
            for _ in range(args.samples):
                taken = 0.0
                started = time.perf_counter()
                if profile:
                    profile.enable()
                run()
                if profile:
                    profile.disable()
                took.append(time.perf_counter() - started)
            results[name] = (list(held), list(took), statements / args.samples, profile)
        for name, (h, took, per, _) in results.items():
            print(f"{name:8} slot held {_pct(h)} | whole command {_pct(took)} | {per:.1f} stmts")
        for name, (*_, profile) in results.items():
            if profile is not None:
                print(f"\n--- {name}: cProfile by internal time")
                pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
                pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
        wr.db.dispose()


if __name__ == "__main__":
    main()

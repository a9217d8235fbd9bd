"""What the checklist costs each command: the same incident run with and without checklists.

    .venv/bin/python bench/checklists.py [--url DATABASE_URL] [--runs 7] [--incidents 20]

Each run declares N incidents and drives each through roles, updates, a note, five whys,
stage changes and follow-ups (the commands that tick items and move deadline timers),
once with the `standard` policy (sev1) and once with the same policy stripped of its checklist
(the reference), alternating, on fresh databases. Prints the median time per command
of each and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from warroom.adapters import db as database
from warroom.adapters.orm import start_mappers
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.domain import commands as c
from warroom.domain.checklists import Checklist
from warroom.domain.enums import Audience, EntryKind, FollowUpKind, RoleName, Stage
from warroom.domain.policy import Policy


def commands_for(ref: str) -> list[c.Command]:
    out: list[c.Command] = [
        c.AssignRole(ref=ref, role=RoleName.COMMANDER, person="alice", by="b"),
        c.AssignRole(ref=ref, role=RoleName.COMMUNICATIONS, person="carol", by="b"),
        c.AssignRole(ref=ref, role=RoleName.WORKER, person="bob", by="b"),
        c.PostUpdate(ref=ref, audience=Audience.INTERNAL, text="investigating", by="carol"),
        c.AddTimelineEntry(ref=ref, kind=EntryKind.NOTE, text="errors from the IdP", by="bob"),
    ]
    out += [c.AddWhy(ref=ref, text=f"because {n}", by="alice") for n in range(5)]
    out += [
        c.ChangeStage(ref=ref, stage=Stage.IDENTIFIED, by="alice"),
        c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="alice"),
        c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="mitigated", by="carol"),
        c.AddFollowUp(ref=ref, title="Second IdP", kind=FollowUpKind.DURABLE_FIX, by="alice"),
    ]
    return out


def fresh_url(base: str | None, folder: Path) -> tuple[str, str | None]:
    if not base:
        return f"sqlite:///{folder / uuid.uuid4().hex}.db", None
    name = f"warroom_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False), name


def drop(base: str | None, name: str | None) -> None:
    if base and name:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def one_run(policy: Policy, base: str | None, folder: Path, incidents: int) -> float:
    """Seconds per command, over every command of `incidents` incidents."""
    url, name = fresh_url(base, folder)
    db = database.open_database(url)
    database.upgrade(db)
    db.dispose()
    wr = bootstrap(Settings(database_url=url, dev=True), policy=policy, migrate=False)
    count = 0
    started = time.perf_counter()
    for n in range(incidents):
        ref = wr.bus.handle(
            c.DeclareIncident(title=f"incident {n}", severity="sev1", by="b", force=True)
        )["ref"]
        count += 1
        for command in commands_for(ref):
            wr.bus.handle(command)
            count += 1
    elapsed = time.perf_counter() - started
    wr.close()
    drop(base, name)
    return elapsed / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL server URL (default: SQLite files)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--incidents", type=int, default=20)
    args = parser.parse_args()
    start_mappers()
    standard = load_policy("standard")
    bare = replace(standard, checklist=Checklist())
    timings: dict[str, list[float]] = {"with checklists": [], "without (reference)": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            timings["without (reference)"].append(
                one_run(bare, args.url, Path(tmp), args.incidents)
            )
            timings["with checklists"].append(
                one_run(standard, args.url, Path(tmp), args.incidents)
            )
    medians = {k: statistics.median(v) for k, v in timings.items()}
    backend = "PostgreSQL" if args.url else "SQLite"
    per = 1 + len(commands_for("INC-1"))
    print(f"{backend}: {args.runs} runs of {args.incidents} incidents x {per} commands")
    for label, value in medians.items():
        print(f"  {label:<22} median {value * 1000:.2f} ms/command")
    ratio = medians["with checklists"] / medians["without (reference)"]
    print(f"  ratio                  {ratio:.2f}")


if __name__ == "__main__":
    main()

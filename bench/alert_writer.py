"""The group-commit writer alone, in process: the alert storm's 5,000 webhooks parsed
beforehand and queued at once, so the figure is what the database side can commit
(no HTTP). Compare with bench/alert_storm.py to see what the HTTP side costs.

    .venv/bin/python -m bench.alert_writer [--database URL] [--action alert|page|incident]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tomllib
from importlib import resources
from pathlib import Path

import orjson

from bench.alert_storm import RULES, drop_database, fresh_database, prepare, webhook, workload
from warroom.adapters.alert_formats import parse_alertmanager
from warroom.adapters.policy_file import parse_policy
from warroom.bootstrap import bootstrap
from warroom.config import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--action", choices=sorted(RULES), default="alert")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    numbers = workload()
    events = [parse_alertmanager(orjson.loads(webhook(n))) for n in numbers]
    rates = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        policy_path = folder / "storm.toml"
        base = (resources.files("warroom.policies") / "standard.toml").read_text()
        policy_path.write_text(base + "\n" + RULES[args.action])
        policy = parse_policy(tomllib.loads(policy_path.read_text()), source=str(policy_path))
        for run in range(1, args.runs + 1):
            url = fresh_database(args.database, folder)
            key, _warm = prepare(url, policy_path)
            wr = bootstrap(Settings(database_url=url, dev=True), policy=policy, migrate=False)
            assert wr.intake is not None
            integration = wr.intake.integration(key)
            started = time.perf_counter()
            futures = [wr.intake.submit(integration, batch) for batch in events]
            for future in futures:
                future.result()
            elapsed = time.perf_counter() - started
            writer = wr.intake.writer
            print(
                f"run {run}: {len(events) / elapsed:.0f} alerts/s committed, "
                f"{writer.batches} batches, busy {writer.busy_seconds:.2f} s",
                flush=True,
            )
            rates.append(len(events) / elapsed)
            wr.close()
            drop_database(args.database, url)
    print(f"median of {len(rates)} runs: {statistics.median(rates):.0f} alerts/s")


if __name__ == "__main__":
    main()

"""What the audit log's command fields cost per alert on the intake path, in process.

The alert storm's 5,000 webhooks are parsed into the `IngestAlerts` commands intake
builds; the script times `audit.command_fields` (JSON-ready, secrets redacted) over all
of them, and as a reference in the same run the plain `orjson.dumps` of the same
commands (no redaction, C code): the ratio is what the Python walk costs on top.

    .venv/bin/python -m bench.audit_cost [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import orjson

from bench.alert_storm import webhook, workload
from warroom.adapters.alert_formats import parse_alertmanager
from warroom.domain.oncall_commands import IngestAlerts
from warroom.service_layer import audit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    commands = [
        IngestAlerts(
            integration_id=1,
            integration="storm",
            service="checkout",
            events=tuple(parse_alertmanager(orjson.loads(webhook(n)))),
        )
        for n in workload()
    ]
    fields, reference = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        for command in commands:
            audit.command_fields(command)
        fields.append((time.perf_counter() - started) / len(commands))
        started = time.perf_counter()
        for command in commands:
            orjson.dumps(command, default=str)
        reference.append((time.perf_counter() - started) / len(commands))
    mine, ref = statistics.median(fields), statistics.median(reference)
    print(
        f"command_fields: {mine * 1e6:.1f} µs per webhook; orjson.dumps reference: "
        f"{ref * 1e6:.1f} µs; ratio {mine / ref:.1f}x (medians of {args.runs})"
    )


if __name__ == "__main__":
    main()

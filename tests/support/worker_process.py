"""A worker process for kill and multi-process tests.

python -m tests.support.worker_process DATABASE_URL [BATCH]
"""

from __future__ import annotations

import sys
from datetime import timedelta

from tests.support.timer_effects import HANDLERS, machinery_policy
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.entrypoints.worker import run_worker
from warroom.service_layer.worker import WorkerConfig


def main() -> None:
    url = sys.argv[1]
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    wr = bootstrap(
        Settings(database_url=url, dev=True),
        policy=machinery_policy(),
        migrate=False,
        timer_handlers=HANDLERS,
    )
    print("ready", flush=True)
    run_worker(wr, WorkerConfig(batch=batch, lease=timedelta(seconds=3), poll_seconds=0.05))


if __name__ == "__main__":
    main()

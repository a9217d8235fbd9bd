"""A worker process delivering email for the notification benchmark.

python -m bench.notify_worker DATABASE_URL SMTP_PORT BATCH CONCURRENCY
"""

from __future__ import annotations

import sys
from datetime import timedelta

from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.entrypoints.worker import run_worker
from warroom.service_layer.worker import WorkerConfig


def main() -> None:
    url, port, batch, concurrency = (
        sys.argv[1],
        int(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
    )
    settings = Settings(database_url=url, dev=True, smtp_host="127.0.0.1", smtp_port=port)
    wr = bootstrap(settings, migrate=False)
    print("ready", flush=True)
    config = WorkerConfig(
        batch=batch, send_concurrency=concurrency, lease=timedelta(seconds=3), poll_seconds=0.05
    )
    run_worker(wr, config)


if __name__ == "__main__":
    main()

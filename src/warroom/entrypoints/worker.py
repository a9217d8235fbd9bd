"""Running the background worker in a thread of the web process, or on its own."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from warroom.bootstrap import Warroom
from warroom.service_layer.worker import WorkerConfig


@contextmanager
def worker_thread(wr: Warroom) -> Iterator[threading.Thread]:
    """Run a worker beside the web server for the duration of the block."""
    stop = threading.Event()
    worker = wr.make_worker()
    thread = threading.Thread(target=worker.run, args=(stop,), name="warroom-worker", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=30)


def run_worker(wr: Warroom, config: WorkerConfig | None = None) -> None:
    """Run a worker in the foreground until SIGINT or SIGTERM."""
    stop = threading.Event()

    def finish(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, finish)
    signal.signal(signal.SIGTERM, finish)
    wr.make_worker(config).run(stop)

"""Group commit: one writer thread runs many commands per transaction.

Each caller gets a future that completes only after the transaction holding its
command has committed, so a 2xx answered from it means the write is durable. With
requests arriving concurrently, one commit (one fsync, one lock acquisition on SQLite)
covers a whole batch instead of one request, which is what lets alert intake take
thousands of webhooks a second on one SQLite file.

`prepare` may read what the whole batch needs in one query before the commands run.
Commands of a batch run in the order of `order` (a stable sort, so commands with equal
keys keep their arrival order): with several processes writing the same rows, locks are
then taken in one global order and batches do not deadlock one another.

If a batch fails anyway (a deadlock, a constraint, a bug triggered by one request), it is
rolled back and its commands run again one transaction each, so only the request at
fault gets an error.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import structlog

from warroom.domain.commands import Command
from warroom.domain.events import Event
from warroom.service_layer import audit
from warroom.service_layer.messagebus import MessageBus
from warroom.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

_STOP = object()

Queued = tuple[Command, Future[Any], audit.Origin | None]


class Overloaded(Exception):
    """The queue is full: the caller should answer 503/429 and let the sender retry."""


class GroupCommitWriter:
    def __init__(
        self,
        bus: MessageBus,
        *,
        max_batch: int = 256,
        queue_size: int = 10_000,
        order: Callable[[Command], Any] | None = None,
        prepare: Callable[[UnitOfWork, list[Command]], None] | None = None,
    ) -> None:
        self.bus = bus
        self.order = order
        self.prepare = prepare
        self.max_batch = max_batch
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.commands = 0
        self.busy_seconds = 0.0  # time spent writing batches (for benchmarks and metrics)

    def submit(self, command: Command) -> Future[Any]:
        """Queue `command`; the future holds its handler's result once committed."""
        self._ensure_started()
        future: Future[Any] = Future()
        try:
            self._queue.put_nowait((command, future, audit.current()))
        except queue.Full:
            raise Overloaded("the intake queue is full") from None
        return future

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
                thread.start()
                self._thread = thread

    def close(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop the thread."""
        thread = self._thread
        if thread is None:
            return
        self._queue.put(_STOP)
        thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch = [item]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                batch.append(more)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[Queued]) -> None:
        if self.order is not None:
            order = self.order
            batch = sorted(batch, key=lambda item: order(item[0]))
        results: list[Any] = []
        events: list[Event] = []
        started = time.perf_counter()
        try:
            with self.bus.uow_factory() as uow:
                if self.prepare is not None:
                    self.prepare(uow, [command for command, _, _ in batch])
                for command, _, origin in batch:
                    # Each command is audited with the origin of the request that queued it.
                    with audit.bound(origin):
                        result, raised = self.bus.handle_in(uow, command)
                    results.append(result)
                    events.extend(raised)
                uow.commit()
        except Exception as exc:
            if len(batch) > 1:
                log.warning("group_commit_batch_failed", size=len(batch), error=str(exc)[:300])
            self._write_each(batch)
            return
        self.batches += 1
        self.commands += len(batch)
        self.busy_seconds += time.perf_counter() - started
        for (_, future, _), result in zip(batch, results, strict=True):
            future.set_result(result)
        self.bus.notify(events)

    def _write_each(self, batch: list[Queued]) -> None:
        for command, future, origin in batch:
            try:
                with audit.bound(origin):
                    future.set_result(self.bus.handle(command))
            except Exception as exc:  # handed to the caller, which answers with an error
                future.set_exception(exc)

"""The background worker: fires due timers and delivers the outbox.

Safe to kill at any instant. A timer's effects and its deletion commit in one
transaction, so a timer is never lost and never fires twice; a claimed timer or message
whose worker died is picked up again when its lease runs out. Delivery is at least
once: a message sent just before a kill is sent again, under the same key.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import Engine

from warroom.adapters import background
from warroom.adapters.clock import Clock
from warroom.adapters.notifiers.base import DeliveryError, Notifier
from warroom.domain.background import DueTimer, OutboundMessage
from warroom.domain.commands import FireTimer
from warroom.domain.notify_commands import RecordDelivery
from warroom.service_layer import audit
from warroom.service_layer.deliveries import Outcome, error_text, record_outcomes
from warroom.service_layer.messagebus import MessageBus

log = structlog.get_logger(__name__)

# What the worker does on its own (timers, delivery outcomes) is audited under its name.
WORKER = audit.Origin(channel="worker", actor="warroom")


@dataclass(frozen=True)
class WorkerConfig:
    batch: int = 200
    lease: timedelta = timedelta(seconds=30)
    poll_seconds: float = 0.2
    max_timer_attempts: int = 10
    max_delivery_attempts: int = 12
    send_concurrency: int = 16
    # Timers fired at once by one worker on PostgreSQL, each in its own transaction
    # (firing waits mostly on database round trips); SQLite has one writer: always 1.
    fire_concurrency: int = 4


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        *,
        bus: MessageBus,
        engine: Engine,
        clock: Clock,
        notifiers: dict[str, Notifier],
        config: WorkerConfig | None = None,
        name: str | None = None,
    ) -> None:
        self.bus = bus
        self.engine = engine
        self.clock = clock
        self.notifiers = notifiers
        self.config = config or WorkerConfig()
        self.name = name or worker_name()
        self._pool = ThreadPoolExecutor(
            max_workers=self.config.send_concurrency, thread_name_prefix="send"
        )
        single_writer = engine.dialect.name == "sqlite"
        self.fire_concurrency = 1 if single_writer else max(1, self.config.fire_concurrency)
        self._fire_pool = (
            ThreadPoolExecutor(max_workers=self.fire_concurrency, thread_name_prefix="fire")
            if self.fire_concurrency > 1
            else None
        )

    def fire_due_timers(self) -> int:
        """Fire every timer due now (one batch); returns how many were claimed."""
        cfg = self.config
        due = background.claim_timers(
            self.engine, worker=self.name, now=self.clock.now(), limit=cfg.batch, lease=cfg.lease
        )
        # One incident's timers fire in due order, one after another; different
        # incidents' at once (up to fire_concurrency).
        groups: dict[str | int, list[DueTimer]] = defaultdict(list)
        for timer in due:
            groups[timer.incident_ref or timer.id].append(timer)
        if self._fire_pool is not None and len(groups) > 1:
            list(self._fire_pool.map(self._fire_all, groups.values()))
        else:
            for timers in groups.values():
                self._fire_all(timers)
        return len(due)

    def _fire_all(self, timers: list[DueTimer]) -> None:
        for timer in timers:
            self._fire(timer)

    def _fire(self, timer: DueTimer) -> None:
        cfg = self.config
        try:
            with audit.bound(WORKER):
                self.bus.handle(
                    FireTimer(
                        timer_id=timer.id,
                        worker=self.name,
                        due_at=timer.due_at,
                        incident_ref=timer.incident_ref,
                    )
                )
        except Exception as exc:  # the handler's transaction rolled back; retry later
            log.exception("timer_failed", key=timer.key, kind=timer.kind)
            background.fail_timer(
                self.engine,
                timer,
                worker=self.name,
                now=self.clock.now(),
                error=f"{type(exc).__name__}: {exc}",
                max_attempts=cfg.max_timer_attempts,
            )

    def deliver(self) -> int:
        """Send one batch of pending messages concurrently; returns how many were claimed.

        The batch goes out in waves of `send_concurrency` messages, each wave recorded
        in one transaction as soon as it returns: a worker killed mid-batch repeats at
        most the sends of the wave in flight (at most `send_concurrency`).
        """
        cfg = self.config
        messages = background.claim_messages(
            self.engine, worker=self.name, now=self.clock.now(), limit=cfg.batch, lease=cfg.lease
        )
        failed: defaultdict[str, int] = defaultdict(int)
        size = max(cfg.send_concurrency, 1)
        for start in range(0, len(messages), size):
            wave = messages[start : start + size]
            outcomes = list(self._pool.map(self._send, wave))
            try:
                self._record(wave, outcomes)
            except Exception:  # the leases run out and these are sent again, same keys
                log.exception("delivery_record_failed", count=len(wave))
            for message, (_, error) in zip(wave, outcomes, strict=True):
                if error is not None:
                    failed[message.channel] += 1
        if failed:
            log.warning("deliveries_failed", by_channel=dict(failed))
        return len(messages)

    def _send(self, message: OutboundMessage) -> tuple[dict[str, Any] | None, Exception | None]:
        notifier = self.notifiers.get(message.channel)
        if notifier is None:
            # Retried, not dropped: the channel may be configured before the attempts run out.
            return None, DeliveryError(f"no notifier is configured for channel {message.channel!r}")
        try:
            return notifier.send(message), None
        except Exception as exc:  # every failure is recorded on the message and retried
            return None, exc

    def _record(
        self,
        wave: list[OutboundMessage],
        outcomes: list[tuple[dict[str, Any] | None, Exception | None]],
    ) -> None:
        cfg, now = self.config, self.clock.now()
        plain: list[Outcome] = []
        for message, (result, error) in zip(wave, outcomes, strict=True):
            if message.payload.get("step"):
                # A declaration step: its outcome goes on the incident's timeline in the
                # same transaction as the delivery record.
                with audit.bound(WORKER):
                    self.bus.handle(
                        RecordDelivery(
                            message_id=message.id or 0,
                            worker=self.name,
                            result=result,
                            error=None if error is None else error_text(error),
                            permanent=isinstance(error, DeliveryError) and error.permanent,
                            max_attempts=cfg.max_delivery_attempts,
                        )
                    )
            else:
                plain.append((message, result, error))
        if not plain:
            return
        # Marked and audited (as the worker) in one transaction for the whole wave.
        with audit.bound(WORKER), self.engine.begin() as conn:
            record_outcomes(
                conn, plain, worker=self.name, now=now, max_attempts=cfg.max_delivery_attempts
            )

    def tick(self) -> int:
        return self.fire_due_timers() + self.deliver()

    def run(self, stop: threading.Event) -> None:
        """Work until `stop` is set; idle for the poll interval when nothing is due."""
        log.info("worker_started", worker=self.name)
        while not stop.is_set():
            try:
                busy = self.tick()
            except Exception:  # the database may be briefly unavailable; keep going
                log.exception("worker_tick_failed")
                busy = 0
            if not busy:
                stop.wait(self.idle_wait())
        self.close()
        log.info("worker_stopped", worker=self.name)

    def idle_wait(self) -> float:
        """Seconds to sleep when idle: the poll interval, or less if a timer falls due
        sooner (so a timer fires on time instead of up to a poll interval late)."""
        poll = self.config.poll_seconds
        now = self.clock.now()
        try:
            soonest = background.next_due(self.engine, after=now)
        except Exception:  # the database may be briefly unavailable; poll again
            log.exception("next_due_failed")
            return poll
        if soonest is None:
            return poll
        return max(0.0, min(poll, (soonest - now).total_seconds()))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        if self._fire_pool is not None:
            self._fire_pool.shutdown(wait=True)

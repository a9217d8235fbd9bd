"""The front door of alert intake: find the integration by its key, apply its rate limit,
and hand the events to the group-commit writer."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from warroom.adapters.rate_limit import TokenBuckets
from warroom.domain.alerts import AlertEvent, EventAction
from warroom.domain.commands import Command
from warroom.domain.integrations import Integration
from warroom.domain.oncall_commands import IngestAlerts
from warroom.service_layer.group_commit import GroupCommitWriter
from warroom.service_layer.messagebus import MessageBus
from warroom.service_layer.unit_of_work import UnitOfWork


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _lock_order(command: object) -> tuple[int, str]:
    """Rows are locked in (integration, fingerprint) order, the same in every process."""
    if isinstance(command, IngestAlerts) and command.events:
        return command.integration_id, min(e.fingerprint for e in command.events)
    return 0, ""


def _prefetch(uow: UnitOfWork, commands: list[Command]) -> None:
    """The open alerts a batch will fire again, in one query (PostgreSQL)."""
    keys = {
        (c.integration_id, e.fingerprint)
        for c in commands
        if isinstance(c, IngestAlerts)
        for e in c.events
        if e.action is EventAction.TRIGGER
    }
    uow.alerts.prefetch_open(keys)


class UnknownKey(Exception):
    """No integration has this key (or it was rotated)."""


@dataclass(frozen=True)
class Throttled(Exception):
    retry_after: int


class IntakeGate:
    """Integrations by key hash, cached for a few seconds (a rotated key stops working
    within `cache_seconds`), a token bucket per integration, and the writer."""

    def __init__(
        self,
        bus: MessageBus,
        *,
        cache_seconds: float = 5.0,
        max_batch: int = 256,
    ) -> None:
        self.bus = bus
        self.writer = GroupCommitWriter(
            bus, max_batch=max_batch, order=_lock_order, prepare=_prefetch
        )
        self.buckets = TokenBuckets()
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Integration | None]] = {}

    def integration_cached(self, key: str) -> Integration:
        """From the cache alone: LookupError on a miss (then call `integration`)."""
        hit = self._cache.get(_digest(key))
        if hit is None or hit[0] < time.monotonic():
            raise LookupError(key)
        if hit[1] is None:
            raise UnknownKey
        return hit[1]

    def integration(self, key: str) -> Integration:
        """The integration that owns `key`, or UnknownKey (reads the database on a miss)."""
        digest = _digest(key)
        hit = self._cache.get(digest)
        now = time.monotonic()
        if hit is None or hit[0] < now:
            with self.bus.uow_factory() as uow:
                found = uow.alerts.integration_by_hash(digest)
            if len(self._cache) > 10_000:
                self._cache.clear()
            hit = (now + self.cache_seconds, found)
            self._cache[digest] = hit
        if hit[1] is None:
            raise UnknownKey
        return hit[1]

    def admit(self, integration: Integration) -> None:
        """Count one request against the integration's rate limit, or raise Throttled."""
        wait = self.buckets.take(integration.name, integration.rate_limit_per_minute)
        if wait:
            raise Throttled(wait)

    def submit(self, integration: Integration, events: list[AlertEvent]) -> Future[Any]:
        return self.writer.submit(
            IngestAlerts(
                integration_id=integration.id,
                integration=integration.name,
                service=integration.service,
                events=tuple(events),
            )
        )

    def forget(self) -> None:
        """Drop cached keys at once (after a rotation or removal in this process)."""
        self._cache.clear()

    def close(self) -> None:
        self.writer.close()

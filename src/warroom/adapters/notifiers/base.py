"""The notifier interface every channel implements."""

from __future__ import annotations

from typing import Any, Protocol

import structlog

from warroom.domain.background import OutboundMessage

log = structlog.get_logger(__name__)


class DeliveryError(Exception):
    """A send failed. `permanent` means retrying cannot help (bad address, refused auth)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Notifier(Protocol):
    """Delivers messages of one channel; raises DeliveryError (or any error) on failure.

    A notifier must make a repeated send of the same `message.key` harmless where the
    channel allows it (Matrix transaction ids, email Message-ID), because delivery is
    at least once: a worker killed after sending but before recording it sends again.
    `send` may return what the channel answered (ids), kept on the outbox row.
    """

    def send(self, message: OutboundMessage) -> dict[str, Any] | None: ...

    def close(self) -> None:
        """Release connections (called when the app shuts down)."""


class LogNotifier:
    """Writes messages to the log: the channel of last resort, and for development."""

    def send(self, message: OutboundMessage) -> None:
        log.info(
            "notification",
            channel=message.channel,
            destination=message.destination,
            subject=message.subject,
            incident=message.incident_ref,
            key=message.key,
        )

    def close(self) -> None:
        pass

"""Commands about notifications: recording a delivery, retrying a dead letter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from warroom.domain.commands import Command


@dataclass(frozen=True)
class RecordDelivery(Command):
    """The worker's outcome for a claimed message whose result belongs on the timeline."""

    message_id: int
    worker: str
    result: dict[str, Any] | None
    error: str | None
    permanent: bool
    max_attempts: int


@dataclass(frozen=True)
class RetryNotification(Command):
    """Put a failing or dead message back in the queue at once (an admin's decision)."""

    message_id: int
    by: str

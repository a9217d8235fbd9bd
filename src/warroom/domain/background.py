"""Timers and outbound messages as the service layer sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class DueTimer:
    """A timer claimed by a worker; `due_at` identifies this firing (a reschedule changes it)."""

    id: int
    key: str
    kind: str
    due_at: datetime
    payload: dict[str, Any]
    incident_ref: str | None
    attempts: int = 0


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


@dataclass(frozen=True)
class OutboundMessage:
    """One notification to one destination on one channel."""

    key: str
    channel: str
    destination: str
    body: str
    subject: str = ""
    incident_ref: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    attempts: int = 0

"""Events of the learning after an incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.events import Event


@dataclass(frozen=True)
class RetrospectiveScheduled(Event):
    """The retrospective meeting was scheduled (sequence 0) or moved (sequence 1, 2, …)."""

    ref: str
    by: str
    starts_at: datetime
    sequence: int
    forced: bool
    occurred_at: datetime


@dataclass(frozen=True)
class CustomerPostmortemWritten(Event):
    """The customer-facing summary (what happened, how it was addressed, what prevents a
    repeat) was first written; later edits raise nothing."""

    ref: str
    by: str
    occurred_at: datetime

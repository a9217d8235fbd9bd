"""Events of the checklists and of the affected-customers log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.events import Event


@dataclass(frozen=True)
class ChecklistItemChecked(Event):
    ref: str
    item: str
    by: str
    occurred_at: datetime
    auto: bool = False


@dataclass(frozen=True)
class ChecklistItemSkipped(Event):
    ref: str
    item: str
    by: str
    reason: str
    occurred_at: datetime


@dataclass(frozen=True)
class ChecklistItemReopened(Event):
    ref: str
    item: str
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class RequiredRolesFilled(Event):
    """Every role the severity requires has a holder (raised when the last one is filled)."""

    ref: str
    severity: str
    occurred_at: datetime


@dataclass(frozen=True)
class CustomerAdded(Event):
    ref: str
    number: int
    reported: bool


@dataclass(frozen=True)
class CustomerContacted(Event):
    ref: str
    number: int
    method: str
    outcome: str
    occurred_at: datetime


@dataclass(frozen=True)
class CustomerVerificationChanged(Event):
    ref: str
    number: int
    status: str
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class CustomersVerified(Event):
    """Every customer who reported the problem has confirmed the fix or been waived."""

    ref: str
    occurred_at: datetime

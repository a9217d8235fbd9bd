"""Commands of the checklists and of the affected-customers log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from warroom.domain.commands import Command
from warroom.domain.customers import ContactMethod, ContactOutcome, ReportChannel, Verification


@dataclass(frozen=True)
class CheckItem(Command):
    ref: str
    item: str
    by: str
    note: str = ""
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class SkipItem(Command):
    ref: str
    item: str
    reason: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ReopenItem(Command):
    ref: str
    item: str
    by: str
    reason: str = ""
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class AddCustomer(Command):
    ref: str
    name: str
    by: str
    contact: str = ""
    tier: str | None = None
    reported_via: ReportChannel | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class EditCustomer(Command):
    ref: str
    number: int
    by: str
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class LogCustomerContact(Command):
    ref: str
    number: int
    method: ContactMethod
    outcome: ContactOutcome
    by: str
    note: str = ""
    answers: tuple[tuple[str, str], ...] = ()
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class SetCustomerVerification(Command):
    """Confirmed (the customer confirms the fix), waived (with a reason) or back to pending."""

    ref: str
    number: int
    status: Verification
    by: str
    note: str = ""
    occurred_at: datetime | None = None

"""Affected customers of an incident: who they are, every contact with them, and whether
they confirmed the fix (documents 000, 001 and 003).

Contact details are personal data. Outside the customer list itself (timeline entries,
events, gate messages) a customer is named only by its number on the incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ReportChannel(StrEnum):
    """How a customer told us about the problem (None on a customer: they did not report)."""

    SUPPORT_TICKET = "support-ticket"
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    ACCOUNT_TEAM = "account-team"
    OTHER = "other"


class ContactMethod(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    IN_PERSON = "in-person"
    OTHER = "other"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not-reached"
    LEFT_MESSAGE = "left-message"
    SENT = "sent"


class Verification(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAIVED = "waived"


@dataclass(eq=False)
class CustomerContact:
    """One call, e-mail or message, with the questions asked and the answers given."""

    at: datetime
    by: str
    method: ContactMethod
    outcome: ContactOutcome
    recorded_at: datetime
    note: str = ""
    answers: list[dict[str, str]] = field(default_factory=list)


@dataclass(eq=False)
class AffectedCustomer:
    number: int
    name: str
    added_at: datetime
    added_by: str
    contact: str = ""
    tier: str | None = None
    reported_via: ReportChannel | None = None
    verification: Verification = Verification.PENDING
    verified_at: datetime | None = None
    verified_by: str | None = None
    verification_note: str = ""
    contacts: list[CustomerContact] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        return self.reported_via is not None

    @property
    def awaiting_confirmation(self) -> bool:
        """A customer who reported the problem and has neither confirmed nor been waived."""
        return self.reported and self.verification is Verification.PENDING

"""Events of the test plan, fixes, automated tests and the durability audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.events import Event


@dataclass(frozen=True)
class TestStepAdded(Event):
    __test__ = False

    ref: str
    number: int
    customer_data: bool
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class TestStepResultRecorded(Event):
    __test__ = False

    ref: str
    number: int
    environment: str
    status: str
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class TestSignerRequired(Event):
    __test__ = False

    ref: str
    person: str
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class TestPlanSignedOff(Event):
    """One person signed the plan."""

    __test__ = False

    ref: str
    person: str
    occurred_at: datetime


@dataclass(frozen=True)
class TestPlanSigned(Event):
    """The plan is executed and carries every sign-off it needs (raised once it does)."""

    __test__ = False

    ref: str
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class TestSignoffsWithdrawn(Event):
    """The plan changed after it was signed: the sign-offs no longer hold."""

    __test__ = False

    ref: str
    people: tuple[str, ...]
    occurred_at: datetime


@dataclass(frozen=True)
class AutomatedTestsRecorded(Event):
    ref: str
    number: int
    url: str
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class FixRecorded(Event):
    ref: str
    number: int
    tested: bool
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class UntestedFixDropped(Event):
    """A fix without automated tests dropped the severity; the incident awaits tests."""

    ref: str
    number: int
    from_severity: str
    to_severity: str
    commander: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class NonDurableFlagged(Event):
    ref: str
    number: int
    category: str
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class NonDurableWaived(Event):
    ref: str
    number: int
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class DurabilityAudited(Event):
    """The mitigation's audit: what was flagged non-durable and the follow-ups it opened."""

    ref: str
    items: tuple[int, ...]
    followups: tuple[int, ...]
    occurred_at: datetime

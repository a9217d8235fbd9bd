"""Events of the clocks: reminders, overdue marks, SMEs brought in, escalations, deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from warroom.domain.events import Event


@dataclass(frozen=True)
class UpdateReminded(Event):
    ref: str
    audience: str
    due_at: datetime
    person: str | None
    role: str | None
    overdue: bool
    at: datetime


@dataclass(frozen=True)
class UpdateOverdue(Event):
    ref: str
    audience: str
    due_at: datetime
    commander: str | None
    at: datetime


@dataclass(frozen=True)
class SmeBroughtIn(Event):
    ref: str
    person: str
    reason: str
    held_until: datetime | None
    at: datetime


@dataclass(frozen=True)
class SmeUnavailable(Event):
    ref: str
    services: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class SeverityEscalated(Event):
    ref: str
    from_severity: str
    to_severity: str
    after: str
    commander: str | None
    at: datetime


@dataclass(frozen=True)
class WorkerFatigued(Event):
    ref: str
    person: str
    since: datetime
    commander: str | None
    at: datetime


@dataclass(frozen=True)
class RetrospectiveDeadlineSet(Event):
    """The retrospective's deadline was set or moved (the meeting: RetrospectiveScheduled)."""

    ref: str
    due_at: datetime


@dataclass(frozen=True)
class RetrospectiveReminded(Event):
    ref: str
    due_at: datetime
    commander: str | None
    at: datetime


@dataclass(frozen=True)
class RetrospectiveBreached(Event):
    ref: str
    due_at: datetime
    commander: str | None
    at: datetime


@dataclass(frozen=True)
class RetrospectiveRecorded(Event):
    ref: str
    held_at: datetime
    by: str
    late: bool


@dataclass(frozen=True)
class FollowUpReminded(Event):
    ref: str
    number: int
    title: str
    due: date
    person: str | None
    at: datetime


@dataclass(frozen=True)
class ClockNoted(Event):
    """A clock did something worth a line on the timeline (a held page delivered…)."""

    ref: str
    text: str
    at: datetime

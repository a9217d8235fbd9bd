"""Domain events: facts recorded by aggregates, handled after the state change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Event:
    """Base class of every event."""


@dataclass(frozen=True)
class IncidentDeclared(Event):
    ref: str
    title: str
    severity: str
    services: tuple[str, ...]
    channel: str
    declared_by: str
    occurred_at: datetime
    drill: bool = False


@dataclass(frozen=True)
class IncidentEdited(Event):
    ref: str
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class StageChanged(Event):
    ref: str
    from_stage: str
    to_stage: str
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class SeverityChanged(Event):
    ref: str
    from_severity: str
    to_severity: str
    by: str
    occurred_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class RoleAssigned(Event):
    ref: str
    role: str
    person: str
    replaced: str | None
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class RoleReleased(Event):
    ref: str
    role: str
    person: str
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class TimelineEntryAdded(Event):
    ref: str
    kind: str
    text: str
    author: str
    occurred_at: datetime


@dataclass(frozen=True)
class UpdatePosted(Event):
    ref: str
    audience: str
    text: str
    author: str
    occurred_at: datetime


@dataclass(frozen=True)
class FollowUpAdded(Event):
    ref: str
    number: int
    title: str
    kind: str
    owner: str | None
    # When it really happened (the checklist ticks items at this time).
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class FollowUpClosed(Event):
    ref: str
    number: int
    status: str
    reason: str
    # When it really happened (the checklist ticks items at this time).
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ExperimentStarted(Event):
    ref: str
    number: int
    hypothesis: str
    owner: str | None
    # When it really happened (the checklist ticks items at this time).
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ExperimentConcluded(Event):
    ref: str
    number: int
    status: str
    # When it really happened (the checklist ticks items at this time).
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class WhyAdded(Event):
    ref: str
    position: int
    text: str
    # When it really happened (the checklist ticks items at this time).
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class PostmortemPublished(Event):
    ref: str
    by: str
    occurred_at: datetime
    # "internal" (the team's postmortem) or "customers" (the customer-facing version).
    audience: str = "internal"

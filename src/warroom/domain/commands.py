"""Commands: what someone asks warroom to do. `by` is who asks; `occurred_at` the true time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from warroom.domain.enums import (
    Audience,
    EntryKind,
    ExperimentStatus,
    FollowUpKind,
    FollowUpStatus,
    RoleName,
    Stage,
    Visibility,
)


@dataclass(frozen=True)
class Command:
    """Base class of every command."""


@dataclass(frozen=True)
class DeclareIncident(Command):
    title: str
    severity: str | None
    by: str
    functionality: str | None = None
    state: str | None = None
    audience: str | None = None
    summary: str = ""
    services: tuple[str, ...] = ()
    customers_affected: int = 0
    whole_service: bool = False
    visibility: Visibility | None = None
    drill: bool = False
    occurred_at: datetime | None = None
    detected_at: datetime | None = None
    force: bool = False
    # Admins see restricted incidents among the duplicate candidates; others only theirs.
    by_admin: bool = False
    # Set by the bus's pre-check, which compared the title with every incident up to this
    # number before the write began: the handler then compares only those declared since.
    duplicates_checked_through: int | None = None


@dataclass(frozen=True)
class EditIncident(Command):
    ref: str
    by: str
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeStage(Command):
    ref: str
    stage: Stage
    by: str
    note: str = ""
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ChangeSeverity(Command):
    ref: str
    severity: str
    by: str
    reason: str = ""
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class AssignRole(Command):
    ref: str
    role: RoleName
    person: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ReleaseRole(Command):
    ref: str
    role: RoleName
    person: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class Acknowledge(Command):
    ref: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class AddTimelineEntry(Command):
    ref: str
    kind: EntryKind
    text: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class PostUpdate(Command):
    ref: str
    audience: Audience
    text: str
    by: str
    occurred_at: datetime | None = None
    # A policy template (e.g. customer_update) rendered with the incident's fields and `text`.
    template: str | None = None


@dataclass(frozen=True)
class AddFollowUp(Command):
    ref: str
    title: str
    kind: FollowUpKind
    by: str
    owner: str | None = None
    due: date | None = None
    ticket_url: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class CloseFollowUp(Command):
    ref: str
    number: int
    status: FollowUpStatus
    by: str
    reason: str = ""
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class StartExperiment(Command):
    ref: str
    hypothesis: str
    action: str
    by: str
    owner: str | None = None
    time_box_minutes: int | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ConcludeExperiment(Command):
    ref: str
    number: int
    status: ExperimentStatus
    result: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class AddWhy(Command):
    ref: str
    text: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class WritePostmortem(Command):
    """Save the postmortem body; with no body, draft one from the record."""

    ref: str
    by: str
    body: str | None = None


@dataclass(frozen=True)
class PublishPostmortem(Command):
    ref: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class FireTimer(Command):
    """Run a claimed timer's handler; `due_at` tells this firing from a later reschedule."""

    timer_id: int
    worker: str
    due_at: datetime
    # The timer's incident, known from the claim: locked first, as commands lock it.
    incident_ref: str | None = None

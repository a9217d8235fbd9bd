"""Commands of the learning: the retrospective meeting, the customer postmortem."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.commands import Command


@dataclass(frozen=True)
class ScheduleRetrospective(Command):
    """Schedule (or move) the retrospective meeting and invite its participants.

    With no participants, everyone who held a role is invited. A meeting after the policy's
    deadline is refused unless `force` is given with a `reason`.
    """

    ref: str
    by: str
    starts_at: datetime
    duration_minutes: int = 60
    participants: tuple[str, ...] = ()
    location: str | None = None
    url: str | None = None
    force: bool = False
    reason: str = ""
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class WriteCustomerPostmortem(Command):
    """Save the customer-facing postmortem; with no body, draft it from the public record."""

    ref: str
    by: str
    body: str | None = None


@dataclass(frozen=True)
class PublishCustomerPostmortem(Command):
    """Publish the customer version on the status page and email every subscriber."""

    ref: str
    by: str
    occurred_at: datetime | None = None

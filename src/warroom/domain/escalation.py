"""Escalation policies and pages: who is paged, in what order, until someone acknowledges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from warroom.domain.errors import RuleViolation


class TargetKind(StrEnum):
    PERSON = "person"
    SCHEDULE = "schedule"
    TEAM = "team"


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class EscalationLevel:
    """Page every target of the level, then wait before the next level."""

    targets: tuple[Target, ...]
    wait: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class EscalationPolicy:
    """Levels paged in order; after the last, start again `repeats` more times."""

    name: str
    levels: tuple[EscalationLevel, ...]
    repeats: int = 0
    description: str = ""


class PageStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"  # every level and repeat paged, nobody acknowledged


@dataclass
class Page:
    """A request for a person to respond, escalating until it is acknowledged."""

    id: int
    summary: str
    policy: str | None
    created_at: datetime
    service: str | None = None
    alert_id: int | None = None
    incident_ref: str | None = None
    status: PageStatus = PageStatus.TRIGGERED
    level: int = 0
    round: int = 0
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    paged: list[dict[str, object]] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status is PageStatus.TRIGGERED

    def acknowledge(self, by: str, now: datetime) -> bool:
        """Stop escalating; False if it was already acknowledged or closed."""
        if self.status is PageStatus.ACKNOWLEDGED:
            return False
        if self.status is not PageStatus.TRIGGERED:
            raise RuleViolation(
                "pages.closed", f"page {self.id} is {self.status}; nothing to acknowledge"
            )
        self.status = PageStatus.ACKNOWLEDGED
        self.acknowledged_at, self.acknowledged_by = now, by
        return True

    def resolve(self, now: datetime) -> bool:
        if self.status in (PageStatus.RESOLVED, PageStatus.EXHAUSTED):
            return False
        self.status = PageStatus.RESOLVED
        self.resolved_at = now
        return True

    def advance(self, policy: EscalationPolicy) -> bool:
        """Move to the next level (or the next round); False when there is none left."""
        if self.level + 1 < len(policy.levels):
            self.level += 1
            return True
        if self.round < policy.repeats:
            self.round += 1
            self.level = 0
            return True
        self.status = PageStatus.EXHAUSTED
        return False

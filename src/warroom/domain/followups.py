"""Follow-up tickets: the work that makes a mitigation durable and prevents a repeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from warroom.domain.enums import FollowUpKind, FollowUpStatus


@dataclass(eq=False)
class FollowUp:
    number: int
    title: str
    kind: FollowUpKind
    created_at: datetime
    created_by: str
    owner: str | None = None
    due: date | None = None
    ticket_url: str | None = None
    status: FollowUpStatus = FollowUpStatus.OPEN
    reason: str = ""
    closed_at: datetime | None = None
    closed_by: str | None = None

    @property
    def settled(self) -> bool:
        """Done, or consciously not done with a stated reason."""
        return self.status is FollowUpStatus.DONE or (
            self.status is FollowUpStatus.NOT_DOING and bool(self.reason.strip())
        )

"""What an incident's record says about its checklist: marks on items, stage arrivals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.checklists import ChecklistStatus
from warroom.domain.enums import Stage


@dataclass(eq=False)
class ChecklistMark:
    """The state of one policy item on one incident; items without a mark are open."""

    item_id: str
    status: ChecklistStatus
    by: str
    at: datetime
    recorded_at: datetime
    reason: str = ""
    # The event class that completed the item, when it was ticked automatically.
    auto_event: str | None = None
    # When the owner was last reminded that the item is overdue (so a reminder is sent
    # once per deadline, however often the deadlines are re-synchronised).
    reminded_at: datetime | None = None


@dataclass(eq=False)
class StageArrival:
    """When the incident first reached a stage (since its last reopening): deadline anchors."""

    stage: Stage
    reached_at: datetime

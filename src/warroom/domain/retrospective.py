"""The retrospective meeting of an incident: when, where, who (one per incident, moved in place)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(eq=False)
class RetroMeeting:
    """The scheduled meeting; `sequence` counts re-schedules (the calendar's SEQUENCE)."""

    starts_at: datetime
    duration_minutes: int
    scheduled_at: datetime
    scheduled_by: str
    participants: list[str] = field(default_factory=list)
    location: str | None = None
    url: str | None = None
    sequence: int = 0
    forced_reason: str | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

"""People, teams and services: who owns what and how to reach them (the ownership database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(eq=False)
class Person:
    """Someone who can be given a role, reminded or paged."""

    handle: str
    name: str = ""
    email: str | None = None
    phone: str | None = None
    matrix_id: str | None = None
    slack_id: str | None = None
    timezone: str = "UTC"
    waking_start: time = time(8, 0)
    waking_end: time = time(22, 0)

    def local(self, at: datetime) -> datetime:
        return at.astimezone(ZoneInfo(self.timezone))

    def is_awake(self, at: datetime) -> bool:
        """Within this person's waking hours, in their own time zone."""
        now = self.local(at).time()
        if self.waking_start <= self.waking_end:
            return self.waking_start <= now < self.waking_end
        return now >= self.waking_start or now < self.waking_end  # waking hours over midnight

    def next_waking(self, at: datetime) -> datetime:
        """`at` if awake, else the start of their next waking hours (in `at`'s zone)."""
        if self.is_awake(at):
            return at
        zone = ZoneInfo(self.timezone)
        local = at.astimezone(zone)
        # Built from the wall-clock date, so a DST change overnight still lands on 08:00.
        for days in (0, 1):
            start = datetime.combine(local.date() + timedelta(days=days), self.waking_start, zone)
            if start > local:
                return start.astimezone(at.tzinfo)
        raise AssertionError("waking hours start within a day")


@dataclass(eq=False)
class Team:
    name: str
    members: list[str] = field(default_factory=list)
    chat_channel: str | None = None
    email: str | None = None


@dataclass(eq=False)
class Service:
    """A service in the catalog; `smes` are brought in, in order, by the SME cycle."""

    name: str
    team: str | None = None
    smes: list[str] = field(default_factory=list)
    escalation_policy: str | None = None
    # The on-call schedule of the service: paged for its alerts, asked first for SMEs.
    schedule: str | None = None
    status_component: str | None = None
    runbook_url: str | None = None
    description: str = ""

"""Clocks with a due time that people must beat: update cadences and the retrospective.

A `DueClock` is state on the incident (shown as a countdown, flagged when missed); the
timers that fire its reminders are derived from it by `update_step` and
`retrospective_steps`, so re-planning after any change gives the same timers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.domain.calendar import BusinessCalendar
from warroom.domain.durations import Span
from warroom.domain.enums import Audience

RETROSPECTIVE = "retrospective"
REMIND = "remind"
OVERDUE = "overdue"
BREACH = "breach"


def update_clock_name(audience: Audience | str) -> str:
    return f"update:{audience}"


@dataclass(eq=False)
class DueClock:
    """One due time of an incident: the next update to an audience, or the retrospective.

    `base_at` is when it started counting (the last update, the cadence's start, the
    mitigation); `promised_at` a sooner due time promised in the last update;
    `overdue_at` when it was marked overdue (an update) or breached (the retrospective);
    `done_at` when the retrospective was held.
    """

    name: str
    due_at: datetime
    base_at: datetime
    promised_at: datetime | None = None
    reminded_at: datetime | None = None
    overdue_at: datetime | None = None
    done_at: datetime | None = None

    @property
    def audience(self) -> Audience | None:
        prefix = update_clock_name("")
        return Audience(self.name[len(prefix) :]) if self.name.startswith(prefix) else None


def grace_of(grace: Span | None) -> timedelta:
    return grace.as_timedelta() if grace is not None else timedelta(0)


def cadence_due(base_at: datetime, every: Span, promised_at: datetime | None) -> datetime:
    """The next update is due a cadence after the last, or sooner if one was promised."""
    due = base_at + every.as_timedelta()
    return min(due, promised_at) if promised_at is not None else due


def update_step(clock: DueClock, every: Span, grace: Span | None) -> tuple[datetime, str]:
    """When the update clock's timer fires next, and for what.

    Remind at the due time; mark overdue a grace later; once overdue, remind again
    every cadence until an update is posted.
    """
    if clock.reminded_at is None:
        return clock.due_at, REMIND
    if clock.overdue_at is None:
        return clock.due_at + grace_of(grace), OVERDUE
    # Counted from the last firing, so the next one is always strictly later than it.
    return max(clock.reminded_at, clock.overdue_at) + every.as_timedelta(), REMIND


def retrospective_steps(clock: DueClock, calendar: BusinessCalendar) -> list[tuple[str, datetime]]:
    """(phase, when) for the retrospective: a reminder the morning it is due, the breach."""
    if clock.done_at is not None:
        return []
    steps: list[tuple[str, datetime]] = []
    if clock.reminded_at is None:
        when = calendar.reminder_before(clock.due_at, after=clock.base_at)
        if when is not None:
            steps.append((REMIND, when))
    if clock.overdue_at is None:
        steps.append((BREACH, clock.due_at))
    return steps

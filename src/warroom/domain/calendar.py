"""The organisation's business calendar: working days, holidays, the working day's hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warroom.domain.durations import Span

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Enough to step over any real run of weekends and holidays; a calendar with no working
# day in two years is a configuration error, not a deadline.
_SEARCH_DAYS = 731


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days in the organisation's time zone (weekdays are 0 = Monday … 6 = Sunday)."""

    timezone: str = "UTC"
    weekend: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[date] = field(default_factory=frozenset)
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def working_day_after(self, day: date, count: int) -> date:
        """The `count`-th working day strictly after `day`."""
        found, current = 0, day
        for _ in range(_SEARCH_DAYS):
            current += timedelta(days=1)
            if self.is_working_day(current):
                found += 1
                if found == count:
                    return current
        raise ValueError("the business calendar has no working days")

    def start_of(self, day: date) -> datetime:
        """The working day's start on `day`, in UTC (built from the wall clock: DST-safe)."""
        return datetime.combine(day, self.day_start, self.zone).astimezone(UTC)

    def end_of(self, day: date) -> datetime:
        return datetime.combine(day, self.day_end, self.zone).astimezone(UTC)

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def deadline(self, start: datetime, span: Span) -> datetime:
        """`span` after `start`: N working days end at the close of the N-th working day
        after the day of `start` (in the organisation's zone); other spans are wall-clock."""
        if span.is_working_days:
            return self.end_of(self.working_day_after(self.local_date(start), span.working_days))
        return start + span.as_timedelta()

    def reminder_before(self, deadline: datetime, *, after: datetime) -> datetime | None:
        """The start of the last working day that begins before `deadline` — the morning
        of the day it is due — or None when that moment is not later than `after`."""
        day = self.local_date(deadline)
        for _ in range(_SEARCH_DAYS):
            if self.is_working_day(day):
                start = self.start_of(day)
                if start < deadline:
                    return start if start > after else None
            day -= timedelta(days=1)
        return None

    def show(self, at: datetime) -> str:
        """'Tue 24 Nov 17:00 CET' in the organisation's zone."""
        return at.astimezone(self.zone).strftime("%a %d %b %H:%M %Z")

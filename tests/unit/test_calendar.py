"""The business calendar: working days, holidays and the working day, in a non-UTC zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from warroom.domain.calendar import BusinessCalendar
from warroom.domain.durations import Span

BERLIN = BusinessCalendar(
    timezone="Europe/Berlin",
    holidays=frozenset({date(2026, 12, 28)}),
    day_start=time(9, 0),
    day_end=time(17, 0),
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_one_working_day_after_a_friday_skips_the_weekend_and_a_holiday() -> None:
    # Friday 25 Dec 2026, 15:00 in Berlin; Sat and Sun are the weekend, Mon 28 a holiday.
    mitigated = utc(2026, 12, 25, 14, 0)
    due = BERLIN.deadline(mitigated, Span(working_days=1))
    assert due == utc(2026, 12, 29, 16, 0)  # Tue 29 Dec, 17:00 CET
    assert BERLIN.show(due) == "Tue 29 Dec 17:00 CET"


def test_the_day_is_the_local_one_not_utcs() -> None:
    # 23:30 UTC on Friday is already Saturday in Berlin: one working day is Monday.
    late_friday = utc(2026, 11, 27, 23, 30)
    assert BERLIN.deadline(late_friday, Span(working_days=1)) == utc(2026, 11, 30, 16, 0)


def test_working_day_end_follows_the_wall_clock_across_dst() -> None:
    # Mitigated Friday 23 Oct 2026 (CEST, UTC+2); the clocks go back on Sunday 25 Oct.
    due = BERLIN.deadline(utc(2026, 10, 23, 10, 0), Span(working_days=1))
    assert due == utc(2026, 10, 26, 16, 0)  # Monday 17:00 CET = 16:00 UTC, not 15:00


def test_wall_clock_spans_are_plain_additions() -> None:
    assert BERLIN.deadline(utc(2026, 11, 27, 10), Span(seconds=86400)) == utc(2026, 11, 28, 10)


def test_the_reminder_is_the_morning_of_the_deadline_day() -> None:
    due = utc(2026, 12, 29, 16, 0)
    assert BERLIN.reminder_before(due, after=utc(2026, 12, 25, 14)) == utc(2026, 12, 29, 8, 0)


def test_no_reminder_when_that_morning_has_already_passed() -> None:
    due = utc(2026, 12, 29, 16, 0)
    assert BERLIN.reminder_before(due, after=utc(2026, 12, 29, 10)) is None


def test_a_deadline_before_the_days_start_is_reminded_the_working_morning_before() -> None:
    cal = BusinessCalendar(timezone="UTC")
    # Monday 07:00: that day's start (09:00) is after it; the last start before is Friday's.
    assert cal.reminder_before(utc(2026, 11, 30, 7), after=utc(2026, 11, 20)) == utc(
        2026, 11, 27, 9
    )


def test_custom_weekends() -> None:
    cal = BusinessCalendar(timezone="Asia/Dubai", weekend=frozenset({5, 6}))
    friday_cal = BusinessCalendar(timezone="Asia/Riyadh", weekend=frozenset({4, 5}))
    thursday = date(2026, 11, 26)
    assert cal.working_day_after(thursday, 1) == date(2026, 11, 27)
    assert friday_cal.working_day_after(thursday, 1) == date(2026, 11, 29)

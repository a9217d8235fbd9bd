"""On-call schedules: layers of rotations, overrides on top, and who is on call when.

A layer's hand-off times come from its rotation rule (computed outside the domain with
dateutil's rrule, see `service_layer/rotations.py`); here, shifts are combined: a later
layer covers an earlier one where it has someone, overrides cover every layer, and what
nobody covers is a gap. All times here are aware UTC datetimes; lengths are taken in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo


class Frequency(StrEnum):
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Restriction:
    """A layer covers only these hours, on these weekdays, in the schedule's time zone."""

    start: time
    end: time
    days: tuple[str, ...] = WEEKDAYS


@dataclass(frozen=True)
class Layer:
    """One rotation: members take turns, handing off at `start`'s wall-clock time.

    `start` is a naive wall-clock time in the schedule's zone: the first hand-off. Every
    later hand-off keeps the same wall-clock time, so across a DST change the shift in
    UTC is an hour shorter or longer, as people expect.
    """

    name: str
    members: tuple[str, ...]
    start: datetime
    frequency: Frequency = Frequency.WEEKLY
    interval: int = 1
    restrictions: tuple[Restriction, ...] = ()
    until: datetime | None = None


@dataclass(frozen=True)
class Override:
    person: str
    starts_at: datetime
    ends_at: datetime
    id: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Schedule:
    name: str
    timezone: str = "UTC"
    layers: tuple[Layer, ...] = ()
    description: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Shift:
    person: str
    start: datetime
    end: datetime
    source: str = ""  # the layer's name, or "override"

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class Gap:
    start: datetime
    end: datetime


@dataclass
class Coverage:
    """The final schedule over a window: shifts in time order and the gaps between them."""

    shifts: list[Shift] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    def at(self, when: datetime) -> Shift | None:
        for shift in self.shifts:
            if shift.start <= when < shift.end:
                return shift
        return None


def local_windows(
    restriction: Restriction, zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The restriction's windows overlapping [start, end), in UTC.

    Built from wall-clock dates so that 09:00-17:00 stays 09:00-17:00 on both sides of a
    DST change; a window over midnight (22:00-06:00) runs into the next day.
    """
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    out: list[tuple[datetime, datetime]] = []
    day: date = first
    while day <= last:
        if WEEKDAYS[day.weekday()] in restriction.days:
            begin = datetime.combine(day, restriction.start, zone)
            end_day = day if restriction.end > restriction.start else day + timedelta(days=1)
            finish = datetime.combine(end_day, restriction.end, zone)
            a, b = begin.astimezone(start.tzinfo), finish.astimezone(start.tzinfo)
            if a < end and b > start:
                out.append((max(a, start), min(b, end)))
        day += timedelta(days=1)
    return out


def restrict(
    shifts: Sequence[Shift], restrictions: Sequence[Restriction], zone: ZoneInfo
) -> list[Shift]:
    """Cut shifts down to the restriction windows (no restrictions: unchanged)."""
    if not restrictions:
        return list(shifts)
    out: list[Shift] = []
    for shift in shifts:
        windows = sorted(
            w for r in restrictions for w in local_windows(r, zone, shift.start, shift.end)
        )
        for a, b in _merge(windows):
            out.append(Shift(shift.person, a, b, shift.source))
    return out


def _merge(windows: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(windows):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def combine(
    layers: Sequence[Sequence[Shift]],
    overrides: Sequence[Override],
    start: datetime,
    end: datetime,
) -> Coverage:
    """The final schedule over [start, end): the topmost layer with someone wins, then overrides."""
    stack: list[list[Shift]] = [list(shifts) for shifts in layers]
    stack.append([Shift(o.person, o.starts_at, o.ends_at, "override") for o in overrides])
    cuts = {start, end}
    for shifts in stack:
        for s in shifts:
            if s.start < end and s.end > start:
                cuts.update(t for t in (s.start, s.end) if start < t < end)
    points = sorted(cuts)
    coverage = Coverage()
    for a, b in pairwise(points):
        winner = None
        for shifts in reversed(stack):
            winner = next((s for s in shifts if s.start <= a and s.end >= b), None)
            if winner is not None:
                break
        if winner is None:
            if coverage.gaps and coverage.gaps[-1].end == a:
                coverage.gaps[-1] = Gap(coverage.gaps[-1].start, b)
            else:
                coverage.gaps.append(Gap(a, b))
            continue
        last = coverage.shifts[-1] if coverage.shifts else None
        if last and last.end == a and last.person == winner.person and last.source == winner.source:
            coverage.shifts[-1] = Shift(last.person, last.start, b, last.source)
        else:
            coverage.shifts.append(Shift(winner.person, a, b, winner.source))
    return coverage


def member_at(layer: Layer, index: int) -> str:
    """Who takes the `index`-th turn of the layer's rotation."""
    return layer.members[index % len(layer.members)]

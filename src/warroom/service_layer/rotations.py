"""A layer's shifts from its rotation rule, with dateutil's rrule in the schedule's zone.

The rule runs on naive wall-clock times in the schedule's time zone, so every hand-off
happens at the same local time; each is then placed in the zone and converted to UTC,
where shift lengths are taken (an aware subtraction in one zone would give wall-clock
lengths across a DST change). A hand-off in the hour skipped by a spring-forward change
keeps the offset from before the change (it happens an hour later on the wall clock).
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil import rrule

from warroom.domain.oncall import Frequency, Layer, Shift, member_at, restrict

_FREQ: dict[Frequency, Literal[0, 1, 2, 3, 4, 5, 6]] = {
    Frequency.HOURLY: rrule.HOURLY,
    Frequency.DAILY: rrule.DAILY,
    Frequency.WEEKLY: rrule.WEEKLY,
    Frequency.MONTHLY: rrule.MONTHLY,
}
MAX_TURNS = 200_000  # an hourly rotation over twenty years


def _utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC)


def handoffs(
    layer: Layer, zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[int, datetime]]:
    """(turn number, UTC time) of the hand-offs that bound shifts overlapping [start, end)."""
    rule = rrule.rrule(
        _FREQ[layer.frequency], interval=layer.interval, dtstart=layer.start, until=layer.until
    )
    out: list[tuple[int, datetime]] = []
    before: tuple[int, datetime] | None = None
    for turn, local in enumerate(rule):
        if turn >= MAX_TURNS:
            break
        at = _utc(local, zone)
        if at <= start:
            before = (turn, at)
            continue
        if before is not None:
            out.append(before)
            before = None
        out.append((turn, at))
        if at >= end:
            return out
    if before is not None:
        out.append(before)
    # The rotation stops: its last shift ends at `until` (or it never ends, within reach).
    if out:
        last_turn = out[-1][0]
        closing = _utc(layer.until, zone) if layer.until is not None else end
        if closing > out[-1][1]:
            out.append((last_turn + 1, closing))
    return out


def layer_shifts(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> list[Shift]:
    """The layer's shifts overlapping [start, end), cut to its restrictions."""
    if not layer.members:
        return []
    marks = handoffs(layer, zone, start, end)
    shifts = [
        Shift(member_at(layer, turn), a, b, layer.name)
        for (turn, a), (_, b) in pairwise(marks)
        if a < end and b > start
    ]
    return restrict(shifts, layer.restrictions, zone)

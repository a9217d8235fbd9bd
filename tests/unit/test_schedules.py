"""Rotations across DST changes in two time zones, layers, restrictions, overrides, gaps."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warroom.domain.oncall import Frequency, Layer, Override, Restriction, Schedule, combine
from warroom.service_layer.rotations import layer_shifts

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_daily_handoff_keeps_local_time_across_both_paris_changes() -> None:
    layer = Layer("daily", ("alice", "bob"), datetime(2026, 3, 1, 9, 0), Frequency.DAILY)
    spring = layer_shifts(layer, PARIS, utc(2026, 3, 27), utc(2026, 3, 31))
    by_start = {s.start: s for s in spring}
    # 28 March 09:00 CET = 08:00 UTC; 29 March 09:00 CEST = 07:00 UTC: a 23-hour day
    shift = by_start[utc(2026, 3, 28, 8)]
    assert shift.end == utc(2026, 3, 29, 7)
    assert shift.hours == 23
    assert all(s.start.astimezone(PARIS).time() == time(9) for s in spring)
    autumn = layer_shifts(layer, PARIS, utc(2026, 10, 23), utc(2026, 10, 27))
    shift = next(s for s in autumn if s.start == utc(2026, 10, 24, 7))
    assert shift.end == utc(2026, 10, 25, 8) and shift.hours == 25
    # turns alternate day by day from 1 March (alice): 28 March is day 27 → bob
    assert by_start[utc(2026, 3, 28, 8)].person == "bob"


def test_weekly_handoff_across_new_york_changes() -> None:
    layer = Layer("weekly", ("ann", "ben", "cat"), datetime(2026, 3, 2, 10, 0), Frequency.WEEKLY)
    march = layer_shifts(layer, NEW_YORK, utc(2026, 3, 3), utc(2026, 3, 10))
    first = next(s for s in march if s.start == utc(2026, 3, 2, 15))  # 10:00 EST
    assert first.person == "ann"
    assert first.end == utc(2026, 3, 9, 14)  # 10:00 EDT, after the change on 8 March
    assert first.hours == 167
    november = layer_shifts(layer, NEW_YORK, utc(2026, 10, 28), utc(2026, 11, 3))
    week = next(
        s for s in november if s.start.astimezone(NEW_YORK).date().isoformat() == "2026-10-26"
    )
    assert week.hours == 169 and week.end.astimezone(NEW_YORK).time() == time(10)


def test_handoff_in_the_skipped_hour_happens_an_hour_later_on_the_wall_clock() -> None:
    layer = Layer("night", ("x", "y"), datetime(2026, 3, 27, 2, 30), Frequency.DAILY)
    shifts = layer_shifts(layer, PARIS, utc(2026, 3, 28), utc(2026, 3, 30))
    starts = [s.start.astimezone(PARIS).strftime("%d %H:%M") for s in shifts]
    assert "29 03:30" in starts  # 02:30 does not exist on 29 March in Paris


def test_overrides_and_layers_and_gaps() -> None:
    schedule = Schedule(
        "support",
        "Europe/Paris",
        layers=(
            Layer(
                "business-hours",
                ("alice", "bob"),
                datetime(2026, 11, 2, 9, 0),
                Frequency.DAILY,
                restrictions=(Restriction(time(9), time(17), ("mon", "tue", "wed", "thu", "fri")),),
            ),
        ),
    )
    start, end = utc(2026, 11, 23), utc(2026, 11, 30)  # Monday to Monday
    layers = [layer_shifts(schedule.layers[0], schedule.zone, start, end)]
    cover = combine(layers, [], start, end)
    assert len(cover.shifts) == 5  # one per weekday, 09:00-17:00 Paris = 08:00-16:00 UTC
    assert all(s.hours == 8 for s in cover.shifts)
    assert cover.gaps[0].start == start and cover.gaps[0].end == utc(2026, 11, 23, 8)
    weekend = [g for g in cover.gaps if g.start == utc(2026, 11, 27, 16)]
    assert weekend and weekend[0].end == end
    # a holiday cover by carol on Tuesday afternoon splits Tuesday's shift
    override = Override("carol", utc(2026, 11, 24, 12), utc(2026, 11, 24, 20))
    cover = combine(layers, [override], start, end)
    tuesday = [s for s in cover.shifts if s.start.date() == utc(2026, 11, 24).date()]
    assert [(s.person, s.start.hour, s.end.hour, s.source) for s in tuesday] == [
        ("alice", 8, 12, "business-hours"),
        ("carol", 12, 20, "override"),
    ]
    assert cover.at(utc(2026, 11, 24, 19)).person == "carol"  # type: ignore[union-attr]
    assert cover.at(utc(2026, 11, 24, 21)) is None
    # a 24/7 bottom layer fills every gap; the restricted layer still wins by day
    always = Layer("follow-the-sun", ("dave",), datetime(2026, 11, 1, 0, 0), Frequency.WEEKLY)
    layers = [layer_shifts(always, schedule.zone, start, end), *layers]
    cover = combine(layers, [], start, end)
    assert cover.gaps == []
    assert cover.at(utc(2026, 11, 25, 10)).person == "bob"  # type: ignore[union-attr]
    assert cover.at(utc(2026, 11, 25, 22)).person == "dave"  # type: ignore[union-attr]


def test_rotation_until_ends_the_layer() -> None:
    layer = Layer("temp", ("a",), datetime(2026, 1, 1), Frequency.DAILY, until=datetime(2026, 1, 3))
    shifts = layer_shifts(layer, ZoneInfo("UTC"), utc(2026, 1, 1), utc(2026, 1, 10))
    assert shifts[-1].end <= utc(2026, 1, 3) + timedelta(days=1)
    cover = combine([shifts], [], utc(2026, 1, 1), utc(2026, 1, 10))
    assert cover.gaps and cover.gaps[-1].end == utc(2026, 1, 10)

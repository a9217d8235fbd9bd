"""People's waking hours in their own time zone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from warroom.domain.directory import Person

NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("local", "awake"),
    [((7, 59), False), ((8, 0), True), ((21, 59), True), ((22, 0), False), ((3, 0), False)],
)
def test_waking_hours_in_the_persons_zone(local: tuple[int, int], awake: bool) -> None:
    bob = Person(handle="bob", timezone="America/New_York")
    at = datetime(2026, 7, 1, *local, tzinfo=NY).astimezone(UTC)
    assert bob.is_awake(at) is awake


def test_next_waking_is_8am_local_even_across_a_dst_change() -> None:
    bob = Person(handle="bob", timezone="America/New_York")
    # 2026-11-01: clocks go back at 02:00 in New York. 23:30 the night before:
    night = datetime(2026, 10, 31, 23, 30, tzinfo=NY)
    wake = bob.next_waking(night.astimezone(UTC))
    assert wake.astimezone(NY) == datetime(2026, 11, 1, 8, 0, tzinfo=NY)
    assert wake.utcoffset() == UTC.utcoffset(None)
    # Early morning: later the same day.
    early = datetime(2026, 3, 8, 5, 0, tzinfo=NY)  # the spring-forward day
    assert bob.next_waking(early).astimezone(NY).hour == 8


def test_awake_people_are_paged_now() -> None:
    ada = Person(handle="ada", timezone="Europe/London")
    noon = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert ada.next_waking(noon) == noon


def test_waking_hours_over_midnight() -> None:
    owl = Person(handle="owl", timezone="UTC", waking_start=time(20, 0), waking_end=time(4, 0))
    assert owl.is_awake(datetime(2026, 1, 5, 23, 0, tzinfo=UTC))
    assert owl.is_awake(datetime(2026, 1, 5, 3, 0, tzinfo=UTC))
    assert not owl.is_awake(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    assert owl.next_waking(datetime(2026, 1, 5, 12, 0, tzinfo=UTC)).hour == 20

"""Quiet hours: pages held until the paged person's morning or given to someone awake."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from warroom.domain.directory import Person
from warroom.domain.enums import PagingMode, QuietHours
from warroom.domain.paging import decide_page


# Built per test: instances made at import time would predate the ORM mapping.
def berlin() -> Person:
    return Person(handle="bea", timezone="Europe/Berlin", waking_start=time(8), waking_end=time(22))


def new_york() -> Person:
    return Person(handle="nico", timezone="America/New_York", waking_start=time(8))


def sydney() -> Person:
    return Person(handle="syd", timezone="Australia/Sydney", waking_start=time(7))


# Saturday 24 Oct 2026 23:30 in Berlin (CEST); Berlin's clocks go back that night.
NIGHT_IN_BERLIN = datetime(2026, 10, 24, 21, 30, tzinfo=UTC)


def test_always_pages_now_even_at_night() -> None:
    d = decide_page(
        [berlin()], mode=PagingMode.ALWAYS, quiet_hours=QuietHours.HOLD, at=NIGHT_IN_BERLIN
    )
    assert (d.person, d.deliver_at, d.held) == ("bea", NIGHT_IN_BERLIN, False)


def test_awake_people_are_paged_now() -> None:
    d = decide_page(
        [new_york()], mode=PagingMode.WAKING_HOURS, quiet_hours=QuietHours.HOLD, at=NIGHT_IN_BERLIN
    )
    assert (d.person, d.deliver_at) == ("nico", NIGHT_IN_BERLIN)  # 17:30 in New York


def test_hold_waits_for_the_persons_own_morning_across_dst() -> None:
    d = decide_page(
        [berlin(), new_york()],
        mode=PagingMode.WAKING_HOURS,
        quiet_hours=QuietHours.HOLD,
        at=NIGHT_IN_BERLIN,
    )
    # 08:00 on Sunday in Berlin is CET (UTC+1) after the change: 07:00 UTC, not 06:00.
    assert d == type(d)("bea", datetime(2026, 10, 25, 7, 0, tzinfo=UTC), held=True)


def test_next_gives_the_page_to_the_first_person_awake() -> None:
    d = decide_page(
        [berlin(), sydney(), new_york()],
        mode=PagingMode.WAKING_HOURS,
        quiet_hours=QuietHours.NEXT,
        at=NIGHT_IN_BERLIN,
    )
    # Sydney: Sunday 08:30 AEDT (DST began there on 4 Oct) — awake.
    assert (d.person, d.deliver_at, d.passed_over) == ("syd", NIGHT_IN_BERLIN, ("bea",))


def test_next_with_nobody_awake_holds_for_whoever_wakes_first() -> None:
    # 04:30 UTC on Sunday 1 Nov 2026: the US clocks go back at 06:00 UTC that morning.
    at = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)  # 00:30 EDT in New York, 05:30 in Berlin
    d = decide_page(
        [new_york(), berlin()], mode=PagingMode.WAKING_HOURS, quiet_hours=QuietHours.NEXT, at=at
    )
    assert (d.person, d.held) == ("bea", True)
    assert d.deliver_at == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    later = decide_page(
        [new_york()], mode=PagingMode.WAKING_HOURS, quiet_hours=QuietHours.HOLD, at=at
    )
    assert later.deliver_at == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)  # 08:00 EST


def test_a_page_needs_someone() -> None:
    with pytest.raises(ValueError, match="at least one"):
        decide_page([], mode=PagingMode.ALWAYS, quiet_hours=QuietHours.HOLD, at=NIGHT_IN_BERLIN)

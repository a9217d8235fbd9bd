"""Whom a page reaches and when: the severity's paging mode against people's waking hours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from warroom.domain.directory import Person
from warroom.domain.enums import PagingMode, QuietHours


@dataclass(frozen=True)
class PageDecision:
    """Page `person` at `deliver_at`; `passed_over` were asleep and skipped."""

    person: str
    deliver_at: datetime
    held: bool = False
    passed_over: tuple[str, ...] = ()


def decide_page(
    people: Sequence[Person], *, mode: PagingMode, quiet_hours: QuietHours, at: datetime
) -> PageDecision:
    """Page the first of `people` now, unless the paging mode keeps it from waking them.

    With `waking-hours` paging and the first person asleep, the page is held until the
    start of their waking hours (`hold`), or goes to the first of the others who is
    awake (`next`); if nobody is awake it is held for whoever wakes first.
    """
    if not people:
        raise ValueError("a page needs at least one person")
    first = people[0]
    if mode is PagingMode.ALWAYS or first.is_awake(at):
        return PageDecision(first.handle, at)
    if quiet_hours is QuietHours.NEXT:
        asleep: list[str] = []
        for person in people:
            if person.is_awake(at):
                return PageDecision(person.handle, at, passed_over=tuple(asleep))
            asleep.append(person.handle)
        soonest = min(people, key=lambda p: p.next_waking(at))
        return PageDecision(soonest.handle, soonest.next_waking(at), held=True)
    return PageDecision(first.handle, first.next_waking(at), held=True)

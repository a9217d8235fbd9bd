"""Who is on call: a schedule's final coverage, the person at a time, the next SME.

`next_sme` is the lookup the SME identify-within cycle uses to bring in another expert
for a service: whoever is on call in the service's schedule, then the service's SMEs in
catalog order, then its team's members, skipping people already involved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom.domain.errors import NotFound
from warroom.domain.oncall import Coverage, Schedule, Shift, combine
from warroom.service_layer.rotations import layer_shifts
from warroom.service_layer.unit_of_work import UnitOfWork

# How far around a time to look so that the shift reported has its true bounds.
LOOKAROUND = timedelta(days=35)


def schedule_or_404(uow: UnitOfWork, name: str) -> Schedule:
    schedule = uow.oncall.schedule(name)
    if schedule is None:
        raise NotFound("schedule", name)
    return schedule


def coverage(uow: UnitOfWork, schedule: Schedule, start: datetime, end: datetime) -> Coverage:
    """The final schedule over [start, end): layers, then overrides, and the gaps."""
    zone = schedule.zone
    layers = [layer_shifts(layer, zone, start, end) for layer in schedule.layers]
    overrides = uow.oncall.overrides(schedule.name, start, end)
    return combine(layers, overrides, start, end)


def shift_at(uow: UnitOfWork, schedule: Schedule, at: datetime) -> Shift | None:
    """The shift covering `at`, with its real start and end (within five weeks)."""
    return coverage(uow, schedule, at - LOOKAROUND, at + LOOKAROUND).at(at)


def on_call(uow: UnitOfWork, schedule_name: str, at: datetime) -> str | None:
    """The person on call in the named schedule at `at`; None in a gap or if unknown."""
    schedule = uow.oncall.schedule(schedule_name)
    if schedule is None:
        return None
    shift = coverage(uow, schedule, at, at + timedelta(seconds=1)).at(at)
    return shift.person if shift else None


def next_sme(
    uow: UnitOfWork, service_name: str, *, at: datetime, exclude: frozenset[str] = frozenset()
) -> str | None:
    """The next subject-matter expert to bring in for a service, or None if all are in.

    Order: the on-call person of the service's schedule, the service's SMEs in catalog
    order, then its owning team's members; anyone in `exclude` (already working on the
    incident, or already asked) is skipped.
    """
    service = uow.directory.service(service_name)
    if service is None:
        return None
    candidates: list[str] = []
    if service.schedule:
        person = on_call(uow, service.schedule, at)
        if person:
            candidates.append(person)
    candidates.extend(service.smes)
    if service.team:
        team = uow.directory.team(service.team)
        if team is not None:
            candidates.extend(team.members)
    return next((p for p in candidates if p not in exclude), None)

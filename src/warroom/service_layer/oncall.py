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


def sme_candidates(uow: UnitOfWork, service_name: str, *, at: datetime) -> list[tuple[str, str]]:
    """(person, why) to bring in for a service, in order: whoever is on call for it, its
    SMEs in catalog order, then its owning team's members; each person once."""
    service = uow.directory.service(service_name)
    if service is None:
        return []
    found: list[tuple[str, str]] = []
    if service.schedule:
        person = on_call(uow, service.schedule, at)
        if person:
            found.append((person, f"on call for {service_name}"))
    found.extend((p, f"SME for {service_name}") for p in service.smes)
    team = uow.directory.team(service.team) if service.team else None
    if team is not None:
        found.extend((p, f"{team.name} team, owning {service_name}") for p in team.members)
    unique: dict[str, str] = {}
    for person, why in found:
        unique.setdefault(person, why)
    return list(unique.items())


def next_sme(
    uow: UnitOfWork, service_name: str, *, at: datetime, exclude: frozenset[str] = frozenset()
) -> str | None:
    """The next subject-matter expert to bring in for a service, or None if all are in."""
    candidates = sme_candidates(uow, service_name, at=at)
    return next((p for p, _ in candidates if p not in exclude), None)

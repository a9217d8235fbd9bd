"""From the incident's clock state to durable timers: keys, kinds and due times.

Every clock of an incident is one timer keyed `INC-n:<clock>`; scheduling a key again
moves it, so re-planning after any change never duplicates. The update cadences and the
retrospective are derived from state on the incident (re-planning gives the same
timers); the SME cycle, escalation, fatigue and follow-ups are armed by the events that
start them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from warroom.domain.due_clocks import (
    BREACH,
    REMIND,
    RETROSPECTIVE,
    retrospective_steps,
    update_clock_name,
    update_step,
)
from warroom.domain.enums import Audience, RoleName
from warroom.domain.incident import Incident
from warroom.service_layer.messagebus import Context
from warroom.service_layer.unit_of_work import UnitOfWork

UPDATE = "clock.update"
SME = "clock.sme"
ESCALATE = "clock.escalate"
FATIGUE = "clock.fatigue"
RETRO = "clock.retrospective"
FOLLOWUP = "clock.followup"


def person_part(person: str) -> str:
    """A person's handle as a key part; long or odd handles are hashed to stay in bounds."""
    if len(person) <= 80 and ":" not in person:
        return person
    return "h-" + hashlib.sha256(person.encode()).hexdigest()[:16]


def clock_key(ref: str, *parts: str) -> str:
    return ":".join((ref, *parts))


def plan_updates(
    uow: UnitOfWork, incident: Incident, ctx: Context, *, only: Audience | None = None
) -> None:
    """One timer per running cadence: remind, then overdue, then remind again."""
    level = incident.level(ctx.policy)
    now = ctx.clock.now()
    for audience in [only] if only is not None else list(Audience):
        key = clock_key(incident.ref, "update", str(audience))
        clock = incident.due_clock(update_clock_name(audience))
        every = level.cadence.get(audience) if level else None
        if clock is None or level is None or every is None:
            uow.timers.cancel(key)
            continue
        due, phase = update_step(clock, every, level.cadence_grace)
        uow.timers.schedule(
            key,
            kind=UPDATE,
            due_at=due,
            now=now,
            payload={"audience": str(audience), "phase": phase},
            incident_ref=incident.ref,
        )


def plan_retrospective(uow: UnitOfWork, incident: Incident, ctx: Context) -> None:
    """The reminder the morning it is due, and the breach at the deadline, until held."""
    clock = incident.due_clock(RETROSPECTIVE)
    steps = dict(retrospective_steps(clock, ctx.policy.calendar)) if clock else {}
    for phase in (REMIND, BREACH):
        key = clock_key(incident.ref, "retrospective", phase)
        when = steps.get(phase)
        if when is None:
            uow.timers.cancel(key)
            continue
        uow.timers.schedule(
            key,
            kind=RETRO,
            due_at=when,
            now=ctx.clock.now(),
            payload={"phase": phase},
            incident_ref=incident.ref,
        )


def sme_key(ref: str) -> str:
    return clock_key(ref, "sme")


def arm_sme(
    uow: UnitOfWork, incident: Incident, ctx: Context, *, due: datetime, exhausted: bool = False
) -> None:
    """`exhausted`: the last round found nobody (the next says so only if that changed)."""
    uow.timers.schedule(
        sme_key(incident.ref),
        kind=SME,
        due_at=due,
        now=ctx.clock.now(),
        payload={"exhausted": exhausted},
        incident_ref=incident.ref,
    )


def escalation_key(ref: str) -> str:
    return clock_key(ref, "escalate")


def arm_escalation(uow: UnitOfWork, incident: Incident, ctx: Context, *, start: datetime) -> None:
    """Escalate if still not mitigated `escalate_after` from `start` (at this severity)."""
    level = incident.level(ctx.policy)
    if level is None or level.escalate_after is None or level.escalate_to is None:
        uow.timers.cancel(escalation_key(incident.ref))
        return
    uow.timers.schedule(
        escalation_key(incident.ref),
        kind=ESCALATE,
        due_at=start + level.escalate_after.as_timedelta(),
        now=ctx.clock.now(),
        payload={"from": incident.severity},
        incident_ref=incident.ref,
    )


def fatigue_key(ref: str, person: str) -> str:
    return clock_key(ref, "fatigue", person_part(person))


def arm_fatigue(
    uow: UnitOfWork, incident: Incident, ctx: Context, *, person: str, since: datetime
) -> None:
    level = incident.level(ctx.policy)
    key = fatigue_key(incident.ref, person)
    if level is None or level.worker_fatigue_after is None:
        uow.timers.cancel(key)
        return
    uow.timers.schedule(
        key,
        kind=FATIGUE,
        due_at=since + level.worker_fatigue_after.as_timedelta(),
        now=ctx.clock.now(),
        payload={"person": person, "since": since.isoformat()},
        incident_ref=incident.ref,
    )


def replan_fatigue(uow: UnitOfWork, incident: Incident, ctx: Context) -> None:
    """After a severity change: pending prompts move to the new limit; a worker already
    past a limit that was not running before is not prompted retroactively."""
    level = incident.level(ctx.policy)
    now = ctx.clock.now()
    for a in incident.roles:
        if a.role is not RoleName.WORKER or not a.active:
            continue
        key = fatigue_key(incident.ref, a.person)
        pending = uow.timers.due_at(key) is not None
        limit = level.worker_fatigue_after if level else None
        if limit is None:
            uow.timers.cancel(key)
        elif pending or a.assigned_at + limit.as_timedelta() > now:
            arm_fatigue(uow, incident, ctx, person=a.person, since=a.assigned_at)


def followup_key(ref: str, number: int) -> str:
    return clock_key(ref, "followup", str(number))


def arm_followup(uow: UnitOfWork, incident: Incident, ctx: Context, *, number: int) -> None:
    """Remind the owner on the due date, at the start of their own waking hours."""
    followup = incident.followup(number)
    key = followup_key(incident.ref, number)
    if followup.due is None:
        uow.timers.cancel(key)
        return
    person = followup.owner or incident.first_holder(RoleName.COMMANDER)
    if person is not None:
        record = uow.directory.person_or_default(person)
        when = datetime.combine(followup.due, record.waking_start, ZoneInfo(record.timezone))
    else:
        when = ctx.policy.calendar.start_of(followup.due)
    uow.timers.schedule(
        key,
        kind=FOLLOWUP,
        due_at=when,
        now=ctx.clock.now(),
        payload={"number": number, "due": followup.due.isoformat()},
        incident_ref=incident.ref,
    )


def cancel_all_for(uow: UnitOfWork, ref: str, *names: str) -> None:
    for name in names:
        uow.timers.cancel_prefix(clock_key(ref, name) + ":", incident_ref=ref)

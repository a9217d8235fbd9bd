"""What each clock does when its timer fires (in the timer's unit of work).

Every handler re-checks the incident first: a clock whose reason has gone (the cadence
stopped, the cause was identified, the incident was mitigated) does nothing.
"""

from __future__ import annotations

from datetime import datetime

from warroom.domain.background import DueTimer
from warroom.domain.due_clocks import REMIND
from warroom.domain.enums import Audience, FollowUpStatus, RoleName, Stage
from warroom.domain.incident_deadlines import SYSTEM
from warroom.service_layer import clock_plans as plans
from warroom.service_layer.handlers.clocks import incident_of
from warroom.service_layer.handlers.timers import TimerHandler
from warroom.service_layer.messagebus import Context
from warroom.service_layer.notify import notify_person
from warroom.service_layer.quiet_hours import (
    HELD_PAGE,
    choose_recipient,
    deliver_decision,
    describe,
)
from warroom.service_layer.sme import SmeSource, service_smes
from warroom.service_layer.unit_of_work import UnitOfWork


def _ref(timer: DueTimer) -> str:
    if timer.incident_ref is None:
        raise ValueError(f"timer {timer.key} belongs to no incident")
    return timer.incident_ref


def fire_update(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = incident_of(uow, _ref(timer))
    audience = Audience(timer.payload["audience"])
    now = ctx.clock.now()
    if timer.payload["phase"] == REMIND:
        incident.remind_update(audience, policy=ctx.policy, now=now)
    else:
        incident.mark_update_overdue(audience, policy=ctx.policy, now=now)
    plans.plan_updates(uow, incident, ctx, only=audience)


def make_sme_cycle(source: SmeSource) -> TimerHandler:
    """The SME cycle's handler, finding candidates through `source`."""

    def fire_sme(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
        incident = incident_of(uow, _ref(timer))
        level = incident.level(ctx.policy)
        if incident.stage is not Stage.INVESTIGATING or level is None:
            return
        within = level.identify_within
        if within is None:
            return
        now = ctx.clock.now()
        skipped: list[str] = []
        eligible = []
        for candidate in source(uow, incident, now):
            # Someone who is or was a worker here is working it already, or was relieved.
            if incident.ever_held(RoleName.WORKER, candidate.person):
                continue
            rule = incident.role_refusal(RoleName.WORKER, candidate.person, ctx.policy)
            if rule is not None:
                skipped.append(f"{candidate.person} (role rule {rule})")
                continue
            eligible.append(candidate)
        if not eligible:
            # Said once; the cycle keeps looking quietly (the catalog or on-call may change).
            if not timer.payload.get("exhausted"):
                incident.no_sme_available(
                    within=within, skipped=skipped, policy=ctx.policy, now=now
                )
            plans.arm_sme(uow, incident, ctx, due=now + within.as_timedelta(), exhausted=True)
            return
        decision = choose_recipient(
            uow, ctx, [c.person for c in eligible], severity=incident.severity
        )
        chosen = next(c for c in eligible if c.person == decision.person)
        incident.bring_in_sme(
            chosen.person,
            reason=chosen.reason,
            within=within,
            page_note=describe(uow, decision),
            skipped=skipped,
            policy=ctx.policy,
            now=now,
        )
        deliver_decision(
            uow,
            ctx,
            decision,
            key=f"{incident.ref}:sme:{plans.person_part(chosen.person)}:{now.isoformat()}",
            subject=f"{incident.ref}: you are needed as {chosen.reason}",
            body=(
                f"{incident.ref} ({incident.severity}) {incident.summary_line} has not been "
                f"identified within {within}. You are brought in as a worker "
                f"({chosen.reason}). Join #{incident.channel}."
            ),
            incident_ref=incident.ref,
        )
        plans.arm_sme(uow, incident, ctx, due=now + within.as_timedelta())

    return fire_sme


def fire_escalation(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = incident_of(uow, _ref(timer))
    level = incident.level(ctx.policy)
    if (
        not incident.is_open
        or incident.mitigated_at is not None
        or level is None
        or incident.severity != timer.payload.get("from")
        or level.escalate_to is None
        or level.escalate_after is None
    ):
        return
    previous, now = incident.severity, ctx.clock.now()
    incident.change_severity(
        level.escalate_to,
        policy=ctx.policy,
        by=SYSTEM,
        now=now,
        reason=f"not mitigated within {level.escalate_after} (the policy's escalate_after)",
    )
    incident.note_escalation(
        from_severity=previous, to_severity=level.escalate_to, after=level.escalate_after, now=now
    )


def fire_fatigue(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = incident_of(uow, _ref(timer))
    level = incident.level(ctx.policy)
    person = timer.payload["person"]
    since = datetime.fromisoformat(timer.payload["since"])
    engaged = any(
        a.role is RoleName.WORKER and a.person == person and a.active and a.assigned_at == since
        for a in incident.roles
    )
    if not incident.is_open or not engaged or level is None or not level.worker_fatigue_after:
        return
    incident.prompt_fatigue(
        person,
        since=since,
        limit=level.worker_fatigue_after,
        policy=ctx.policy,
        now=ctx.clock.now(),
    )


def fire_retrospective(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = incident_of(uow, _ref(timer))
    now = ctx.clock.now()
    if timer.payload["phase"] == REMIND:
        incident.remind_retrospective(policy=ctx.policy, now=now)
    else:
        incident.breach_retrospective(policy=ctx.policy, now=now)
    plans.plan_retrospective(uow, incident, ctx)


def fire_followup(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = incident_of(uow, _ref(timer))
    followup = incident.followup(int(timer.payload["number"]))
    due = followup.due.isoformat() if followup.due else None
    if followup.status is FollowUpStatus.OPEN and due == timer.payload.get("due"):
        incident.remind_followup(followup.number, now=ctx.clock.now())


def fire_held_page(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    """Deliver a page held for quiet hours, unless its incident no longer needs it."""
    p = timer.payload
    now = ctx.clock.now()
    if timer.incident_ref is not None:
        incident = incident_of(uow, timer.incident_ref)
        if incident.mitigated_at is not None or not incident.is_open:
            incident.clock_note(
                f"Held page to {p['person']} dropped: {incident.ref} is {incident.stage} by now",
                now=now,
            )
            return
        incident.clock_note(
            f"Held page delivered to {p['person']} at the start of their waking hours",
            now=now,
            data={"page": p["person"]},
        )
    notify_person(
        uow,
        ctx,
        p["person"],
        key=p["key"],
        subject=p["subject"],
        body=p["body"],
        incident_ref=timer.incident_ref,
        urgent=True,
        payload=p.get("extra") or None,
    )


TIMER_HANDLERS: dict[str, TimerHandler] = {
    plans.UPDATE: fire_update,
    plans.SME: make_sme_cycle(service_smes),
    plans.ESCALATE: fire_escalation,
    plans.FATIGUE: fire_fatigue,
    plans.RETRO: fire_retrospective,
    plans.FOLLOWUP: fire_followup,
    HELD_PAGE: fire_held_page,
}

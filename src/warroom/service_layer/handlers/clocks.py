"""Starting, moving and stopping the clocks as the incident changes (inside its transaction)."""

from __future__ import annotations

from typing import Any

from warroom.domain import clock_commands, clock_events, events
from warroom.domain.commands import Command
from warroom.domain.enums import Audience, RoleName, Stage
from warroom.domain.incident import Incident
from warroom.service_layer import clock_plans as plans
from warroom.service_layer.messagebus import CommandHandler, Context, EventHandler
from warroom.service_layer.unit_of_work import UnitOfWork


def incident_of(uow: UnitOfWork, ref: str) -> Incident:
    """The incident this unit of work already holds (locked), or load it."""
    for incident in uow.incidents.seen:
        if incident.ref == ref:
            return incident
    return uow.incidents.get(ref)


def on_declared(event: events.IncidentDeclared, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = incident_of(uow, event.ref)
    incident.sync_cadences(ctx.policy, at=event.occurred_at)
    plans.plan_updates(uow, incident, ctx)
    level = incident.level(ctx.policy)
    if level is not None and level.identify_within is not None:
        plans.arm_sme(
            uow, incident, ctx, due=event.occurred_at + level.identify_within.as_timedelta()
        )
    plans.arm_escalation(uow, incident, ctx, start=event.occurred_at)


def on_stage_changed(event: events.StageChanged, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = incident_of(uow, event.ref)
    at, now = event.occurred_at, ctx.clock.now()
    incident.sync_cadences(ctx.policy, at=at)
    plans.plan_updates(uow, incident, ctx)
    level = incident.level(ctx.policy)
    # The SME cycle runs while investigating, and starts again on a return to it.
    if incident.stage is Stage.INVESTIGATING and level and level.identify_within:
        plans.arm_sme(uow, incident, ctx, due=at + level.identify_within.as_timedelta())
    elif incident.stage is not Stage.INVESTIGATING:
        uow.timers.cancel(plans.sme_key(incident.ref))
    # Escalation stops at mitigation; a relapse gives the severity its full period again.
    escalation = plans.escalation_key(incident.ref)
    if incident.mitigated_at is not None or not incident.is_open:
        uow.timers.cancel(escalation)
    elif uow.timers.due_at(escalation) is None:
        plans.arm_escalation(uow, incident, ctx, start=at)
    incident.plan_retrospective(ctx.policy, now=now)
    plans.plan_retrospective(uow, incident, ctx)
    if not incident.is_open:
        uow.timers.cancel_prefix(
            plans.clock_key(incident.ref, "fatigue") + ":", incident_ref=incident.ref
        )


def on_severity_changed(event: events.SeverityChanged, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = incident_of(uow, event.ref)
    at, now = event.occurred_at, ctx.clock.now()
    incident.sync_cadences(ctx.policy, at=at)
    plans.plan_updates(uow, incident, ctx)
    level = incident.level(ctx.policy)
    sme = plans.sme_key(incident.ref)
    if incident.stage is Stage.INVESTIGATING and level and level.identify_within:
        if uow.timers.due_at(sme) is None:
            plans.arm_sme(uow, incident, ctx, due=at + level.identify_within.as_timedelta())
    else:
        uow.timers.cancel(sme)
    if incident.mitigated_at is None and incident.is_open:
        plans.arm_escalation(uow, incident, ctx, start=at)
    plans.replan_fatigue(uow, incident, ctx)
    incident.plan_retrospective(ctx.policy, now=now)
    plans.plan_retrospective(uow, incident, ctx)


def on_update_posted(event: events.UpdatePosted, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = incident_of(uow, event.ref)
    audience = Audience(event.audience)
    incident.reset_cadence(
        audience, text=event.text, at=event.occurred_at, policy=ctx.policy, now=ctx.clock.now()
    )
    plans.plan_updates(uow, incident, ctx, only=audience)


def on_role_assigned(event: events.RoleAssigned, *, uow: UnitOfWork, ctx: Context) -> None:
    if event.role == RoleName.WORKER:
        incident = incident_of(uow, event.ref)
        plans.arm_fatigue(uow, incident, ctx, person=event.person, since=event.occurred_at)


def on_role_released(event: events.RoleReleased, *, uow: UnitOfWork, ctx: Context) -> None:
    if event.role == RoleName.WORKER:
        uow.timers.cancel(plans.fatigue_key(event.ref, event.person))


def on_followup_added(event: events.FollowUpAdded, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = incident_of(uow, event.ref)
    plans.arm_followup(uow, incident, ctx, number=event.number)


def on_followup_closed(event: events.FollowUpClosed, *, uow: UnitOfWork, ctx: Context) -> None:
    uow.timers.cancel(plans.followup_key(event.ref, event.number))


def on_retrospective_recorded(
    event: clock_events.RetrospectiveRecorded, *, uow: UnitOfWork, ctx: Context
) -> None:
    plans.plan_retrospective(uow, incident_of(uow, event.ref), ctx)


def record_retrospective(
    cmd: clock_commands.RecordRetrospective, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.record_retrospective(
        policy=ctx.policy, by=cmd.by, now=ctx.clock.now(), occurred_at=cmd.occurred_at
    )
    return {"ref": incident.ref}


def release_everyone(
    cmd: clock_commands.ReleaseEveryone, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    released = incident.release_everyone(
        keep=cmd.keep,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
    )
    return {
        "ref": incident.ref,
        "released": [{"role": role, "person": person} for role, person in released],
    }


COMMAND_HANDLERS: dict[type[Command], CommandHandler] = {
    clock_commands.RecordRetrospective: record_retrospective,
    clock_commands.ReleaseEveryone: release_everyone,
}

EVENT_HANDLERS: dict[type[events.Event], list[EventHandler]] = {
    events.IncidentDeclared: [on_declared],
    events.StageChanged: [on_stage_changed],
    events.SeverityChanged: [on_severity_changed],
    events.UpdatePosted: [on_update_posted],
    events.RoleAssigned: [on_role_assigned],
    events.RoleReleased: [on_role_released],
    events.FollowUpAdded: [on_followup_added],
    events.FollowUpClosed: [on_followup_closed],
    clock_events.RetrospectiveRecorded: [on_retrospective_recorded],
}

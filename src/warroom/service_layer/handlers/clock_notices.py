"""Reminders reach people: each clock event becomes outbox messages in its transaction."""

from __future__ import annotations

from warroom.domain import clock_events as ev
from warroom.domain.events import Event
from warroom.service_layer.handlers.clocks import incident_of
from warroom.service_layer.messagebus import Context, EventHandler
from warroom.service_layer.notify import notify_person
from warroom.service_layer.quiet_hours import page_person
from warroom.service_layer.unit_of_work import UnitOfWork


def _about(uow: UnitOfWork, ref: str) -> str:
    incident = incident_of(uow, ref)
    return f"{ref} ({incident.severity}, {incident.stage}) {incident.summary_line}"


def update_reminded(event: ev.UpdateReminded, *, uow: UnitOfWork, ctx: Context) -> None:
    if event.person is None:
        return
    state = "overdue" if event.overdue else "due"
    when = ctx.policy.calendar.show(event.due_at)
    notify_person(
        uow,
        ctx,
        event.person,
        key=f"{event.ref}:update:{event.audience}:remind:{event.at.isoformat()}",
        subject=f"{event.ref}: {event.audience} update {state}",
        body=(
            f"{_about(uow, event.ref)}: the {event.audience} update was due {when}. "
            f"Post it with: warroom update {event.ref} TEXT --audience {event.audience}"
        ),
        incident_ref=event.ref,
    )


def update_overdue(event: ev.UpdateOverdue, *, uow: UnitOfWork, ctx: Context) -> None:
    if event.commander is None:
        return
    notify_person(
        uow,
        ctx,
        event.commander,
        key=f"{event.ref}:update:{event.audience}:overdue:{event.at.isoformat()}",
        subject=f"{event.ref}: {event.audience} update overdue",
        body=(
            f"{_about(uow, event.ref)}: the {event.audience} update was due "
            f"{ctx.policy.calendar.show(event.due_at)} and has not been posted."
        ),
        incident_ref=event.ref,
    )


def severity_escalated(event: ev.SeverityEscalated, *, uow: UnitOfWork, ctx: Context) -> None:
    if event.commander is None:
        return
    page_person(
        uow,
        ctx,
        event.commander,
        key=f"{event.ref}:escalated:{event.to_severity}:{event.at.isoformat()}",
        subject=f"{event.ref} escalated to {event.to_severity}",
        body=(
            f"{_about(uow, event.ref)}: not mitigated within {event.after} at "
            f"{event.from_severity}, so it is now {event.to_severity}."
        ),
        severity=event.to_severity,
        incident_ref=event.ref,
    )


def worker_fatigued(event: ev.WorkerFatigued, *, uow: UnitOfWork, ctx: Context) -> None:
    if event.commander is None:
        return
    notify_person(
        uow,
        ctx,
        event.commander,
        key=f"{event.ref}:fatigue:{event.person}:{event.since.isoformat()}",
        subject=f"{event.ref}: {event.person} needs relief",
        body=(
            f"{_about(uow, event.ref)}: {event.person} has been working it since "
            f"{ctx.policy.calendar.show(event.since)}. Hand off their work or release them."
        ),
        incident_ref=event.ref,
    )


def retrospective_reminded(
    event: ev.RetrospectiveReminded, *, uow: UnitOfWork, ctx: Context
) -> None:
    if event.commander is None:
        return
    notify_person(
        uow,
        ctx,
        event.commander,
        key=f"{event.ref}:retrospective:remind:{event.due_at.isoformat()}",
        subject=f"{event.ref}: retrospective due {ctx.policy.calendar.show(event.due_at)}",
        body=f"{_about(uow, event.ref)}: hold the retrospective by "
        f"{ctx.policy.calendar.show(event.due_at)}.",
        incident_ref=event.ref,
    )


def retrospective_breached(
    event: ev.RetrospectiveBreached, *, uow: UnitOfWork, ctx: Context
) -> None:
    if event.commander is None:
        return
    notify_person(
        uow,
        ctx,
        event.commander,
        key=f"{event.ref}:retrospective:breach:{event.due_at.isoformat()}",
        subject=f"{event.ref}: retrospective deadline missed",
        body=f"{_about(uow, event.ref)}: the retrospective was due by "
        f"{ctx.policy.calendar.show(event.due_at)} and has not been recorded as held.",
        incident_ref=event.ref,
    )


def followup_reminded(event: ev.FollowUpReminded, *, uow: UnitOfWork, ctx: Context) -> None:
    if event.person is None:
        return
    notify_person(
        uow,
        ctx,
        event.person,
        key=f"{event.ref}:followup:{event.number}:{event.due.isoformat()}",
        subject=f"{event.ref}: follow-up #{event.number} due today",
        body=f"{_about(uow, event.ref)}: follow-up #{event.number} '{event.title}' is due "
        f"{event.due.isoformat()}.",
        incident_ref=event.ref,
    )


EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = {
    ev.UpdateReminded: [update_reminded],
    ev.UpdateOverdue: [update_overdue],
    ev.SeverityEscalated: [severity_escalated],
    ev.WorkerFatigued: [worker_fatigued],
    ev.RetrospectiveReminded: [retrospective_reminded],
    ev.RetrospectiveBreached: [retrospective_breached],
    ev.FollowUpReminded: [followup_reminded],
}

"""Checklists: ticks by hand, ticks by events, deadlines as durable timers, reminders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.domain import checklist_commands as cc
from warroom.domain import checklist_events as ce
from warroom.domain import commands, events
from warroom.domain.background import DueTimer
from warroom.domain.checklists import ChecklistItem
from warroom.domain.enums import PagingMode, RoleName, Stage
from warroom.domain.errors import InvalidInput, NotFound
from warroom.domain.event_catalog import event_types
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy
from warroom.service_layer.messagebus import CommandHandler, Context, EventHandler
from warroom.service_layer.notify import notify_person
from warroom.service_layer.unit_of_work import UnitOfWork

TIMER_KIND = "checklist.overdue"


def timer_key(ref: str, item_id: str) -> str:
    return f"{ref}:checklist:{item_id}"


def _incident(uow: UnitOfWork, ref: str) -> Incident:
    """The incident this unit of work already holds (a fresh declaration), else load it."""
    for incident in uow.incidents.seen:
        if incident.ref == ref:
            return incident
    return uow.incidents.get(ref)


# -- commands ----------------------------------------------------------------------------------


def check_item(cmd: cc.CheckItem, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.check_item(
        cmd.item,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        note=cmd.note,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "item": cmd.item}


def skip_item(cmd: cc.SkipItem, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.skip_item(
        cmd.item,
        reason=cmd.reason,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "item": cmd.item}


def reopen_item(cmd: cc.ReopenItem, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.reopen_item(
        cmd.item,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        reason=cmd.reason,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "item": cmd.item}


# -- events ------------------------------------------------------------------------------------


def complete_items(event: events.Event, *, uow: UnitOfWork, ctx: Context) -> None:
    """Tick the items whose rule waits for this event (registered for every event type)."""
    if type(event).__name__ not in ctx.policy.checklist.by_event:
        return
    ref = getattr(event, "ref", None)
    if isinstance(ref, str):
        _incident(uow, ref).complete_by_event(event, policy=ctx.policy, now=ctx.clock.now())


def record_declaration(event: events.IncidentDeclared, *, uow: UnitOfWork, ctx: Context) -> None:
    if not ctx.policy.checklist.items:
        return
    incident = _incident(uow, event.ref)
    incident.note_stage_reached(incident.stage, incident.stage, event.occurred_at)


def record_stage(event: events.StageChanged, *, uow: UnitOfWork, ctx: Context) -> None:
    if not ctx.policy.checklist.items:
        return
    incident = _incident(uow, event.ref)
    incident.note_stage_reached(Stage(event.from_stage), incident.stage, event.occurred_at)


def record_roles_filled(event: events.RoleAssigned, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = _incident(uow, event.ref)
    incident.note_roles_filled(
        event.role, replaced=event.replaced, policy=ctx.policy, at=event.occurred_at
    )


def sync_all_deadlines(event: events.Event, *, uow: UnitOfWork, ctx: Context) -> None:
    """After a declaration, stage or severity change: every deadline timer in step."""
    incident = _incident(uow, str(getattr(event, "ref", "")))
    sync_deadlines(incident, ctx.policy, uow, ctx.clock.now(), ctx.policy.checklist.items)


def sync_item_deadline(event: events.Event, *, uow: UnitOfWork, ctx: Context) -> None:
    """After an item was ticked, skipped or reopened: its own timer in step."""
    incident = _incident(uow, str(getattr(event, "ref", "")))
    try:
        item = ctx.policy.checklist.item(str(getattr(event, "item", "")))
    except NotFound:
        return
    sync_deadlines(incident, ctx.policy, uow, ctx.clock.now(), (item,))


def sync_deadlines(
    incident: Incident,
    policy: Policy,
    uow: UnitOfWork,
    now: datetime,
    items: tuple[ChecklistItem, ...],
) -> None:
    """Schedule a reminder for every live item with a deadline; cancel the others.

    Scheduling is keyed by incident and item, so this may run any number of times
    without duplicating a timer; an item whose owner was already reminded for its
    current deadline is not scheduled again. Only differences are written: one read of
    the incident's checklist timers, then a write per timer that must appear, move later
    or go. A timer already set later than the deadline is left alone (a reminder put off
    until its owner wakes up).
    """
    deadlined = [item for item in items if item.within is not None]
    if not deadlined:
        return
    prefix = timer_key(incident.ref, "")
    existing = {key: due for key, _, due in uow.timers.pending(prefix, incident_ref=incident.ref)}
    for item in deadlined:
        key = timer_key(incident.ref, item.id)
        due = incident.item_due_at(item)
        mark = incident.checklist_mark(item.id)
        reminded = (
            mark is not None
            and mark.reminded_at is not None
            and due is not None
            and mark.reminded_at >= due
        )
        if incident.is_open and due is not None and incident.item_is_live(item) and not reminded:
            current = existing.get(key)
            if current is None or current < due:
                uow.timers.schedule(
                    key,
                    kind=TIMER_KIND,
                    due_at=due,
                    now=now,
                    payload={"item": item.id},
                    incident_ref=incident.ref,
                )
        elif key in existing:
            uow.timers.cancel(key)


# -- the reminder timer ---------------------------------------------------------------------


def remind_overdue(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    """Remind the owner of an overdue item (the commander if the role is not held)."""
    if timer.incident_ref is None:
        return
    policy, now = ctx.policy, ctx.clock.now()
    incident = uow.incidents.get(timer.incident_ref)
    try:
        item = policy.checklist.item(str(timer.payload.get("item")))
    except NotFound:
        return  # the policy no longer has the item
    due = incident.item_due_at(item)
    mark = incident.checklist_mark(item.id)
    if (
        not incident.is_open
        or not incident.item_is_live(item)
        or due is None
        or due > now
        or (mark is not None and mark.reminded_at is not None and mark.reminded_at >= due)
    ):
        return
    people = (
        incident.holders(item.effective_owner)
        or incident.holders(RoleName.COMMANDER)
        or [incident.declared_by]
    )
    if _waking_hours_only(incident, policy):
        directory = {handle: uow.directory.person_or_default(handle) for handle in people}
        awake = [h for h, person in directory.items() if person.is_awake(now)]
        if not awake:
            # Nobody to remind is awake and this severity does not wake people: try again
            # when the first of them wakes up.
            uow.timers.schedule(
                timer.key,
                kind=timer.kind,
                due_at=min(p.next_waking(now) for p in directory.values()),
                now=now,
                payload=timer.payload,
                incident_ref=timer.incident_ref,
            )
            return
        people = awake
    for handle in people:
        notify_person(
            uow,
            ctx,
            handle,
            key=f"checklist:{incident.ref}:{item.id}:{due.isoformat()}:{handle}",
            subject=f"[{incident.ref}] Overdue: {item.title}",
            body=_reminder_text(incident, item, due),
            incident_ref=incident.ref,
        )
    incident.note_reminder(item, reminded=people, due_at=due, now=now)


def _waking_hours_only(incident: Incident, policy: Policy) -> bool:
    try:
        return policy.severity(incident.severity).paging is PagingMode.WAKING_HOURS
    except InvalidInput:  # a severity the current policy no longer has
        return False


def _reminder_text(incident: Incident, item: ChecklistItem, due: datetime) -> str:
    lines = [
        f"{incident.ref} ({incident.severity}, {incident.stage}): {incident.summary_line}",
        "",
        f"This step was due at {due:%Y-%m-%d %H:%M} UTC and is still open:",
        f"  {item.title}",
    ]
    if item.details:
        lines += ["", item.details]
    lines += [
        "",
        f"Done? warroom check {incident.ref} {item.id}",
        f'Not doing it? warroom skip {incident.ref} {item.id} --reason "…"',
    ]
    return "\n".join(lines)


# -- registration ------------------------------------------------------------------------------

COMMAND_HANDLERS: dict[type[commands.Command], CommandHandler] = {
    cc.CheckItem: check_item,
    cc.SkipItem: skip_item,
    cc.ReopenItem: reopen_item,
}


def _event_handlers() -> dict[type[events.Event], list[EventHandler]]:
    # Order matters: the stage arrival is recorded before items are ticked (their
    # deadlines count from it), and items are ticked before the timers are synchronised.
    handlers: dict[type[events.Event], list[EventHandler]] = {
        events.IncidentDeclared: [record_declaration],
        events.StageChanged: [record_stage],
        events.RoleAssigned: [record_roles_filled],
    }
    # Automatic completion listens to every event there is: bindings are policy data.
    for classes in event_types().values():
        for cls in classes:
            handlers.setdefault(cls, []).append(complete_items)
    for cls in (events.IncidentDeclared, events.StageChanged, events.SeverityChanged):
        handlers[cls].append(sync_all_deadlines)
    for cls in (ce.ChecklistItemChecked, ce.ChecklistItemSkipped, ce.ChecklistItemReopened):
        handlers[cls].append(sync_item_deadline)
    return handlers


EVENT_HANDLERS = _event_handlers()

TIMER_HANDLERS = {TIMER_KIND: remind_overdue}

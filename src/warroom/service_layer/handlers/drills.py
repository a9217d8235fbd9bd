"""Drills: declare the practice incident, then inject each scripted event on a durable timer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.domain import commands, events
from warroom.domain.background import DueTimer
from warroom.domain.drill_commands import StartDrill
from warroom.domain.drills import (
    DRILL_AUTHOR,
    DRILL_INTEGRATION,
    INJECT_TIMER,
    DrillEvent,
    DrillEventKind,
    check_speed,
    event_time,
)
from warroom.domain.enums import EntryKind, RoleName, Stage, Visibility
from warroom.domain.incident import Incident
from warroom.domain.oncall_commands import ResolveAlert
from warroom.service_layer.drill_intake import inject_alert, inject_customer_report
from warroom.service_layer.handlers.alerts import resolve_alert
from warroom.service_layer.handlers.incidents import declare_incident
from warroom.service_layer.messagebus import CommandHandler, Context, EventHandler
from warroom.service_layer.notify import notify_person
from warroom.service_layer.paging import deliver_page
from warroom.service_layer.unit_of_work import UnitOfWork


def start_drill(cmd: StartDrill, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    s, now = cmd.scenario, ctx.clock.now()
    check_speed(cmd.speed)  # before declaring anything
    declared = declare_incident(
        commands.DeclareIncident(
            title=s.title,
            severity=s.severity,
            by=cmd.by,
            functionality=s.functionality,
            state=s.state,
            audience=s.audience,
            summary=s.description,
            services=s.services,
            customers_affected=s.customers_affected,
            # Never public: a drill must not reach the status page or its subscribers.
            visibility=Visibility.INTERNAL,
            drill=True,
            occurred_at=cmd.occurred_at,
            force=True,
        ),
        uow=uow,
        ctx=ctx,
    )
    ref = declared["ref"]
    incident = _seen(uow, ref)
    start = incident.declared_at  # the declaration refused a start in the future
    speed = f" at {cmd.speed:g}x speed" if cmd.speed != 1 else ""
    incident.record_event(
        f"Drill started: {s.name} ({len(s.events)} scripted events{speed})",
        by=DRILL_AUTHOR,
        now=now,
        occurred_at=start,
        data={"drill": "start", "scenario": s.name, "events": len(s.events), "speed": cmd.speed},
    )
    for index, event in enumerate(s.events):
        due = event_time(start, event.at, cmd.speed)
        uow.timers.schedule(
            f"{ref}:drill:{index}",
            kind=INJECT_TIMER,
            # Already past (a drill recorded after the fact): injected at once, at its time.
            due_at=due,
            now=now,
            payload={**event.payload(index), "due": due.isoformat()},
            incident_ref=ref,
        )
    # Stored as is for idempotent replays: plain JSON.
    return {
        "ref": ref,
        "scenario": s.name,
        "events": len(s.events),
        "started_at": start.isoformat(),
    }


def _seen(uow: UnitOfWork, ref: str) -> Incident:
    return next((i for i in uow.incidents.seen if i.ref == ref), None) or uow.incidents.get(ref)


def inject(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    """Timer: one scripted event happens (unless the drill is already closed)."""
    if timer.incident_ref is None:
        return
    incident = uow.incidents.get(timer.incident_ref)
    if not incident.is_open:
        return
    event = DrillEvent.from_payload(timer.payload)
    index = int(timer.payload["index"])
    now = ctx.clock.now()
    # Its scripted time: a late worker, or a drill recorded after the fact, keeps it.
    due = timer.payload.get("due")
    at = min(datetime.fromisoformat(due), now) if due else now
    data: dict[str, Any] = {"drill": "event", "index": index, "event": event.kind.value}
    if event.kind is DrillEventKind.ALERT:
        outcome = inject_alert(incident.ref, event, at=at, data=data, uow=uow, ctx=ctx)
        if outcome["outcome"] != "new":  # a repeat writes no entry of its own
            incident.record_alert(
                f"Alert firing again: {event.text} ({outcome['outcome']})",
                by=f"alert:{DRILL_INTEGRATION}",
                now=now,
                occurred_at=at,
                data={**data, "alert": outcome["alert"]},
            )
    elif event.kind is DrillEventKind.CUSTOMER_REPORT:
        number = inject_customer_report(incident.ref, event, at=at, uow=uow, ctx=ctx)
        # Customers are named by number on the timeline (personal data stays in their record).
        text = f"Customer #{number} reported via {event.reported_via}"
        incident.record_event(
            f"{text}: {event.text}" if event.text else text,
            by=DRILL_AUTHOR,
            now=now,
            occurred_at=at,
            data=data,
        )
    elif event.kind is DrillEventKind.SME_UNREACHABLE:
        _unreachable(incident, event, data, at=at, uow=uow, ctx=ctx)
    elif event.kind is DrillEventKind.NOTE:
        incident.log(
            EntryKind.NOTE,
            event.text,
            policy=ctx.policy,
            by=DRILL_AUTHOR,
            now=now,
            occurred_at=at,
            data=data,
        )
    else:
        _hint(incident, event, data, at=at, uow=uow, ctx=ctx)


def _unreachable(
    incident: Incident,
    event: DrillEvent,
    data: dict[str, Any],
    *,
    at: datetime,
    uow: UnitOfWork,
    ctx: Context,
) -> None:
    """From now on the person answers nothing: the entry tells the outbox to withhold
    their messages, and the page the team would send them goes the real way, unanswered."""
    assert event.person is not None
    detail = f" ({event.text})" if event.text else ""
    incident.record_event(
        f"Drill: {event.person} is unreachable; messages to them are withheld{detail}",
        by=DRILL_AUTHOR,
        now=ctx.clock.now(),
        occurred_at=at,
        data={**data, "drill": "unreachable", "person": event.person},
    )
    deliver_page(
        uow,
        ctx,
        event.person,
        key=f"{incident.ref}:drill:{data['index']}:page",
        subject=f"{incident.ref}: you are needed",
        body=f"{incident.ref} ({incident.severity}) {incident.summary_line}. "
        f"Join #{incident.channel}.",
        incident_ref=incident.ref,
    )


def _hint(
    incident: Incident,
    event: DrillEvent,
    data: dict[str, Any],
    *,
    at: datetime,
    uow: UnitOfWork,
    ctx: Context,
) -> None:
    """A nudge on the timeline, sent to the commander (the declarer while nobody holds it)."""
    points = f" (points to {event.stage})" if event.stage else ""
    text = f"Drill hint: {event.text}{points}"
    incident.record_event(
        text,
        by=DRILL_AUTHOR,
        now=ctx.clock.now(),
        occurred_at=at,
        data={**data, "stage": event.stage.value if event.stage else None},
    )
    holder = incident.first_holder(RoleName.COMMANDER)
    notify_person(
        uow,
        ctx,
        holder or incident.declared_by,
        key=f"{incident.ref}:drill:{data['index']}:hint",
        subject=f"{incident.ref}: drill hint",
        body=text,
        incident_ref=incident.ref,
    )


def drill_over(event: events.StageChanged, *, uow: UnitOfWork, ctx: Context) -> None:
    """A drill resolved or closed: its alerts resolve as well, as a monitoring system would
    send the resolve once the problem is gone, so none is left firing in the alert list."""
    if event.to_stage not in (Stage.RESOLVED, Stage.CLOSED):
        return
    if not _seen(uow, event.ref).drill:
        return
    for alert in uow.alerts.open_for_incident(event.ref):
        resolve_alert(ResolveAlert(alert_id=alert.id, by=DRILL_INTEGRATION), uow=uow, ctx=ctx)


COMMAND_HANDLERS: dict[type, CommandHandler] = {StartDrill: start_drill}
EVENT_HANDLERS: dict[type[events.Event], list[EventHandler]] = {events.StageChanged: [drill_over]}
TIMER_HANDLERS = {INJECT_TIMER: inject}

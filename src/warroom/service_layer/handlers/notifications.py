"""Telling people: the declaration checklist, updates to rooms and audiences, digests.

Event handlers here run inside the command's transaction, so every message they queue
commits with the change it announces. The worker's delivery outcomes for declaration
steps come back through `RecordDelivery` and land on the timeline.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from warroom.domain import events
from warroom.domain.background import DueTimer, OutboundMessage
from warroom.domain.commands import Command
from warroom.domain.enums import Audience, EntryKind, RoleName, Visibility
from warroom.domain.errors import NotFound, RuleViolation
from warroom.domain.incident import Incident
from warroom.domain.notify_commands import RecordDelivery, RetryNotification
from warroom.service_layer import templates
from warroom.service_layer.declaration import run_checklist
from warroom.service_layer.destinations import (
    chat_ids,
    digest,
    post_in_rooms,
    room_channels,
    send_to,
)
from warroom.service_layer.messagebus import CommandHandler, Context, EventHandler
from warroom.service_layer.notify import notify_person
from warroom.service_layer.timers_kinds import OBSERVER_DIGEST
from warroom.service_layer.unit_of_work import UnitOfWork


def describe(message: OutboundMessage, result: dict[str, Any] | None = None) -> str:
    text = f"{message.channel} → {message.destination}"
    if result and result.get("room_id"):
        text += f" (room {result['room_id']})"
    return text


def record_delivery(cmd: RecordDelivery, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    message = uow.outbox.get_claimed(cmd.message_id, cmd.worker)
    if message is None:  # our lease ran out and another worker took it over
        return {"recorded": False}
    now = ctx.clock.now()
    if cmd.error is None:
        uow.outbox.mark_sent(message, worker=cmd.worker, now=now, result=cmd.result)
        outcome, detail = "done", describe(message, cmd.result)
    else:
        dead = uow.outbox.mark_failed(
            message,
            worker=cmd.worker,
            now=now,
            error=cmd.error,
            max_attempts=cmd.max_attempts,
            permanent=cmd.permanent,
        )
        outcome = "failed" if dead else "retrying"
        tail = "an admin can retry it" if dead else "will retry"
        detail = (
            f"{describe(message)}: {cmd.error} "
            f"(attempt {message.attempts + 1}; {tail}; notification #{message.id})"
        )
    if message.incident_ref:
        incident = uow.incidents.get(message.incident_ref)
        incident.record_step(str(message.payload.get("step")), outcome, detail, now=now)
    return {"recorded": True, "outcome": outcome}


def retry_notification(cmd: RetryNotification, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    found = uow.outbox.get(cmd.message_id)
    if found is None:
        raise NotFound("notification", str(cmd.message_id))
    message, status = found
    if status == "sent":
        raise RuleViolation(
            "notifications.already_sent", f"notification #{cmd.message_id} was already sent"
        )
    now = ctx.clock.now()
    uow.outbox.retry(cmd.message_id, now=now)
    if message.incident_ref:
        incident = uow.incidents.get(message.incident_ref)
        incident.note_system(
            f"Notification #{cmd.message_id} ({describe(message)}) queued again by {cmd.by}",
            now=now,
            by=cmd.by,
        )
    return {"id": cmd.message_id, "status": "pending"}


# -- events -------------------------------------------------------------------------------------


def on_declared(event: events.IncidentDeclared, *, uow: UnitOfWork, ctx: Context) -> None:
    run_checklist(event, uow=uow, ctx=ctx)


def on_update_posted(event: events.UpdatePosted, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = uow.incidents.get(event.ref)
    audience = Audience(event.audience)
    key = f"{event.ref}:update:{audience}:{digest(event.occurred_at.isoformat(), event.text)}"
    subject = f"[{incident.ref}-{incident.severity.upper()}] {incident.summary_line}"
    payload = {"event": "incident.update", "audience": str(audience), "author": event.author}
    # A restricted incident's updates stay in its own rooms and with its people: the
    # policy's audience destinations are shared lists and channels.
    shared = incident.visibility is not Visibility.RESTRICTED
    if audience is Audience.INTERNAL:
        post_in_rooms(uow, ctx, incident, key=key, body=event.text)
        for dest in ctx.policy.notifications.internal if shared else ():
            send_to(
                uow,
                ctx,
                dest,
                key=key,
                subject=f"UPDATE: {subject}",
                body=event.text,
                incident_ref=incident.ref,
                payload=payload,
            )
    elif audience is Audience.CUSTOMERS:
        for dest in ctx.policy.notifications.customers if shared else ():
            send_to(
                uow,
                ctx,
                dest,
                key=key,
                subject=subject,
                body=event.text,
                incident_ref=incident.ref,
                payload=payload,
            )
    if audience in (Audience.INTERNAL, Audience.OBSERVERS):
        schedule_digest(uow, ctx, incident, since=event.occurred_at.isoformat())


def on_role_assigned(event: events.RoleAssigned, *, uow: UnitOfWork, ctx: Context) -> None:
    # Observers get digests; they are kept out of the working room (document 003).
    if event.role == RoleName.OBSERVER:
        return
    for channel in room_channels(ctx):
        users = chat_ids(uow, [event.person], channel)
        if not users:
            continue
        incident = uow.incidents.get(event.ref)
        uow.outbox.enqueue(
            OutboundMessage(
                key=f"{event.ref}:invite:{channel}:{event.person}",
                channel=channel,
                destination=incident.channel,
                subject=incident.ref,
                body=f"{event.person} joins as {event.role}",
                incident_ref=incident.ref,
                payload={
                    "op": "invite",
                    "users": users,
                    "visibility": str(incident.visibility),
                },
            ),
            now=ctx.clock.now(),
        )


def on_stage_changed(event: events.StageChanged, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = uow.incidents.get(event.ref)
    text = f"{incident.ref} stage {event.from_stage} → {event.to_stage} (by {event.by})"
    key = f"{event.ref}:stage:{digest(event.occurred_at.isoformat(), event.to_stage)}"
    post_in_rooms(uow, ctx, incident, key=key, body=text)


def on_severity_changed(event: events.SeverityChanged, *, uow: UnitOfWork, ctx: Context) -> None:
    incident = uow.incidents.get(event.ref)
    text = f"{incident.ref} severity {event.from_severity} → {event.to_severity} (by {event.by})"
    if event.reason:
        text += f": {event.reason}"
    key = f"{event.ref}:severity:{digest(event.occurred_at.isoformat(), event.to_severity)}"
    post_in_rooms(uow, ctx, incident, key=key, body=text)


# -- observers' digest -------------------------------------------------------------------------


def schedule_digest(uow: UnitOfWork, ctx: Context, incident: Incident, *, since: str) -> None:
    """Gather updates for observers; the first update of a digest starts its clock."""
    if not incident.holders(RoleName.OBSERVER):
        return
    key = f"{incident.ref}:digest"
    if uow.timers.due_at(key) is not None:
        return  # a digest is already gathering; this update joins it
    now = ctx.clock.now()
    uow.timers.schedule(
        key,
        kind=OBSERVER_DIGEST,
        due_at=now + timedelta(minutes=ctx.policy.notifications.digest_every_minutes),
        now=now,
        payload={"since": since},
        incident_ref=incident.ref,
    )


def send_digest(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    """Send the updates gathered since the digest started to every observer."""
    if timer.incident_ref is None:
        return
    incident = uow.incidents.get(timer.incident_ref)
    since = str(timer.payload.get("since", ""))
    updates = [
        {"occurred_at": e.occurred_at.isoformat(), "author": e.author, "text": e.text}
        for e in uow.incidents.entries(incident.number, [EntryKind.STATUS_UPDATE])
        if e.occurred_at.isoformat() >= since
    ]
    if not updates:
        return
    body = templates.render(ctx.policy, "observer_digest", incident, updates=updates)
    subject = f"[{incident.ref}] Digest: {incident.summary_line}"
    for handle in incident.holders(RoleName.OBSERVER):
        notify_person(
            uow,
            ctx,
            handle,
            key=f"{incident.ref}:digest:{since}:{handle}",
            subject=subject,
            body=body,
            incident_ref=incident.ref,
            payload={"digest": True},
        )


COMMAND_HANDLERS: dict[type[Command], CommandHandler] = {
    RecordDelivery: record_delivery,
    RetryNotification: retry_notification,
}

EVENT_HANDLERS: dict[type[events.Event], list[EventHandler]] = {
    events.IncidentDeclared: [on_declared],
    events.UpdatePosted: [on_update_posted],
    events.RoleAssigned: [on_role_assigned],
    events.StageChanged: [on_stage_changed],
    events.SeverityChanged: [on_severity_changed],
}

TIMER_HANDLERS = {OBSERVER_DIGEST: send_digest}

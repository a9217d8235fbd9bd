"""Handlers for the retrospective meeting and the customer-facing postmortem."""

from __future__ import annotations

from typing import Any

from warroom.domain import postmortem_commands as pc
from warroom.domain.commands import Command
from warroom.domain.enums import EntryKind
from warroom.domain.events import Event, PostmortemPublished
from warroom.domain.postmortem_draft import draft_customer_postmortem
from warroom.domain.postmortem_events import RetrospectiveScheduled
from warroom.service_layer.messagebus import CommandHandler, Context, EventHandler
from warroom.service_layer.postmortem_notify import email_all_subscribers
from warroom.service_layer.retro_invite import send_invitations
from warroom.service_layer.status_notify import incident_components
from warroom.service_layer.unit_of_work import UnitOfWork


def schedule_retrospective(
    cmd: pc.ScheduleRetrospective, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    meeting = incident.schedule_retrospective(
        starts_at=cmd.starts_at,
        duration_minutes=cmd.duration_minutes,
        participants=cmd.participants,
        location=cmd.location,
        url=cmd.url,
        force=cmd.force,
        reason=cmd.reason,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "sequence": meeting.sequence}


def write_customer_postmortem(
    cmd: pc.WriteCustomerPostmortem, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    body = cmd.body
    if body is None:
        public = uow.incidents.entries(
            incident.number, (EntryKind.CUSTOMER_UPDATE, EntryKind.ALERT)
        )
        body = draft_customer_postmortem(incident, public, incident_components(uow, incident))
    incident.write_customer_postmortem(body, policy=ctx.policy, by=cmd.by, now=ctx.clock.now())
    return {"ref": incident.ref}


def publish_customer_postmortem(
    cmd: pc.PublishCustomerPostmortem, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.publish_customer_postmortem(
        policy=ctx.policy, by=cmd.by, now=ctx.clock.now(), occurred_at=cmd.occurred_at
    )
    return {"ref": incident.ref}


COMMAND_HANDLERS: dict[type[Command], CommandHandler] = {
    pc.ScheduleRetrospective: schedule_retrospective,
    pc.WriteCustomerPostmortem: write_customer_postmortem,
    pc.PublishCustomerPostmortem: publish_customer_postmortem,
}

EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = {
    RetrospectiveScheduled: [send_invitations],
    PostmortemPublished: [email_all_subscribers],
}

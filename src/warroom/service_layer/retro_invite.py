"""Invitations to the retrospective: an .ics REQUEST to each participant through the outbox."""

from __future__ import annotations

from warroom.adapters.calendar_invite import (
    Attendee,
    build_invitation,
    event_uid,
    organizer_address,
)
from warroom.domain.postmortem_draft import DRAFT_KINDS
from warroom.domain.postmortem_events import RetrospectiveScheduled
from warroom.domain.retro_agenda import retrospective_agenda
from warroom.service_layer.messagebus import Context
from warroom.service_layer.notify import notify_person
from warroom.service_layer.unit_of_work import UnitOfWork


def send_invitations(event: RetrospectiveScheduled, *, uow: UnitOfWork, ctx: Context) -> None:
    """Event handler: queue the invitation (agenda + calendar part) for every participant."""
    incident = uow.incidents.get(event.ref)
    meeting = incident.retro_meeting
    if meeting is None or meeting.sequence != event.sequence:
        return
    agenda = retrospective_agenda(
        incident, uow.incidents.entries(incident.number, DRAFT_KINDS), ctx.policy
    )
    people = [(h, uow.directory.person_or_default(h)) for h in meeting.participants]
    attendees = [Attendee(name=p.name or h, email=p.email) for h, p in people if p.email]
    when = ctx.policy.calendar.show(meeting.starts_at)
    summary = f"Retrospective {incident.ref}: {incident.summary_line}"
    ics = build_invitation(
        uid=event_uid(incident.ref, ctx.public_url),
        sequence=meeting.sequence,
        stamp=event.occurred_at,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=summary,
        description=agenda,
        organizer=organizer_address(ctx.public_url),
        attendees=attendees,
        location=meeting.location,
        url=meeting.url,
    )
    where = " · ".join(x for x in (meeting.location, meeting.url) if x)
    verb = "Moved: " if meeting.sequence else ""
    body = (
        f"{verb}the retrospective of {incident.ref} is on {when} "
        f"({meeting.duration_minutes} min){f' — {where}' if where else ''}.\n\n{agenda}"
    )
    attachment = {
        "content_type": "text/calendar",
        "filename": "invite.ics",
        "data": ics,
        "params": {"method": "REQUEST"},
    }
    for handle, _ in people:
        notify_person(
            uow,
            ctx,
            handle,
            key=f"{incident.ref}:retrospective:invite:{meeting.sequence}:{handle}",
            subject=f"{verb}{summary} — {when}",
            body=body,
            incident_ref=incident.ref,
            payload={"attachments": [attachment]},
        )

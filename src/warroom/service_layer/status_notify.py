"""Email the status page's subscribers when a customer update is posted on a public incident."""

from __future__ import annotations

import hashlib
from datetime import datetime

from warroom.domain.background import OutboundMessage
from warroom.domain.enums import Audience, Visibility
from warroom.domain.events import UpdatePosted
from warroom.domain.incident import Incident
from warroom.domain.status_page import incident_status
from warroom.service_layer.messagebus import Context
from warroom.service_layer.unit_of_work import UnitOfWork

# Subscriber mail is one message per address through the outbox (a Bcc list would leak
# nothing, but could not carry each subscriber's own unsubscribe link).


def incident_components(uow: UnitOfWork, incident: Incident) -> list[str]:
    """The status-page components an incident affects, through its services' catalog entries."""
    known = set(uow.status.component_names())
    out: list[str] = []
    for name in incident.services:
        service = uow.directory.service(name)
        component = service.status_component if service is not None else None
        if component and component in known and component not in out:
            out.append(component)
    return out


def unsubscribe_url(ctx: Context, token: str) -> str:
    return f"{ctx.public_url}/status/unsubscribe?token={token}"


def is_public(incident: Incident) -> bool:
    return incident.visibility is Visibility.PUBLIC and not incident.drill


def email_subscribers(
    *, uow: UnitOfWork, ctx: Context, incident: Incident, text: str, occurred_at: datetime
) -> int:
    """Queue the update for every subscriber of the affected components, in this transaction.

    With no affected component, every subscriber hears of it. Returns how many were queued.
    """
    if not is_public(incident) or "email" not in ctx.channels:
        return 0
    components = incident_components(uow, incident)
    subscribers = uow.status.subscribers_for(components)
    if not subscribers:
        return 0
    digest = hashlib.sha256(f"{occurred_at.isoformat()}\n{text}".encode()).hexdigest()[:16]
    status = incident_status(
        incident.stage,
        # What the status page shows: the customer version, not the internal one.
        postmortem_published=bool(
            incident.postmortem and incident.postmortem.customer_published_at is not None
        ),
    )
    link = f"{ctx.public_url}/status/incidents/{incident.ref.lower()}"
    affected = ", ".join(components) or "all services"
    messages = []
    for sub in subscribers:
        unsubscribe = unsubscribe_url(ctx, sub["token"])
        body = (
            f"{incident.title}\n"
            f"Status: {status.replace('_', ' ').capitalize()}\n"
            f"Affected: {affected}\n\n"
            f"{text}\n\n"
            f"Follow this incident: {link}\n\n"
            f"--\nYou receive this because you subscribed to status updates.\n"
            f"Unsubscribe with one click: {unsubscribe}\n"
        )
        messages.append(
            OutboundMessage(
                key=f"status:{incident.ref}:{digest}:{sub['id']}",
                channel="email",
                destination=sub["email"],
                subject=f"[{status.capitalize()}] {incident.title}",
                body=body,
                incident_ref=incident.ref,
                payload={
                    "headers": {
                        "List-Unsubscribe": f"<{unsubscribe}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    }
                },
            )
        )
    uow.outbox.enqueue_many(messages, now=ctx.clock.now())
    return len(messages)


def on_update_posted(event: UpdatePosted, *, uow: UnitOfWork, ctx: Context) -> None:
    """Event handler: customer updates on public incidents go to the page's subscribers."""
    if event.audience != Audience.CUSTOMERS:
        return
    incident = uow.incidents.get(event.ref)
    email_subscribers(
        uow=uow, ctx=ctx, incident=incident, text=event.text, occurred_at=event.occurred_at
    )

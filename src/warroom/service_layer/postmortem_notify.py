"""The customer postmortem goes to every status subscriber, not only those of the components hit."""

from __future__ import annotations

from warroom.domain.background import OutboundMessage
from warroom.domain.events import PostmortemPublished
from warroom.service_layer.messagebus import Context
from warroom.service_layer.status_notify import is_public, unsubscribe_url
from warroom.service_layer.unit_of_work import UnitOfWork


def email_all_subscribers(event: PostmortemPublished, *, uow: UnitOfWork, ctx: Context) -> None:
    """Event handler: one message per subscriber, keyed, with a one-click unsubscribe link."""
    if event.audience != "customers" or "email" not in ctx.channels:
        return
    incident = uow.incidents.get(event.ref)
    pm = incident.postmortem
    if not is_public(incident) or pm is None or pm.customer_body is None:
        return
    link = f"{ctx.public_url}/status/incidents/{incident.ref.lower()}/"
    messages = []
    for sub in uow.status.subscribers_for([]):
        unsubscribe = unsubscribe_url(ctx, sub["token"])
        messages.append(
            OutboundMessage(
                key=f"status:{incident.ref}:postmortem:{sub['id']}",
                channel="email",
                destination=sub["email"],
                subject=f"[Postmortem] {incident.title}",
                body=(
                    f"{pm.customer_body.rstrip()}\n\n"
                    f"Read it on our status page: {link}\n\n"
                    f"--\nYou receive this because you subscribed to status updates.\n"
                    f"Unsubscribe with one click: {unsubscribe}\n"
                ),
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

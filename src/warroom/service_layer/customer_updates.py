"""A customer update to many email subscribers, queued in one statement.

The subscriber list belongs to the status page; it calls this with the addresses. Each
message's key (and so its Message-ID) is `update_id` + address: a repeated call, or a
redelivery after a crash, never gives a subscriber a second copy they cannot tell apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from warroom.domain.background import OutboundMessage
from warroom.service_layer.messagebus import Context
from warroom.service_layer.unit_of_work import UnitOfWork


def send_customer_update(
    uow: UnitOfWork,
    ctx: Context,
    *,
    update_id: str,
    subject: str,
    body: str,
    recipients: Sequence[str],
    incident_ref: str | None = None,
    channel: str = "email",
) -> int:
    """Queue `body` for every recipient (inside the caller's transaction); returns the count."""
    unique = list(dict.fromkeys(r.strip() for r in recipients if r.strip()))
    uow.outbox.enqueue_many(
        [
            OutboundMessage(
                key=f"customer-update:{update_id}:{address}",
                channel=channel,
                destination=address,
                subject=subject,
                body=body,
                incident_ref=incident_ref,
                payload={"event": "customer.update", "update_id": update_id},
            )
            for address in unique
        ],
        now=ctx.clock.now(),
    )
    return len(unique)

"""Paging a person about an incident: the one place the declaration checklist pages from.

Quiet hours and cadence reminders belong to the clocks; when they provide their own
`page_person` (which defers a waking-hours page to the person's morning), this function
is the single call site to point at it.
"""

from __future__ import annotations

from typing import Any

from warroom.service_layer.messagebus import Context
from warroom.service_layer.notify import notify_person
from warroom.service_layer.unit_of_work import UnitOfWork


def page(
    uow: UnitOfWork,
    ctx: Context,
    handle: str,
    *,
    key: str,
    subject: str,
    body: str,
    incident_ref: str,
    payload: dict[str, Any] | None = None,
) -> list[str]:
    """Page `handle` on every urgent channel they have (SMS included); returns the channels."""
    return notify_person(
        uow,
        ctx,
        handle,
        key=key,
        subject=subject,
        body=body,
        incident_ref=incident_ref,
        urgent=True,
        payload=payload,
    )

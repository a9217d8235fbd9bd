"""Addressing people: one outbox message per channel the person can be reached on."""

from __future__ import annotations

from typing import Any

from warroom.domain.background import OutboundMessage
from warroom.domain.directory import Person
from warroom.service_layer.messagebus import Context
from warroom.service_layer.unit_of_work import UnitOfWork


def addresses(person: Person, channels: frozenset[str], *, urgent: bool) -> list[tuple[str, str]]:
    """(channel, destination) pairs for the configured channels this person has."""
    found = [
        ("email", person.email),
        ("matrix", person.matrix_id),
        ("slack", person.slack_id),
        ("sms", person.phone if urgent else None),
    ]
    return [(channel, dest) for channel, dest in found if dest and channel in channels]


def notify_person(
    uow: UnitOfWork,
    ctx: Context,
    handle: str,
    *,
    key: str,
    subject: str,
    body: str,
    incident_ref: str | None = None,
    urgent: bool = False,
    payload: dict[str, Any] | None = None,
) -> list[str]:
    """Queue `body` for `handle` on each channel they can be reached on; returns the channels.

    With no configured channel for the person, the message goes to the log channel, so
    it is still recorded and visible in the outbox.
    """
    person = uow.directory.person_or_default(handle)
    targets = addresses(person, ctx.channels, urgent=urgent) or [("log", handle)]
    now = ctx.clock.now()
    for channel, destination in targets:
        uow.outbox.enqueue(
            OutboundMessage(
                key=f"{key}:{channel}",
                channel=channel,
                destination=destination,
                subject=subject,
                body=body,
                incident_ref=incident_ref,
                payload={**(payload or {}), "person": handle, "urgent": urgent},
            ),
            now=now,
        )
    return [channel for channel, _ in targets]

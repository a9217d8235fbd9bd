"""Queueing a message for a policy destination (`channel:target`) or an incident room."""

from __future__ import annotations

import hashlib
from typing import Any

from warroom.domain.background import OutboundMessage
from warroom.domain.incident import Incident
from warroom.domain.notify_policy import Destination
from warroom.service_layer.messagebus import Context
from warroom.service_layer.unit_of_work import UnitOfWork

ROOM_CHANNELS = ("matrix", "slack")


def digest(*parts: object) -> str:
    """A short stable hash for building idempotency keys from content."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:16]


def room_channels(ctx: Context) -> list[str]:
    """The incident-room channels the policy wants and the settings make available."""
    return [c for c in ctx.policy.declaration.rooms if c in ctx.channels]


def send_to(
    uow: UnitOfWork,
    ctx: Context,
    destination: Destination,
    *,
    key: str,
    subject: str,
    body: str,
    incident_ref: str | None,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Queue `body` for a destination; False (nothing queued) when its channel is not set up."""
    if destination.channel not in ctx.channels:
        return False
    extra: dict[str, Any] = dict(payload or {})
    if destination.channel in ROOM_CHANNELS:
        extra.setdefault("op", "post")
    uow.outbox.enqueue(
        OutboundMessage(
            key=f"{key}:{destination}",
            channel=destination.channel,
            destination=destination.target,
            subject=subject,
            body=body,
            incident_ref=incident_ref,
            payload=extra,
        ),
        now=ctx.clock.now(),
    )
    return True


def post_in_rooms(
    uow: UnitOfWork,
    ctx: Context,
    incident: Incident,
    *,
    key: str,
    body: str,
    payload: dict[str, Any] | None = None,
) -> list[str]:
    """Post `body` in the incident's rooms; returns the channels it was queued for."""
    done = []
    for channel in room_channels(ctx):
        queued = send_to(
            uow,
            ctx,
            Destination(channel, incident.channel),
            key=key,
            subject=incident.ref,
            body=body,
            incident_ref=incident.ref,
            # A restricted incident's room posts go only to a private room (Slack, Matrix).
            payload={"op": "post", "visibility": str(incident.visibility), **(payload or {})},
        )
        if queued:
            done.append(channel)
    return done


def chat_ids(uow: UnitOfWork, handles: list[str], channel: str) -> list[str]:
    """The Matrix or Slack ids of these people, where the directory has them."""
    out: list[str] = []
    for handle in handles:
        person = uow.directory.person(handle)
        found = None
        if person is not None:
            found = person.matrix_id if channel == "matrix" else person.slack_id
        if found and found not in out:
            out.append(found)
    return out

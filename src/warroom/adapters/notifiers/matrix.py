"""Matrix: the incident room (alias from the policy's channel name), updates, invitations.

Every message is sent with a transaction id derived from its outbox key, so a retry
after a crash returns the first event instead of posting twice. Opening the room is a
sequence of idempotent steps (create-or-find by alias, topic, summary, pin, invite), so
a retry resumes where the failed attempt stopped.
"""

from __future__ import annotations

from typing import Any

from warroom.adapters.matrix_client import INCIDENT_STATE, MatrixClient
from warroom.adapters.notifiers.base import DeliveryError
from warroom.domain.background import OutboundMessage
from warroom.domain.enums import Visibility


class MatrixNotifier:
    def __init__(self, client: MatrixClient) -> None:
        self.client = client

    def send(self, message: OutboundMessage) -> dict[str, Any] | None:
        op = message.payload.get("op", "post")
        # A restricted incident's room is, and its room messages go only to, a private room.
        restricted = message.payload.get("visibility") == Visibility.RESTRICTED
        if op == "open_room":
            return self._open_room(message, private=restricted)
        if op == "invite":
            room_id = self.client.require_room(message.destination)
            if restricted:
                self.client.require_private(room_id, message.destination)
            invited = self.client.invite(room_id, list(message.payload.get("users", [])))
            return {"room_id": room_id, "invited": invited}
        if op != "post":
            raise DeliveryError(f"unknown Matrix operation {op!r}", permanent=True)
        if message.destination.startswith("@"):
            room_id = self.client.direct_room(message.destination)
        else:
            room_id = self.client.require_room(message.destination)
            if restricted:
                self.client.require_private(room_id, message.destination)
        text = message.body
        if message.subject and not message.payload.get("op"):
            text = f"{message.subject}\n{message.body}"
        event_id = self.client.send_text(room_id, text, key=message.key)
        return {"room_id": room_id, "event_id": event_id}

    def _open_room(self, message: OutboundMessage, *, private: bool) -> dict[str, Any]:
        p = message.payload
        client = self.client
        existed = client.resolve(message.destination) is not None
        room_id = client.create_room(
            name=message.destination,
            topic=p.get("topic", ""),
            invite=list(p.get("invite", [])),
            state={INCIDENT_STATE: {"ref": p.get("ref") or message.incident_ref}},
            private=private,
        )
        if existed:  # a retry, or a room made by hand: bring the topic up to date
            client.put_state(room_id, "m.room.topic", {"topic": p.get("topic", "")})
        event_id = client.send_text(room_id, message.body, key=f"{message.key}:summary")
        client.pin(room_id, event_id)
        for i, text in enumerate(p.get("extra", [])):
            client.send_text(room_id, text, key=f"{message.key}:extra:{i}")
        invited = client.invite(room_id, list(p.get("invite", [])))
        return {
            "room_id": room_id,
            "alias": client.alias(message.destination),
            "event_id": event_id,
            "invited": invited,
        }

    def close(self) -> None:
        self.client.close()

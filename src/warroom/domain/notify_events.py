"""Events about the incident's places: its chat room and its ticket.

A policy's checklist binds to them ("create a dedicated channel", "file a ticket and link
it"), whether warroom made the room itself or a responder linked one made by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.events import Event


@dataclass(frozen=True)
class RoomCreated(Event):
    ref: str
    room: str  # the room's link or id, or the chat target it was made on
    by: str
    occurred_at: datetime


@dataclass(frozen=True)
class TicketLinked(Event):
    ref: str
    url: str
    by: str
    occurred_at: datetime

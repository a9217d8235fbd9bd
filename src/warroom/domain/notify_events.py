"""Events about the incident's places and announcements: its room, ticket, declaration steps.

A policy's checklist binds to them ("create a dedicated channel", "file a ticket and link
it"), whether warroom made the room itself or a responder linked one made by hand; and to
the declaration steps warroom performs itself ("announce the incident", "notify the team").
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


@dataclass(frozen=True)
class DeclarationStepDone(Event):
    """A declaration step warroom performs itself was carried out (a delivery succeeded).

    Raised for every successful delivery of the step, so a step sent to several places
    is raised more than once; a checklist item is ticked by the first.
    """

    ref: str
    step: str  # a `Step` of the declaration policy: room, notify_team, announce, ...
    by: str
    occurred_at: datetime

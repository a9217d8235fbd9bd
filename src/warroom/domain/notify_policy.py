"""What the policy says about notifications: the declaration checklist and destinations.

A destination is written `channel:target`, e.g. `slack:#new-incidents`,
`email:new-incidents-grp@example.com`, `matrix:#new-incidents:example.org`,
`apprise:teams-ops` (a named apprise URL in the settings) or `webhook:statuspage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from warroom.domain.errors import InvalidInput

ROOM_CHANNELS = ("matrix", "slack")


class Step(StrEnum):
    """The declaration steps of document 002 that warroom performs itself."""

    ROOM = "room"  # dedicated channel, topic, pinned summary, responders invited
    NOTIFY_TEAM = "notify_team"  # the owning team, paged when the severity says so
    ANNOUNCE = "announce"  # the #new-incidents equivalent, in plain words
    VIDEO_BRIDGE = "video_bridge"  # a link from a URL template, posted in the room
    TICKET = "ticket"  # a ticket link field from a URL template


@dataclass(frozen=True)
class Destination:
    channel: str
    target: str

    @classmethod
    def parse(cls, text: str, *, field: str = "destination") -> Destination:
        channel, sep, target = text.partition(":")
        if not sep or not channel or not target:
            raise InvalidInput(field, f"{text!r} must look like 'channel:target'")
        return cls(channel=channel.strip(), target=target.strip())

    def __str__(self) -> str:
        return f"{self.channel}:{self.target}"


@dataclass(frozen=True)
class DeclarationPolicy:
    steps: tuple[Step, ...] = (
        Step.ROOM,
        Step.NOTIFY_TEAM,
        Step.ANNOUNCE,
        Step.VIDEO_BRIDGE,
        Step.TICKET,
    )
    rooms: tuple[str, ...] = ROOM_CHANNELS
    # Severities whose owning team is paged; others are told in the team's channel/email.
    page_severities: frozenset[str] | None = None
    announce: tuple[Destination, ...] = ()
    video_bridge_url: str = ""
    ticket_url: str = ""


@dataclass(frozen=True)
class NotificationPolicy:
    """Where each audience's updates go, besides the incident room."""

    internal: tuple[Destination, ...] = ()
    customers: tuple[Destination, ...] = ()
    # How long observers' digests gather updates before they are sent.
    digest_every_minutes: int = 30

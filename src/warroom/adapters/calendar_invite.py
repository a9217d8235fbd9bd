"""iCalendar invitations (RFC 5545 / iTIP METHOD:REQUEST) for the retrospective meeting.

The UID is fixed per incident and the SEQUENCE grows with each re-schedule, so calendar
clients update the one event instead of adding another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

PRODID = "-//warroom//retrospective//EN"


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str


def event_uid(ref: str, public_url: str) -> str:
    """The same UID for every invitation to one incident's retrospective."""
    host = urlsplit(public_url).hostname or "warroom"
    return f"retrospective-{ref.lower()}@{host}"


def organizer_address(public_url: str) -> str:
    return f"warroom@{urlsplit(public_url).hostname or 'localhost'}"


def build_invitation(
    *,
    uid: str,
    sequence: int,
    stamp: datetime,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    description: str,
    organizer: str,
    attendees: Sequence[Attendee],
    location: str | None = None,
    url: str | None = None,
) -> str:
    """The .ics text of one REQUEST for the meeting."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = VEvent()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    who = vCalAddress(f"mailto:{organizer}")
    who.params["cn"] = vText("warroom")
    event.add("organizer", who)
    for person in attendees:
        address = vCalAddress(f"mailto:{person.email}")
        address.params["cn"] = vText(person.name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("TRUE")
        event.add("attendee", address)
    cal.add_component(event)
    text: str = cal.to_ical().decode()
    return text

"""On-call shifts as iCalendar (RFC 5545) with the icalendar library."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from warroom.domain.oncall import Shift


def shifts_calendar(name: str, shifts: Iterable[tuple[str, Shift]], *, now: datetime) -> bytes:
    """A calendar named `name` with one event per (schedule, shift)."""
    cal = Calendar()
    cal.add("prodid", "-//warroom//on-call//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for schedule, shift in shifts:
        event = Event()
        uid = hashlib.sha256(
            f"{schedule}|{shift.person}|{shift.start.isoformat()}".encode()
        ).hexdigest()[:24]
        event.add("uid", f"{uid}@warroom")
        event.add("summary", f"On call: {shift.person} ({schedule})")
        event.add("dtstart", shift.start)
        event.add("dtend", shift.end)
        event.add("dtstamp", now)
        event.add("description", f"{schedule} — {shift.source}")
        cal.add_component(event)
    return bytes(cal.to_ical())

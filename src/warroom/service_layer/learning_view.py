"""Read side of the learning: the retrospective meeting with its agenda, postmortem pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from warroom.adapters.repository import IncidentRepository
from warroom.domain.errors import NotFound
from warroom.domain.policy import Policy
from warroom.domain.postmortem_draft import DRAFT_KINDS
from warroom.domain.retro_agenda import retrospective_agenda
from warroom.service_layer.views import load_incident, postmortem_view


def meeting_view(session: Session, ref: str, policy: Policy) -> dict[str, Any]:
    """The scheduled retrospective, its deadline and the agenda as it reads now."""
    incident = load_incident(session, ref)
    meeting = incident.retro_meeting
    if meeting is None:
        raise NotFound("retrospective meeting", f"of {incident.ref}")
    entries = IncidentRepository(session).entries(incident.number, DRAFT_KINDS)
    return {
        "ref": incident.ref,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "duration_minutes": meeting.duration_minutes,
        "participants": list(meeting.participants),
        "location": meeting.location,
        "url": meeting.url,
        "sequence": meeting.sequence,
        "scheduled_at": meeting.scheduled_at,
        "scheduled_by": meeting.scheduled_by,
        "deadline": incident.retrospective_deadline(policy),
        "forced_reason": meeting.forced_reason,
        "agenda": retrospective_agenda(incident, entries, policy),
    }


def postmortem_page(session: Session, ref: str) -> tuple[str, str, str]:
    """(title, Markdown, a line about its state) of the internal postmortem."""
    pm = postmortem_view(session, ref)
    incident = load_incident(session, ref)
    state = str(pm["status"])
    if pm["published_at"] is not None:
        state += f", {pm['published_at']:%Y-%m-%d %H:%M} UTC"
    title = f"Postmortem {incident.ref}: {incident.summary_line}"
    return title, str(pm["body"]), f"{incident.ref} · postmortem {state}"

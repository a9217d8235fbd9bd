"""Rendering helpers shared by the incident routes."""

from __future__ import annotations

from typing import Any

from warroom import queries
from warroom.bootstrap import Warroom
from warroom.domain.incident import Incident
from warroom.service_layer.clock_views import pending_clocks
from warroom.service_layer.views import incident_view, load_incident


def incident_public(
    wr: Warroom, ref: str, whole: Incident | None = None, **extra: Any
) -> dict[str, Any]:
    """The incident as IncidentPublic, read after the command committed — or, when the
    command declared it, from the committed aggregate still `whole` in memory (the same
    values: nothing is left to load, times are kept in UTC as stored)."""
    if whole is not None:
        view = incident_view(whole, wr.policy, wr.clock.now())
    else:
        with wr.read_session() as session:
            view = incident_view(load_incident(session, ref), wr.policy, wr.clock.now())
    view.update(extra)
    return view


def incident_detail(wr: Warroom, ref: str, timeline_limit: int) -> dict[str, Any]:
    """IncidentPublic plus its timeline, from one read transaction."""
    with wr.read_session() as session:
        incident = load_incident(session, ref)
        view = incident_view(incident, wr.policy, wr.clock.now())
        conn = session.connection()
        view["clocks"] = pending_clocks(conn, incident.number)
        entries = queries.timeline(conn, incident.number, limit=timeline_limit)
        view["timeline"] = entries
        # A page that is not full is the whole timeline: no second query to count it.
        full = len(entries) >= timeline_limit
        view["timeline_count"] = (
            queries.timeline_count(conn, incident.number) if full else len(entries)
        )
    return view

"""The incident page, its live-refreshed panels, and the cheap change poll behind them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select
from starlette.responses import HTMLResponse, Response

from warroom import queries
from warroom.adapters.orm.incidents import timeline_entries
from warroom.adapters.repository import parse_ref
from warroom.bootstrap import Warroom
from warroom.domain.access import Permission
from warroom.domain.enums import EntryKind
from warroom.domain.errors import NotFound
from warroom.entrypoints.web.auth import ConsoleUser, Viewer
from warroom.entrypoints.web.render import page, warroom
from warroom.service_layer.console_view import clocks_for_view
from warroom.service_layer.views import incident_view, load_incident

router = APIRouter(include_in_schema=False)

PARTS = ("header", "roles", "timeline", "questions", "experiments", "followups")


def version(wr: Warroom, number: int) -> str:
    """Changes whenever anything is recorded on the incident (every command writes an entry)."""
    t = timeline_entries.c
    with wr.db.read.connect() as conn:
        top, count = conn.execute(
            select(func.max(t.id), func.count()).where(t.incident_id == number)
        ).one()
    return f"{top or 0}.{count}"


def incident_context(wr: Warroom, ref: str, kinds: list[str], user: ConsoleUser) -> dict[str, Any]:
    now = wr.clock.now()
    with wr.read_session() as session:
        incident = load_incident(session, ref)
        view = incident_view(incident, wr.policy)
        conn = session.connection()
        entries = queries.timeline(conn, incident.number, kinds=kinds, limit=2000)
        questions = wr.policy.questions_for(incident.stage)
    return {
        "incident": view,
        "timeline": entries,
        "kinds": kinds,
        "questions": questions,
        "clocks": clocks_for_view(view, wr.policy, now),
        "version": version(wr, parse_ref(ref)),
        "user": user,
        "can_write": user.can(Permission.WRITE),
    }


def _kinds(kind: list[str] | None) -> list[str]:
    valid = {str(k) for k in EntryKind}
    return [k for k in kind or () if k in valid]


@router.get("/incidents/{ref}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    ref: str,
    user: Viewer,
    kind: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> Response:
    wr = warroom(request)
    context = incident_context(wr, ref, _kinds(kind), user)
    return page(request, "console/incident.html", flash=None, **context)


@router.get("/incidents/{ref}/part/{name}", response_class=HTMLResponse)
def incident_part(
    request: Request,
    ref: str,
    name: str,
    user: Viewer,
    kind: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> Response:
    """One panel of the incident page, for live refreshes and the timeline filter."""
    if name not in PARTS:
        raise NotFound("panel", name)
    wr = warroom(request)
    context = incident_context(wr, ref, _kinds(kind), user)
    return page(request, f"console/incident/{name}.html", **context)


@router.get("/incidents/{ref}/poll")
def poll(request: Request, ref: str, user: Viewer, v: str = "") -> Response:
    """204 while nothing changed; otherwise a fresh poller and an `incident-changed` trigger."""
    wr = warroom(request)
    number = parse_ref(ref)
    current = version(wr, number)
    if current == v:
        return Response(status_code=204)
    if current == "0.0":
        with wr.db.read.connect() as conn:
            if not queries.incident_exists(conn, number):
                raise NotFound("incident", ref)
    return page(
        request,
        "console/incident/poller.html",
        headers={"HX-Trigger": "incident-changed"},
        incident={"ref": f"INC-{number}"},
        version=current,
    )

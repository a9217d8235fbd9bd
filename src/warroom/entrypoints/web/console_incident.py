"""The incident page, its live-refreshed panels, and the cheap change poll behind them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection, func, select
from starlette.responses import HTMLResponse, Response

from warroom import queries
from warroom.adapters.markdown import render_markdown
from warroom.adapters.orm.incidents import timeline_entries
from warroom.adapters.repository import parse_ref
from warroom.adapters.visibility import standing_on
from warroom.bootstrap import Warroom
from warroom.domain.access import Decision, Permission, decide
from warroom.domain.enums import EntryKind
from warroom.domain.errors import InvalidInput, NotFound
from warroom.entrypoints.web.auth import ConsoleUser, Viewer
from warroom.entrypoints.web.render import page, warroom
from warroom.service_layer.checklist_view import next_steps
from warroom.service_layer.console_view import clocks_for_view
from warroom.service_layer.views import incident_view, load_incident

router = APIRouter(include_in_schema=False)

# Timeline entries on the page; older ones load a page at a time ("Older entries").
TIMELINE_PAGE = 100

PARTS = (
    "header",
    "roles",
    "timeline",
    "questions",
    "experiments",
    "followups",
    "testplan",
    "postmortem",
    "steps",
)


def version(conn: Connection, number: int) -> str:
    """Changes whenever anything is recorded on the incident (every command writes an entry)."""
    t = timeline_entries.c
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
        entries, more = queries.latest_entries(
            conn, incident.number, kinds=kinds, limit=TIMELINE_PAGE
        )
        questions = wr.policy.questions_for(incident.stage)
        steps = next_steps(incident, wr.policy, user.name, now)
        standing = standing_on(conn, incident, user.principal)
        current = version(conn, incident.number)
        pm = incident.postmortem
        # Sanitised here (markdown-it js-default + nh3), so the template may print it as is.
        postmortem_html = render_markdown(pm.body) if pm is not None else None
    return {
        "incident": view,
        "postmortem_html": postmortem_html,
        # Oldest first, as the panel expects; the rest of a long one comes on request.
        "timeline": entries[::-1],
        "older": _cursor(entries) if more else None,
        "kinds": kinds,
        "questions": questions,
        # The signed-in person's live items, for the roles they hold on this incident.
        "steps": steps,
        "clocks": clocks_for_view(view, wr.policy, now),
        "version": current,
        "user": user,
        "can_write": decide(user.principal, Permission.WRITE, standing) is Decision.ALLOWED,
    }


def _cursor(newest_first: list[dict[str, Any]]) -> dict[str, Any]:
    """Where the next page of older entries starts: after the oldest one shown."""
    last = newest_first[-1]
    return {"at": last["occurred_at"], "id": last["id"]}


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


@router.get("/incidents/{ref}/timeline/older", response_class=HTMLResponse)
def older_entries(
    request: Request,
    ref: str,
    user: Viewer,
    before_at: datetime,
    before_id: int,
    kind: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> Response:
    """The page of timeline entries before (`before_at`, `before_id`), newest first, as list
    items to put in place of the "Older entries" button, with the next button if any."""
    if before_at.tzinfo is None:
        raise InvalidInput("before_at", "needs a time zone, e.g. 2026-11-01T00:00:00Z")
    wr = warroom(request)
    number = parse_ref(ref)
    kinds = _kinds(kind)
    with wr.db.read.connect() as conn:
        if not queries.incident_exists(conn, number):
            raise NotFound("incident", ref)
        entries, more = queries.latest_entries(
            conn, number, kinds=kinds, limit=TIMELINE_PAGE, before=(before_at, before_id)
        )
    return page(
        request,
        "console/incident/older.html",
        incident={"ref": f"INC-{number}"},
        entries=entries,
        kinds=kinds,
        older=_cursor(entries) if more else None,
    )


@router.get("/incidents/{ref}/poll")
def poll(request: Request, ref: str, user: Viewer, v: str = "") -> Response:
    """204 while nothing changed; otherwise a fresh poller and an `incident-changed` trigger."""
    wr = warroom(request)
    number = parse_ref(ref)
    with wr.db.read.connect() as conn:
        current = version(conn, number)
        if current == v:
            return Response(status_code=204)
        if current == "0.0" and not queries.incident_exists(conn, number):
            raise NotFound("incident", ref)
    return page(
        request,
        "console/incident/poller.html",
        headers={"HX-Trigger": "incident-changed"},
        incident={"ref": f"INC-{number}"},
        version=current,
    )

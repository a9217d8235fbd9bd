"""Members of an incident in the console: who sees a restricted incident besides its role
holders and admins. Adding and removing are the API's `AddMember` / `RemoveMember`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from warroom import queries
from warroom.adapters.visibility import incident_access
from warroom.domain.access import Decision, Permission, decide
from warroom.domain.commands import Command
from warroom.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from warroom.domain.member_commands import AddMember, RemoveMember
from warroom.entrypoints.web import forms
from warroom.entrypoints.web.auth import ConsoleUser, Responder, Viewer
from warroom.entrypoints.web.render import handle, page, warroom
from warroom.service_layer.views import load_incident

router = APIRouter(include_in_schema=False)


def _context(request: Request, ref: str, user: ConsoleUser) -> dict[str, Any]:
    wr = warroom(request)
    with wr.read_session() as session:
        incident = load_incident(session, ref)
        conn = session.connection()
        standing = incident_access(conn, incident.number, user.principal)
        members = queries.incident_members(conn, incident.number)
    return {
        "ref": incident.ref,
        "visibility": str(incident.visibility),
        "title": incident.summary_line,
        "members": members,
        "can_write": decide(user.principal, Permission.WRITE, standing) is Decision.ALLOWED,
    }


def _page(
    request: Request,
    ref: str,
    user: ConsoleUser,
    *,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "console/members.html",
        status_code=status_code,
        user=user,
        error=error,
        done=request.query_params.get("done"),
        **_context(request, ref, user),
    )


@router.get("/incidents/{ref}/members", response_class=HTMLResponse)
async def members_page(request: Request, ref: str, user: Viewer) -> Response:
    return await run_in_threadpool(_page, request, ref, user)


async def _change(request: Request, ref: str, user: ConsoleUser, adding: bool) -> Response:
    form = await request.form()
    try:
        person = forms.text(form, "person", required=True, limit=100)
        command: Command = (
            AddMember(ref=ref, person=person, by=user.name)
            if adding
            else RemoveMember(ref=ref, person=person, by=user.name)
        )
        await handle(request, command)
    except DomainError as exc:
        status = 422
        if isinstance(exc, NotFound | RuleViolation):
            status = 404 if isinstance(exc, NotFound) else 409
        field = exc.field if isinstance(exc, InvalidInput) else None
        error = {"field": field, "message": exc.message}
        return await run_in_threadpool(
            lambda: _page(request, ref, user, error=error, status_code=status)
        )
    done = f"{person} {'added' if adding else 'removed'}."
    return RedirectResponse(f"/incidents/{ref}/members?done={quote(done)}", status_code=303)


@router.post("/incidents/{ref}/members")
async def add_member(request: Request, ref: str, user: Responder) -> Response:
    return await _change(request, ref, user, adding=True)


@router.post("/incidents/{ref}/members/remove")
async def remove_member(request: Request, ref: str, user: Responder) -> Response:
    return await _change(request, ref, user, adding=False)

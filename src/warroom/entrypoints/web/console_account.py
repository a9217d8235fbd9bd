"""The signed-in user's own page: their console sessions, and ending the others."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from warroom.entrypoints.web.auth import Viewer, sessions_of
from warroom.entrypoints.web.render import page, warroom

router = APIRouter(include_in_schema=False)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: Viewer, ended: int | None = None) -> Response:
    wr = warroom(request)
    user_id = user.principal.user_id
    found = wr.sessions.list(user_id=user_id, now=wr.clock.now()) if user_id is not None else []
    return page(request, "console/account.html", user=user, sessions=found, ended=ended)


@router.post("/account/sessions/end-others")
async def end_other_sessions(request: Request, user: Viewer) -> Response:
    """Sign out everywhere else: every other session of this user ends now."""
    wr = warroom(request)
    ended = 0
    if user.principal.user_id is not None:
        ended = await run_in_threadpool(
            wr.sessions.end_for_user,
            user.principal.user_id,
            wr.clock.now(),
            keep=user.session_id,
        )
        sessions_of(request).forget()
    return RedirectResponse(f"/account?ended={ended}", status_code=303)

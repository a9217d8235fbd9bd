"""Mounts the console and the status page on the application."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from itsdangerous import URLSafeTimedSerializer
from markupsafe import escape
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from warroom.bootstrap import Warroom
from warroom.domain.access import Permission
from warroom.domain.enums import (
    FREE_ENTRY_KINDS,
    Audience,
    EntryKind,
    ExperimentStatus,
    FollowUpKind,
    RoleName,
    Stage,
    Visibility,
)
from warroom.domain.errors import DomainError, NotFound
from warroom.entrypoints.web import (
    console_account,
    console_actions,
    console_admin,
    console_incident,
    console_matrix,
    console_members,
    console_metrics,
    console_pages,
    console_postmortem,
    sso,
    status_forms,
)
from warroom.entrypoints.web.auth import CsrfFailed, Forbidden, LoginRequired, Sessions
from warroom.entrypoints.web.render import is_htmx, page
from warroom.entrypoints.web.status_render import StatusRenderer
from warroom.entrypoints.web.status_serve import StatusPageMiddleware
from warroom.entrypoints.web.templating import make_environment

ROUTERS = (
    console_pages.router,
    console_account.router,
    console_admin.router,
    console_members.router,
    console_incident.router,
    console_actions.router,
    sso.router,
    console_metrics.router,
    console_postmortem.router,
    console_matrix.router,
)


def _globals() -> dict[str, Any]:
    return {
        "ROLE_NAMES": [str(r) for r in RoleName],
        "FREE_KINDS": sorted(str(k) for k in FREE_ENTRY_KINDS),
        "ENTRY_KINDS": [str(k) for k in EntryKind],
        "FOLLOWUP_KINDS": [str(k) for k in FollowUpKind],
        "OUTCOMES": [str(s) for s in ExperimentStatus if s is not ExperimentStatus.RUNNING],
        "AUDIENCES": [str(a) for a in Audience],
        "STAGES": [str(s) for s in Stage],
        "VISIBILITIES": [str(v) for v in Visibility],
        "WRITE": Permission.WRITE,
        "ADMIN": Permission.ADMIN,
    }


def _console_path(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(("/api/", "/v2/", "/metrics", "/healthz"))


def install_web(app: FastAPI, wr: Warroom) -> None:
    """Add the console at / and the status page at /status/ to `app`."""
    env = make_environment()
    env.globals.update(_globals())
    names = [s.name for s in wr.policy.severities]
    env.globals["sev_rank"] = lambda name: names.index(name) if name in names else len(names)
    secret = wr.settings.require_secret_key()
    app.state.templates = env
    app.state.console_sessions = Sessions(wr, secret)
    app.state.sso_client = sso.sso_client(wr)
    app.state.sso_signer = URLSafeTimedSerializer(secret, salt="warroom.console.sso")
    app.state.subscription_signer = URLSafeTimedSerializer(secret, salt="warroom.status.subscribe")
    renderer = StatusRenderer(wr, env, subscribe_enabled="email" in wr.notifiers)
    app.state.status_renderer = renderer
    wr.listeners.append(renderer.on_event)
    for router in (*ROUTERS, status_forms.router):
        app.include_router(router)
    static = resources.files("warroom") / "entrypoints" / "web" / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    _install_errors(app)
    app.add_middleware(StatusPageMiddleware, renderer=renderer)


def _install_errors(app: FastAPI) -> None:
    api_domain = app.exception_handlers.get(DomainError)

    async def login_required(request: Request, exc: Exception) -> Response:
        target = "/login?next=" + request.url.path
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        message = exc.message if isinstance(exc, Forbidden) else str(exc)
        return _error_page(request, 403, "Not allowed", message)

    async def csrf_failed(request: Request, exc: Exception) -> Response:
        return _error_page(
            request,
            403,
            "Form expired",
            "The form was missing its security token; reload the page.",
        )

    async def domain(request: Request, exc: Exception) -> Response:
        if not _console_path(request) and api_domain is not None:
            return await api_domain(request, exc)  # type: ignore[no-any-return,misc]
        assert isinstance(exc, DomainError)
        status = 404 if isinstance(exc, NotFound) else 422
        return _error_page(
            request, status, "Not found" if status == 404 else "Refused", exc.message
        )

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(CsrfFailed, csrf_failed)
    app.add_exception_handler(DomainError, domain)


def _error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    if is_htmx(request):
        return HTMLResponse(
            f'<p class="flash error" role="alert">{escape(message)}</p>', status_code=status
        )
    return page(request, "console/error.html", status_code=status, title=title, message=message)

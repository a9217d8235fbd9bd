"""Console pages: sign in and out, the incident list, and declaring an incident."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from warroom import queries
from warroom.domain import commands
from warroom.domain.access import Principal
from warroom.domain.enums import Stage, Visibility
from warroom.domain.errors import DomainError, DuplicateSuspected, InvalidInput
from warroom.domain.policy import ClassificationRule
from warroom.entrypoints.web import forms
from warroom.entrypoints.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Responder,
    Viewer,
    sessions_of,
)
from warroom.entrypoints.web.render import handle, macro, page, warroom
from warroom.service_layer.console_view import clocks_for_row

router = APIRouter(include_in_schema=False)


# -- sign in / out --------------------------------------------------------------------------------


def safe_next(value: str | None) -> str:
    # Only paths on this site: never an open redirect.
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return "/"


def _login_page(request: Request, error: str | None, status_code: int, next_url: str) -> Response:
    sessions = sessions_of(request)
    token = sessions.login_csrf()
    response = page(
        request,
        "console/login.html",
        status_code=status_code,
        csrf=token,
        error=error,
        next_url=next_url,
        user=None,
        sso=warroom(request).settings.oidc_issuer is not None,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **sessions.cookie_args())
    return response


async def login_failed(
    request: Request, error: str, status_code: int, next_url: str, *, handle: str = ""
) -> Response:
    """The sign-in page again, saying why; the refusal is recorded in the audit log."""
    users = warroom(request).users
    await run_in_threadpool(users.sign_in_refused, handle, error, method="sso")
    return _login_page(request, error, status_code, next_url)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, None, 200, safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    sessions = sessions_of(request)
    next_url = safe_next(forms.text(form, "next", limit=2000))
    if not sessions.check_login_csrf(
        request.cookies.get(LOGIN_CSRF_COOKIE), forms.text(form, "csrf", limit=500)
    ):
        return _login_page(request, "The form expired; please sign in again.", 403, next_url)
    token = forms.text(form, "token", limit=500)
    wr = warroom(request)
    if token:
        principal = await run_in_threadpool(wr.tokens.verify, token, wr.clock.now())
        if principal is None:
            reason = "That token is unknown, expired or revoked."
            await run_in_threadpool(wr.users.sign_in_refused, "", reason, method="token")
            return _login_page(request, reason, 401, next_url)
        return await begin_session(request, principal, next_url)
    # Taken as typed (passwords may have spaces); the store bounds their length.
    handle, password = form.get("handle"), form.get("password")
    handle = handle[:200] if isinstance(handle, str) else ""
    password = password if isinstance(password, str) else ""
    user = await run_in_threadpool(wr.users.authenticate, handle, password, wr.clock.now())
    if user is None:
        # One message for an unknown user, a wrong password and a disabled user.
        return _login_page(request, "Wrong user name or password.", 401, next_url)
    return await begin_session(
        request, Principal(name=user.handle, role=user.role, user_id=user.id), next_url
    )


async def begin_session(request: Request, principal: Principal, next_url: str) -> Response:
    """Answer a successful sign-in: a fresh session cookie, then on to `next_url`."""
    sessions = sessions_of(request)
    response = RedirectResponse(next_url, status_code=303)
    cookie = await run_in_threadpool(
        lambda: sessions.issue(
            principal,
            client_ip=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
        )
    )
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, **sessions.cookie_args())
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, user: Viewer) -> Response:
    await run_in_threadpool(sessions_of(request).end, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- the incident list ----------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def incident_list(
    request: Request,
    user: Viewer,
    status: str = "open",
    severity: Annotated[list[str] | None, Query(max_length=20)] = None,
    stage: Annotated[list[str] | None, Query(max_length=10)] = None,
    service: Annotated[str | None, Query(max_length=100)] = None,
    mine: bool = False,
) -> Response:
    wr = warroom(request)
    status = status if status in {"open", "closed", "all"} else "open"
    known = {s.name for s in wr.policy.severities}
    severities = [s for s in severity or () if s in known]
    stages = [s for s in stage or () if s in set(Stage)]
    filters = queries.IncidentFilter(
        status=status,
        severities=severities,
        stages=stages,
        service=(service or "").strip() or None,
        person=user.name if mine else None,
        principal=user.principal,
    )
    with wr.db.read.connect() as conn:
        listing = queries.list_incidents(conn, filters, limit=200)
    now = wr.clock.now()
    for row in listing["data"]:
        row["clocks"] = clocks_for_row(row, wr.policy, now)
    chosen: dict[str, Any] = {
        "status": status,
        "severity": severities,
        "stage": stages,
        "service": filters.service or "",
        "mine": mine,
    }
    template = (
        "console/list_rows.html"
        if request.headers.get("hx-target") == "incidents"
        else ("console/list.html")
    )
    return page(request, template, user=user, listing=listing, chosen=chosen)


# -- declaring ------------------------------------------------------------------------------------


def _declare_values(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _suggested(request: Request, values: dict[str, Any]) -> ClassificationRule | None:
    """What the policy suggests for the values entered so far."""
    try:
        customers = max(0, int(values.get("customers_affected") or 0))
    except ValueError:
        customers = 0
    services = [s for s in str(values.get("services", "")).split(",") if s.strip()]
    return warroom(request).policy.classify(
        customers=customers,
        services=len(services),
        whole_service=values.get("whole_service") in {"on", "1", "true"},
    )


@router.get("/declare", response_class=HTMLResponse)
def declare_form(request: Request, user: Responder) -> Response:
    return page(
        request,
        "console/declare.html",
        user=user,
        values={},
        error=None,
        duplicates=None,
        rule=None,
    )


@router.get("/declare/classify", response_class=HTMLResponse)
def classify(
    request: Request,
    user: Viewer,
    customers_affected: str = "",
    whole_service: str = "",
    services: str = "",
    severity: str = "",
) -> Response:
    """The policy's suggestion for what is entered so far (live, as the fields change)."""
    rule = _suggested(
        request,
        {
            "customers_affected": customers_affected,
            "whole_service": whole_service,
            "services": services,
        },
    )
    html = macro(request, "console/forms.html", "suggestion", rule, severity)
    return HTMLResponse(html)


@router.post("/declare")
async def declare(request: Request, user: Responder) -> Response:
    form = await request.form()
    values = _declare_values(form)
    try:
        command = commands.DeclareIncident(
            title=forms.text(form, "title", required=True, limit=200),
            severity=forms.optional(form, "severity", limit=100),
            by=user.name,
            functionality=forms.optional(form, "functionality", limit=100),
            state=forms.optional(form, "state", limit=100),
            audience=forms.optional(form, "audience", limit=100),
            summary=forms.text(form, "summary"),
            services=forms.names(form, "services"),
            customers_affected=forms.integer(form, "customers_affected"),
            whole_service=forms.checkbox(form, "whole_service"),
            visibility=forms.choice(form, "visibility", Visibility, default=None)
            if forms.text(form, "visibility")
            else None,
            drill=forms.checkbox(form, "drill"),
            occurred_at=forms.moment(form, "occurred_at"),
            detected_at=forms.moment(form, "detected_at"),
            force=forms.checkbox(form, "force"),
            by_admin=user.principal.is_admin,
        )
        result = await handle(request, command)
    except DuplicateSuspected as exc:
        return page(
            request,
            "console/declare.html",
            status_code=409,
            user=user,
            values=values,
            error=None,
            duplicates=exc.candidates,
            rule=_suggested(request, values),
        )
    except DomainError as exc:
        field = exc.field if isinstance(exc, InvalidInput) else None
        return page(
            request,
            "console/declare.html",
            status_code=422,
            user=user,
            values=values,
            error={"field": field, "message": exc.message},
            duplicates=None,
            rule=_suggested(request, values),
        )
    return RedirectResponse(f"/incidents/{result['ref']}", status_code=303)

"""The status page's forms: subscribe (double opt-in), confirm, one-click unsubscribe."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.responses import HTMLResponse, RedirectResponse, Response

from warroom.domain.errors import DomainError, InvalidInput
from warroom.domain.status_commands import ConfirmSubscription, RequestSubscription, Unsubscribe
from warroom.entrypoints.web import forms
from warroom.entrypoints.web.render import handle, page, warroom

router = APIRouter(include_in_schema=False)

CONFIRM_SECONDS = 7 * 24 * 3600
# As the admin API's status components (status_schemas): names of at most 100 characters,
# at most 100 of them.
MAX_COMPONENTS = 100
MAX_COMPONENT_NAME = 100


def signer(request: Request) -> URLSafeTimedSerializer:
    s: URLSafeTimedSerializer = request.app.state.subscription_signer
    return s


def _components(request: Request) -> list[str]:
    renderer = request.app.state.status_renderer
    names: list[str] = renderer.component_names
    return names


def _subscribe_page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("error", None)
    context.setdefault("values", {})
    context.setdefault("done", None)
    enabled = "email" in warroom(request).notifiers
    return page(
        request,
        "status/subscribe.html",
        status_code=status_code,
        components=_components(request),
        enabled=enabled,
        root="./",
        page_name=warroom(request).settings.status_page_name,
        **context,
    )


@router.get("/status", include_in_schema=False)
def status_root() -> Response:
    return RedirectResponse("/status/", status_code=301)


@router.get("/status/subscribe", response_class=HTMLResponse)
def subscribe_form(request: Request) -> Response:
    request.app.state.status_renderer.ensure()  # the component list comes from the page
    return _subscribe_page(request)


def _chosen_components(values: list[Any]) -> tuple[str, ...]:
    chosen = tuple(v for v in values if isinstance(v, str))
    if len(chosen) > MAX_COMPONENTS:
        raise InvalidInput(
            "components", f"choose at most {MAX_COMPONENTS} components ({len(chosen)} chosen)"
        )
    if any(len(name) > MAX_COMPONENT_NAME for name in chosen):
        raise InvalidInput(
            "components", f"a component name is longer than {MAX_COMPONENT_NAME} characters"
        )
    return chosen


@router.post("/status/subscribe", response_class=HTMLResponse)
async def subscribe(request: Request) -> Response:
    form = await request.form()
    values = {"email": forms.text(form, "email", limit=400)}
    try:
        email = forms.text(form, "email", required=True, limit=320)
        chosen = _chosen_components(form.getlist("components"))
        token = signer(request).dumps({"e": email.lower(), "c": list(chosen)})
        base = warroom(request).settings.base_url
        await handle(
            request,
            RequestSubscription(
                email=email,
                components=chosen,
                confirm_url=f"{base}/status/subscribe/confirm?token={token}",
            ),
        )
    except DomainError as exc:
        field = exc.field if isinstance(exc, InvalidInput) else None
        return _subscribe_page(
            request, 422, error={"field": field, "message": exc.message}, values=values
        )
    return _subscribe_page(request, done="requested", values=values)


@router.get("/status/subscribe/confirm", response_class=HTMLResponse)
async def confirm(request: Request, token: str = "") -> Response:
    try:
        data = signer(request).loads(token[:4000], max_age=CONFIRM_SECONDS)
    except SignatureExpired:
        return _subscribe_page(
            request,
            400,
            error={"field": None, "message": "That link has expired; subscribe again."},
        )
    except BadSignature:
        return _subscribe_page(
            request, 400, error={"field": None, "message": "That link is not valid."}
        )
    await handle(request, ConfirmSubscription(email=data["e"], components=tuple(data["c"])))
    return _subscribe_page(request, done="confirmed", values={"email": data["e"]})


@router.get("/status/unsubscribe", response_class=HTMLResponse)
def unsubscribe_form(request: Request, token: str = "") -> Response:
    """A page with one button: mail scanners that follow links do not unsubscribe anyone."""
    return _subscribe_page(request, done="unsubscribe-ask", token=token[:200])


@router.post("/status/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(request: Request, token: str = "") -> Response:
    """One-click unsubscribe (RFC 8058): the token in the URL, no session, no CSRF token."""
    if not token:
        form = await request.form()
        token = forms.text(form, "token", limit=200)
    result = await handle(request, Unsubscribe(token=token))
    done = "unsubscribed" if result["unsubscribed"] else "unknown"
    return _subscribe_page(request, done=done)

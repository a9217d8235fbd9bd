"""Rendering helpers for the console: templates, commands run off the event loop."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from warroom.bootstrap import Warroom
from warroom.domain.commands import Command


def warroom(request: Request) -> Warroom:
    wr: Warroom = request.app.state.warroom
    return wr


def env(request: Request) -> Environment:
    templates: Environment = request.app.state.templates
    return templates


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def page(
    request: Request,
    template: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    wr = warroom(request)
    body = (
        env(request)
        .get_template(template)
        .render(request=request, policy=wr.policy, now=wr.clock.now(), **context)
    )
    return HTMLResponse(body, status_code=status_code, headers=headers)


def macro(request: Request, template: str, name: str, *args: Any, **kwargs: Any) -> str:
    """Render one macro of a template (a form or a panel) on its own."""
    wr = warroom(request)
    module = (
        env(request)
        .get_template(template)
        .make_module({"request": request, "policy": wr.policy, "now": wr.clock.now()})
    )
    return str(getattr(module, name)(*args, **kwargs))


async def handle(request: Request, command: Command) -> Any:
    """Run `command` through the bus (the same path as the API) in a worker thread."""
    return await run_in_threadpool(warroom(request).bus.handle, command)

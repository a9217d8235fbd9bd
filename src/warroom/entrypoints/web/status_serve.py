"""An ASGI middleware answering GET/HEAD for the status page straight from memory."""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from warroom.entrypoints.web.status_render import Resource, StatusRenderer

PREFIX = "/status/"
CACHE_CONTROL = b"public, max-age=5, stale-while-revalidate=30, stale-if-error=86400"


class StatusPageMiddleware:
    """Serves rendered bytes with ETag and Cache-Control; never touches the database.

    Anything it does not hold (forms, unknown paths) goes on to the application.
    """

    def __init__(self, app: ASGIApp, renderer: StatusRenderer) -> None:
        self.app = app
        self.renderer = renderer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not path.startswith(PREFIX)
            or scope["method"] not in ("GET", "HEAD")
        ):
            await self.app(scope, receive, send)
            return
        renderer = self.renderer
        if renderer.resources is None:
            await anyio.to_thread.run_sync(renderer.ensure)
        elif renderer.behind:
            # A change committed here: show it (readers expect their own writes), but do
            # not wait long if the database is slow; the old bytes are still good.
            await anyio.to_thread.run_sync(renderer.wait_fresh, 2.0)
        elif renderer.expired:
            renderer.kick()
        resources = renderer.resources
        if resources is None:
            await _unavailable(send)
            return
        found = resources.get(path[len(PREFIX) :])
        if found is None:
            await self.app(scope, receive, send)
            return
        await _respond(scope, send, found)


async def _respond(scope: Scope, send: Send, res: Resource) -> None:
    headers = [
        (b"etag", res.etag),
        (b"cache-control", CACHE_CONTROL),
    ]
    if res.content_type.startswith(b"application/json"):
        headers.append((b"access-control-allow-origin", b"*"))
    for name, value in scope["headers"]:
        if name == b"if-none-match" and res.etag in value:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
    headers += [
        (b"content-type", res.content_type),
        (b"content-length", str(len(res.body)).encode()),
    ]
    body = b"" if scope["method"] == "HEAD" else res.body
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _unavailable(send: Send) -> None:
    body = b"The status page is starting; try again in a few seconds.\n"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"retry-after", b"5"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

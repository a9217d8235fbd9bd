"""A fast lane for alert intake: POSTs to the intake endpoints are answered by the same
handlers as the documented routes, but without going through the routing table, the
dependency machinery and the middleware stack of the rest of the API (on this hot path
that overhead is most of the cost of a request).

Everything else passes through untouched. The body limit still applies (413).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.entrypoints.api.problems import problem

log = structlog.get_logger(__name__)

Handler = Callable[[Request], Awaitable[Response]]


class IntakeLane:
    def __init__(self, app: ASGIApp, *, routes: Mapping[str, Handler], max_bytes: int) -> None:
        self.app = app
        self.routes = routes
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        handler = self.routes.get(scope["path"])
        if handler is None:
            await self.app(scope, receive, send)
            return
        body = await self._body(receive)
        if body is None:
            detail = f"the request body exceeds {self.max_bytes} bytes"
            response = problem(
                413, "request-too-large", "Request too large", detail, instance=scope["path"]
            )
        else:
            response = await self._answer(handler, scope, body)
        await response(scope, receive, send)

    async def _body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message: Message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _answer(self, handler: Handler, scope: Scope, body: bytes) -> Response:
        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            return await handler(Request(scope, replay))
        except Exception:  # the same answer the API gives for anything unexpected
            log.exception("unhandled_error", path=scope["path"])
            return problem(
                500,
                "internal-error",
                "Internal error",
                "an unexpected error occurred; it has been logged",
                instance=scope["path"],
            )

"""An ASGI middleware that refuses request bodies over the size limit with 413."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.entrypoints.api.problems import MEDIA_TYPE
from warroom.entrypoints.api.responses import dumps

# Every path segment (an incident reference, a name, an id) is at most this long, for
# every route at once: refused here with 414, and documented in the OpenAPI schema.
PATH_SEGMENT_MAX = 200
# A row id in a path is at most what a 64-bit integer column holds: a larger one would
# overflow the database driver (a 500), so it is refused with 422 instead. (The numbers of
# an incident's steps, customers, follow-ups are looked up in the incident: 404.)
ID_MAX = 2**63 - 1
Id = Annotated[int, Path(ge=0, le=ID_MAX)]


class BodyTooLarge(Exception):
    pass


def document_path_limits(app: FastAPI) -> None:
    """Add `maxLength` to every string path parameter of the OpenAPI schema that has none."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = plain()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for param in operation.get("parameters", []):
                    if param.get("in") != "path":
                        continue
                    spec = param.get("schema", {})
                    if spec.get("type") == "string" and "maxLength" not in spec:
                        spec["maxLength"] = PATH_SEGMENT_MAX
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if any(len(part) > PATH_SEGMENT_MAX for part in scope.get("path", "").split("/")):
            await self._refuse(
                scope,
                send,
                414,
                "URI too long",
                f"a path segment is longer than {PATH_SEGMENT_MAX} characters",
            )
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(
        self,
        scope: Scope,
        send: Send,
        status: int = 413,
        title: str = "Request too large",
        detail: str | None = None,
    ) -> None:
        body = dumps(
            {
                "type": "urn:warroom:problem:"
                + ("request-too-large" if status == 413 else "uri-too-long"),
                "title": title,
                "status": status,
                "detail": detail or f"the request body exceeds {self.max_bytes} bytes",
                "instance": scope.get("path", "")[:300],
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

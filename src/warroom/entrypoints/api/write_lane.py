"""A fast lane for the hottest write, `POST /api/v1/incidents/{ref}/timeline`: during an
incident every responder's finding lands here, several at a time. A request whose token is
in the token cache and may write, whose body is plainly valid JSON of the documented shape,
and which carries no `Idempotency-Key`, is run here through the same function as the
documented route (`routes.record.write_entry`), without the routing table, the dependency
machinery and the middleware stack of the rest of the app (on this path they cost more than
the command itself). On SQLite the write runs on the event loop in its turn for the write
slot (`deps.run_write`), elsewhere in the thread pool.

The caller is checked with the same `authorize` as every route and named to the audit log
the same way; the domain's refusals get the same problem details (`problems.domain_problem`).
Anything else — an uncached token, a body the model refuses, an idempotency key, a query
string, a chunked or oversized body — is passed on untouched (the body already read is
replayed), and the documented route answers it. The schema stays documented there.
"""

from __future__ import annotations

import re

import structlog
from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.adapters.db import SlotBusy
from warroom.bootstrap import Warroom
from warroom.domain.access import Permission, Principal
from warroom.domain.errors import DomainError
from warroom.entrypoints.api import problems, schemas
from warroom.entrypoints.api.deps import TokenCache, cached_bearer, run_write
from warroom.entrypoints.api.limits import PATH_SEGMENT_MAX
from warroom.entrypoints.api.routes.record import write_entry
from warroom.entrypoints.authorize import AccessDenied, authorize
from warroom.service_layer import audit

log = structlog.get_logger(__name__)

PATH = re.compile(rf"/api/v1/incidents/([^/]{{1,{PATH_SEGMENT_MAX}}})/timeline")
_JSON = (b"application/json", b"application/json; charset=utf-8")


class WriteLane:
    def __init__(self, app: ASGIApp, *, wr: Warroom, tokens: TokenCache, max_bytes: int) -> None:
        self.app = app
        self.wr = wr
        self.tokens = tokens
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = None
        if scope["type"] == "http" and scope["method"] == "POST" and not scope["query_string"]:
            match = PATH.fullmatch(scope["path"])
        writer = self._writer(scope) if match is not None else None
        if match is None or writer is None:
            await self.app(scope, receive, send)
            return
        principal, length = writer
        body, complete = await self._body(receive, length)
        entry = None
        if complete:
            try:
                entry = schemas.TimelineEntryCreate.model_validate_json(body)
            except ValidationError:
                entry = None
        if entry is None:
            await self.app(scope, _replay(body, not complete, receive), send)
            return
        audit.identify(principal.name, str(principal.role))
        response = await run_write(self.wr, self._write, principal, match.group(1), entry, scope)
        await response(scope, receive, send)

    def _writer(self, scope: Scope) -> tuple[Principal, int] | None:
        """The caller and the body's length, if this request is one the lane may answer."""
        principal: Principal | None = None
        length = -1
        json = False
        for name, value in scope["headers"]:
            if name == b"authorization":
                principal = cached_bearer(value, self.tokens, Permission.WRITE)
                if principal is None:
                    return None
            elif name == b"content-length":
                if not value.isdigit():
                    return None
                length = int(value)
            elif name == b"content-type":
                json = value.lower() in _JSON
            elif name in (b"idempotency-key", b"transfer-encoding"):
                return None
        if principal is None or not json or not 0 < length <= self.max_bytes:
            return None
        return principal, length

    async def _body(self, receive: Receive, length: int) -> tuple[bytes, bool]:
        """What was read of the body, and whether that is all of it: a body longer than
        announced, or a client gone before the end, is left to the route."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message: Message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), False
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True
            if size >= length:
                return b"".join(chunks), False

    def _write(
        self, principal: Principal, ref: str, entry: schemas.TimelineEntryCreate, scope: Scope
    ) -> Response:
        path = scope["path"]
        try:
            authorize(self.wr, principal, Permission.WRITE, {"ref": ref})
            return write_entry(self.wr, ref, entry, principal, None)
        except SlotBusy:  # taken ahead on the event loop: `run_write` goes to a thread
            raise
        except DomainError as exc:
            return problems.domain_problem(exc, path)
        except AccessDenied as exc:
            return problems.http_problem(403, exc.message, path)
        except Exception:  # the same answer the API gives for anything unexpected
            log.exception("unhandled_error", path=path)
            return problems.internal_error(path)


def _replay(body: bytes, more: bool, receive: Receive) -> Receive:
    """A receive that gives the body already read again, then the rest from `receive`."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": more}

    return replay

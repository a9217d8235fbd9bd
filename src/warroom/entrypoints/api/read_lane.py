"""A fast lane for the hottest read, `GET /api/v1/incidents`: a request whose token is in
the token cache and whose query parameters are plainly valid is answered from
`queries.list_incidents` here, without the routing table, the dependency machinery and the
parameter validation of the documented route (on this path they cost twice the query).

Pages are kept in memory with the database's data version (`adapters/data_version.py`)
they were read at: while nothing has committed anywhere, the same request is answered with
the same bytes; after any commit, from any process, the page is read again.

Anything else — an unknown or uncached token, a parameter the route would refuse or that
this parser is unsure of, an error — passes through to the documented route, which gives
the same answer or the problem details. The response schema stays documented there.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from warroom import queries
from warroom.adapters.data_version import DataVersion
from warroom.bootstrap import Warroom
from warroom.domain.access import Permission, Principal
from warroom.domain.enums import Stage
from warroom.entrypoints.api.deps import TokenCache, cached_bearer
from warroom.entrypoints.api.responses import dumps

PATH = "/api/v1/incidents"
_SINGLE = {"status", "service", "person", "drill", "limit", "offset"}
_STAGES = {s.value for s in Stage}
_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def parse_list_query(query: str) -> tuple[queries.IncidentFilter, int, int] | None:
    """The filter, limit and offset of a list request, or None to let the route decide."""
    single: dict[str, str] = {}
    severities: list[str] = []
    stages: list[str] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in _SINGLE:
            if key in single:
                return None
            single[key] = value
        elif key == "severity":
            severities.append(value)
        elif key == "stage" and value in _STAGES:
            stages.append(value)
        else:
            return None
    status = single.get("status", "all")
    limit, offset = single.get("limit", "50"), single.get("offset", "0")
    drill = single.get("drill")
    if (
        status not in ("open", "closed", "all")
        or len(severities) > 20
        or len(stages) > 10
        or any(len(single.get(k, "")) > 100 for k in ("service", "person"))
        or (drill is not None and drill.lower() not in _BOOLS)
        or not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= 500)
        or not (offset.isascii() and offset.isdigit() and int(offset) <= 10_000_000)
    ):
        return None
    filters = queries.IncidentFilter(
        status=status,
        severities=severities,
        stages=stages,
        service=single.get("service"),
        person=single.get("person"),
        drill=None if drill is None else _BOOLS[drill.lower()],
    )
    return filters, int(limit), int(offset)


class ReadLane:
    def __init__(
        self, app: ASGIApp, *, wr: Warroom, tokens: TokenCache, max_pages: int = 256
    ) -> None:
        self.app = app
        self.wr = wr
        self.tokens = tokens
        self.version = DataVersion(wr.db.read)
        self.remote = not wr.db.is_sqlite
        self.max_pages = max_pages
        self._pages: dict[str, tuple[Any, bytes]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = None
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == PATH:
            body = await self._list(scope)
        if body is None:
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _reader(self, scope: Scope) -> Principal | None:
        """The caller, if its token is cached and may read; else None (the route decides)."""
        for name, value in scope["headers"]:
            if name == b"authorization":
                return cached_bearer(value, self.tokens, Permission.READ)
        return None

    async def _list(self, scope: Scope) -> bytes | None:
        principal = self._reader(scope)
        if principal is None:
            return None
        query = scope["query_string"].decode("latin-1")
        parsed = parse_list_query(query)
        if parsed is None:
            return None
        filters, limit, offset = parsed
        parsed = (replace(filters, principal=principal), limit, offset)
        # Restricted incidents make the page depend on who asks: an admin sees all, anyone
        # else what they are a member of, so pages are kept per admin-or-name.
        query = f"{'*' if principal.is_admin else principal.name}\0{query}"
        if self.remote:
            # PostgreSQL: four round trips; in a thread, waiting requests overlap.
            return await run_in_threadpool(self._page, query, parsed)
        # SQLite: CPU only, fastest inline (a thread hop costs more than a cached page).
        return self._page(query, parsed)

    def _page(self, query: str, parsed: tuple[queries.IncidentFilter, int, int]) -> bytes | None:
        filters, limit, offset = parsed
        try:
            # The version is read before the page: a commit in between only costs a re-read.
            version = self.version.current()
            hit = self._pages.get(query)
            if hit is not None and version is not None and hit[0] == version:
                return hit[1]
            with self.wr.db.read.connect() as conn:
                page = queries.list_incidents(conn, filters, limit=limit, offset=offset)
        except Exception:  # the documented route gives the error its problem details
            return None
        body = dumps(page)
        if version is not None:
            if len(self._pages) >= self.max_pages:
                self._pages.clear()
            self._pages[query] = (version, body)
        return body

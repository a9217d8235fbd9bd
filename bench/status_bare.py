"""The reference: a bare Starlette app answering with the same bytes the status page serves.

Run by bench/run_status.py as `uvicorn bench.status_bare:app`; WARROOM_BENCH_EXPORT names
the exported copy whose bytes it returns.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_ROOT = Path(os.environ.get("WARROOM_BENCH_EXPORT", "."))
_FILES = {
    "/status/": (_ROOT / "index.html", "text/html; charset=utf-8"),
    "/status/api/v2/summary.json": (_ROOT / "api" / "v2" / "summary.json", "application/json"),
}
_BODIES = {
    path: (file.read_bytes(), kind) for path, (file, kind) in _FILES.items() if file.exists()
}


def _handler(path: str):  # type: ignore[no-untyped-def]
    body, kind = _BODIES[path]
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'

    async def endpoint(request: Request) -> Response:
        return Response(
            body,
            media_type=kind,
            headers={"etag": etag, "cache-control": "public, max-age=5"},
        )

    return endpoint


app = Starlette(routes=[Route(path, _handler(path)) for path in _BODIES])

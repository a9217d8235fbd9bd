"""Rate limits on the public, unauthenticated endpoints (sign-in, status subscriptions).

One mechanism: the token buckets alert intake uses per integration, keyed here by the
route and the client's address, and kept in the database so that every process counts
against the same limit. Over the limit the answer is 429 with Retry-After, as problem
details (or a short page for browsers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from anyio import to_thread
from markupsafe import escape
from starlette.types import ASGIApp, Receive, Scope, Send

from warroom.adapters.rate_limit import SharedTokenBuckets, TokenBuckets
from warroom.config import Settings
from warroom.entrypoints.api.problems import MEDIA_TYPE
from warroom.entrypoints.api.responses import dumps


@dataclass(frozen=True)
class Limit:
    method: str
    path: str
    per_minute: float
    burst: int


def public_limits(settings: Settings) -> list[Limit]:
    """The public endpoints that anyone can call, and their limits per address."""
    return [
        Limit("POST", "/login", settings.login_rate_per_minute, settings.login_burst),
        # Single sign-on: a refused sign-in is recorded in the audit log, so bounded too.
        Limit("GET", "/login/oidc", settings.login_rate_per_minute, settings.login_burst),
        Limit("GET", "/login/oidc/callback", settings.login_rate_per_minute, settings.login_burst),
        Limit(
            "POST",
            "/status/subscribe",
            settings.subscribe_rate_per_minute,
            settings.subscribe_burst,
        ),
    ]


class PublicRateLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: Sequence[Limit],
        buckets: TokenBuckets | SharedTokenBuckets | None = None,
    ) -> None:
        self.app = app
        self.limits = {(limit.method, limit.path): limit for limit in limits}
        self.buckets = buckets or TokenBuckets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            limit = self.limits.get((scope["method"], scope["path"].rstrip("/") or "/"))
            if limit is not None:
                client = scope.get("client")
                address = client[0] if client else "unknown"
                wait = await to_thread.run_sync(
                    self.buckets.take, f"{limit.path}|{address}", limit.per_minute, limit.burst
                )
                if wait:
                    await _too_many(scope, send, wait)
                    return
        await self.app(scope, receive, send)


async def _too_many(scope: Scope, send: Send, wait: int) -> None:
    accept = b""
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            accept = value
    detail = f"too many requests from this address; retry in {wait} s"
    if b"text/html" in accept:
        body = (
            "<!doctype html><title>Too many requests</title>"
            f"<h1>Too many requests</h1><p>{escape(detail)}.</p>"
        ).encode()
        media = "text/html; charset=utf-8"
    else:
        body = dumps(
            {
                "type": "urn:warroom:problem:rate-limited",
                "title": "Too many requests",
                "status": 429,
                "detail": detail,
                "instance": scope.get("path"),
                "retry_after": wait,
            }
        )
        media = MEDIA_TYPE
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", media.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(wait).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

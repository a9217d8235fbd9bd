"""Tells the audit log where each HTTP request comes from: channel, address, user agent."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from warroom.service_layer import audit

_CHANNELS = (
    ("/api/v1/alerts/", "intake"),
    ("/v2/enqueue", "intake"),
    ("/api/v1/slack/", "slack"),
    ("/api/v1/matrix/", "matrix"),
    ("/api/", "api"),
    ("/status", "status-page"),
    ("/metrics", "api"),
    ("/healthz", "api"),
)


def channel_of(path: str, user_agent: str) -> str:
    """The entry point a request path belongs to (the CLI is the API with its own agent)."""
    for prefix, channel in _CHANNELS:
        if path.startswith(prefix):
            if channel == "api" and user_agent.startswith(audit.CLI_AGENT):
                return "cli"
            return channel
    return "console"


class RequestOrigin:
    """Binds an `audit.Origin` for the request; authentication names the caller later."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        agent = ""
        for name, value in scope.get("headers", ()):
            if name == b"user-agent":
                agent = value.decode("latin-1")[:500]
                break
        client = scope.get("client")
        origin = audit.Origin(
            channel=channel_of(scope.get("path", ""), agent),
            client_ip=client[0] if client else None,
            user_agent=agent or None,
        )
        with audit.bound(origin):
            await self.app(scope, receive, send)

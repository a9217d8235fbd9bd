"""Console sign-in: server-side sessions, CSRF tokens, and the one permission check.

Everything that decides who the console user is lives in `console_user`; a session is
begun by a password, single sign-on or an API token, and checked the same way. What the
user may do is `entrypoints.authorize`, the check the API makes too.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from warroom.adapters.console_sessions import Found
from warroom.bootstrap import SESSION_LIFETIME, Warroom
from warroom.domain.access import Permission, Principal
from warroom.entrypoints.authorize import AccessDenied, authorize
from warroom.service_layer import audit

SESSION_COOKIE = "warroom_session"
LOGIN_CSRF_COOKIE = "warroom_login_csrf"
SESSION_SECONDS = int(SESSION_LIFETIME.total_seconds())
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginRequired(Exception):
    """No valid session: the console sends the browser to the sign-in page."""


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsrfFailed(Exception):
    """An unsafe request without the session's CSRF token."""


@dataclass(frozen=True)
class ConsoleUser:
    principal: Principal
    csrf: str
    session_id: int

    @property
    def name(self) -> str:
        return self.principal.name

    def can(self, permission: Permission) -> bool:
        return self.principal.can(permission)


class Sessions:
    """Session cookies: a signed random session id whose hash is a `console_sessions` row.

    The row (and the user or token behind it) is re-read at most every `recheck` seconds
    per process, so ending a session, disabling a user, changing a role or revoking a
    token reaches every process within that time, and at once in the process that did it.
    """

    def __init__(self, wr: Warroom, secret: str, recheck_seconds: float = 10.0) -> None:
        self.wr = wr
        self.serializer = URLSafeTimedSerializer(secret, salt="warroom.console.session")
        self.login_serializer = URLSafeTimedSerializer(secret, salt="warroom.console.login")
        self.recheck = recheck_seconds
        self._checked: dict[str, tuple[float, Found | None]] = {}
        self.secure = wr.settings.base_url.startswith("https://")

    def issue(
        self, principal: Principal, *, client_ip: str | None = None, user_agent: str | None = None
    ) -> str:
        """A session for a user (password, SSO) or for the holder of an API token."""
        session_id = self.wr.sessions.begin(
            principal, now=self.wr.clock.now(), client_ip=client_ip, user_agent=user_agent
        )
        return self.serializer.dumps({"s": session_id, "c": secrets.token_urlsafe(24)})

    def _payload(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie:
            return None
        try:
            data: dict[str, Any] = self.serializer.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        return data if isinstance(data.get("s"), str) and isinstance(data.get("c"), str) else None

    def read(self, cookie: str | None) -> ConsoleUser | None:
        data = self._payload(cookie)
        if data is None:
            return None
        found = self._find(data["s"])
        return ConsoleUser(found.principal, data["c"], found.id) if found else None

    def _find(self, session_id: str) -> Found | None:
        hit = self._checked.get(session_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        found = self.wr.sessions.find(session_id, self.wr.clock.now())
        if len(self._checked) > 10_000:
            self._checked.clear()
        self._checked[session_id] = (time.monotonic() + self.recheck, found)
        return found

    def end(self, cookie: str | None) -> None:
        """Sign-out: the session ends on the server, so a copy of the cookie stops too."""
        data = self._payload(cookie)
        if data is not None:
            self.wr.sessions.end(data["s"], self.wr.clock.now())
            self._checked.pop(data["s"], None)

    def forget(self) -> None:
        """Re-read every session at its next use (after ending sessions or changing users)."""
        self._checked.clear()

    def login_csrf(self) -> str:
        return self.login_serializer.dumps(secrets.token_urlsafe(16))

    def check_login_csrf(self, cookie: str | None, submitted: str | None) -> bool:
        if not cookie or not submitted:
            return False
        try:
            self.login_serializer.loads(cookie, max_age=3600)
        except BadSignature:
            return False
        return hmac.compare_digest(cookie, submitted)

    def cookie_args(self) -> dict[str, Any]:
        return {"httponly": True, "samesite": "lax", "secure": self.secure, "path": "/"}


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.console_sessions
    return sessions


async def _submitted_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def _authorize(request: Request, user: ConsoleUser, permission: Permission) -> None:
    wr: Warroom = request.app.state.warroom
    try:
        if "ref" in request.path_params:
            await run_in_threadpool(authorize, wr, user.principal, permission, request.path_params)
        else:
            authorize(wr, user.principal, permission, request.path_params)
    except AccessDenied as exc:
        raise Forbidden(exc.message) from None


async def console_user(request: Request) -> ConsoleUser:
    """The signed-in console user, with CSRF checked on every unsafe request."""
    user = sessions_of(request).read(request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise LoginRequired
    audit.identify(user.name, str(user.principal.role))
    if request.method in UNSAFE:
        submitted = await _submitted_csrf(request)
        if not submitted or not hmac.compare_digest(submitted, user.csrf):
            raise CsrfFailed
    await _authorize(request, user, Permission.READ)
    return user


async def console_writer(
    request: Request, user: Annotated[ConsoleUser, Depends(console_user)]
) -> ConsoleUser:
    await _authorize(request, user, Permission.WRITE)
    return user


async def console_admin(
    request: Request, user: Annotated[ConsoleUser, Depends(console_user)]
) -> ConsoleUser:
    await _authorize(request, user, Permission.ADMIN)
    return user


Viewer = Annotated[ConsoleUser, Depends(console_user)]
Responder = Annotated[ConsoleUser, Depends(console_writer)]

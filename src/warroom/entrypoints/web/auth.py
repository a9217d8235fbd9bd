"""Console sign-in: a signed session cookie, CSRF tokens, and the one permission check.

Everything that decides who the console user is lives in `console_user`; a later sign-in
method (SSO, passwords) replaces how a session is begun, not how it is checked.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from warroom.bootstrap import Warroom
from warroom.domain.access import AccessRole, Permission, Principal

SESSION_COOKIE = "warroom_session"
LOGIN_CSRF_COOKIE = "warroom_login_csrf"
SESSION_SECONDS = 12 * 3600
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

    @property
    def name(self) -> str:
        return self.principal.name

    def can(self, permission: Permission) -> bool:
        return self.principal.can(permission)


class Sessions:
    """Signs and reads session cookies; re-checks the token behind a session now and then."""

    def __init__(self, wr: Warroom, secret: str, recheck_seconds: float = 10.0) -> None:
        self.wr = wr
        self.serializer = URLSafeTimedSerializer(secret, salt="warroom.console.session")
        self.login_serializer = URLSafeTimedSerializer(secret, salt="warroom.console.login")
        self.recheck = recheck_seconds
        self._checked: dict[int, tuple[float, Principal | None]] = {}
        self.secure = wr.settings.base_url.startswith("https://")

    def issue(self, principal: Principal) -> str:
        payload = {"t": principal.token_id, "c": secrets.token_urlsafe(24)}
        return self.serializer.dumps(payload)

    def read(self, cookie: str | None) -> ConsoleUser | None:
        if not cookie:
            return None
        try:
            data: dict[str, Any] = self.serializer.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        principal = self._principal(int(data["t"]))
        return ConsoleUser(principal, str(data["c"])) if principal else None

    def _principal(self, token_id: int) -> Principal | None:
        # A revoked token ends its sessions within `recheck` seconds.
        hit = self._checked.get(token_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        principal = self.wr.tokens.principal_by_id(token_id, self.wr.clock.now())
        if len(self._checked) > 10_000:
            self._checked.clear()
        self._checked[token_id] = (time.monotonic() + self.recheck, principal)
        return principal

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


async def console_user(request: Request) -> ConsoleUser:
    """The signed-in console user, with CSRF checked on every unsafe request."""
    user = sessions_of(request).read(request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise LoginRequired
    if request.method in UNSAFE:
        submitted = await _submitted_csrf(request)
        if not submitted or not hmac.compare_digest(submitted, user.csrf):
            raise CsrfFailed
    return user


async def console_writer(user: Annotated[ConsoleUser, Depends(console_user)]) -> ConsoleUser:
    if not user.can(Permission.WRITE):
        raise Forbidden(f"the {user.principal.role} role may not change incidents")
    return user


async def console_admin(user: Annotated[ConsoleUser, Depends(console_user)]) -> ConsoleUser:
    if user.principal.role is not AccessRole.ADMIN:
        raise Forbidden("only admins may do this")
    return user


Viewer = Annotated[ConsoleUser, Depends(console_user)]
Responder = Annotated[ConsoleUser, Depends(console_writer)]

"""Signing in to the console with a TestClient and reading its CSRF token."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from warroom.bootstrap import Warroom
from warroom.domain.access import AccessRole

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class ConsoleClient:
    """A browser-like client: a signed-in session cookie and the page's CSRF token."""

    def __init__(self, app: Any, wr: Warroom, role: str, name: str) -> None:
        self.token, self.record = wr.tokens.create(
            name=name, role=AccessRole(role), now=wr.clock.now()
        )
        self.client = TestClient(app, raise_server_exceptions=False)
        login = self.client.get("/login")
        csrf = _CSRF.search(login.text)
        assert csrf, login.text
        response = self.client.post(
            "/login",
            data={"token": self.token, "csrf": csrf.group(1), "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        page = self.client.get("/")
        found = _CSRF.search(page.text)
        assert found, page.text
        self.csrf = found.group(1)

    def post(self, path: str, data: dict[str, Any], *, htmx: bool = False, **kw: Any) -> Any:
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(
            path, data={"csrf": self.csrf, **data}, headers=headers, follow_redirects=False, **kw
        )

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def close(self) -> None:
        self.client.close()

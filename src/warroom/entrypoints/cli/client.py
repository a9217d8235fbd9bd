"""The CLI's HTTP client: one path through the API for auth, validation and audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2

from warroom.service_layer import audit

EXIT_OK, EXIT_RULE, EXIT_INPUT, EXIT_UNREACHABLE = 0, 1, 2, 3


class CliError(Exception):
    """Ends the command with a message on stderr and an exit code."""

    def __init__(self, message: str, code: int, problem: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.problem = problem or {}


def exit_code_for(status: int) -> int:
    if status in (403, 409):
        return EXIT_RULE
    if status >= 500:
        return EXIT_UNREACHABLE
    return EXIT_INPUT


def _message(response: httpx2.Response) -> tuple[str, dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}", {}
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}", {}
    detail = str(body.get("detail") or body.get("title") or f"HTTP {response.status_code}")
    rule = body.get("rule")
    if rule:
        detail += f" [rule: {rule}]"
    if response.status_code == 401:
        detail += " (check WARROOM_TOKEN)"
    return detail, body


class ApiClient:
    """Thin wrapper over an httpx2 client that turns errors into CliError."""

    def __init__(self, client: httpx2.Client, base_url: str) -> None:
        self.client = client
        self.base_url = base_url

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def download(self, path: str) -> bytes:
        """The raw body of a GET (a PDF, a page)."""
        return self._send("GET", path).content

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        try:
            response = self.client.request(method, "/api/v1" + path, **kwargs)
        except httpx2.TransportError as exc:
            raise CliError(
                f"cannot reach warroom at {self.base_url}: {exc} "
                "(is it running? check WARROOM_URL)",
                EXIT_UNREACHABLE,
            ) from None
        if response.status_code >= 400:
            message, body = _message(response)
            raise CliError(message, exit_code_for(response.status_code), body)
        return response

    def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", path, params=clean)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, json=_clean(body))

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PATCH", path, json=_clean(body))

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PUT", path, json=_clean(body))


def _clean(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


ClientFactory = Callable[[], ApiClient]


def http_client_factory(url: str, token: str | None) -> ClientFactory:
    def make() -> ApiClient:
        if not token:
            raise CliError("WARROOM_TOKEN is not set; create one with `warroom token create`", 2)
        client = httpx2.Client(
            base_url=url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": audit.CLI_AGENT},
            timeout=30.0,
        )
        return ApiClient(client, url)

    return make

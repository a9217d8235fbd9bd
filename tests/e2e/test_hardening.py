"""Input hardening: bounded inputs in the OpenAPI schema, security headers, the secret
key, and no secret in the logs."""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
import structlog
import uvicorn

from tests.conftest import Api
from tests.support.smtp import free_port
from warroom.adapters.log_setup import configure_logging
from warroom.bootstrap import Warroom
from warroom.config import Settings, SettingsError
from warroom.entrypoints.api.app import create_app

# -- every input is bounded ------------------------------------------------------------------


BOUNDED_FORMATS = ("date-time", "date", "time", "duration", "binary")


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        node = spec["components"]["schemas"][name]
    return node


def _unbounded(spec: dict[str, Any], node: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Paths to string schemas without maxLength and array schemas without maxItems."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        return _unbounded(spec, _resolve(spec, node), f"{where}<{name}>", seen | {name})
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for i, option in enumerate(node.get(key, [])):
            found += _unbounded(spec, option, f"{where}|{i}", seen)
    kind = node.get("type")
    self_bounded = {"enum", "const"} & node.keys() or node.get("format") in BOUNDED_FORMATS
    if kind == "string" and not self_bounded and "maxLength" not in node:
        found.append(where)
    if kind == "array":
        if "maxItems" not in node:
            found.append(where)
        found += _unbounded(spec, node.get("items", {}), f"{where}[]", seen)
    for name, prop in node.get("properties", {}).items():
        found += _unbounded(spec, prop, f"{where}.{name}", seen)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        found += _unbounded(spec, extra, f"{where}{{}}", seen)
    return found


def test_every_string_and_array_input_in_the_openapi_schema_is_bounded(api: Api) -> None:
    spec = api.anonymous.get("/api/openapi.json").json()
    unbounded: list[str] = []
    inputs = 0
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            label = f"{method.upper()} {path}"
            for param in op.get("parameters", []):
                inputs += 1
                unbounded += _unbounded(spec, param["schema"], f"{label} {param['name']}", set())
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                inputs += 1
                unbounded += _unbounded(spec, content.get("schema", {}), f"{label} {media}", set())
    assert inputs > 150
    assert unbounded == []


def test_the_walk_finds_an_unbounded_field() -> None:
    spec = {"components": {"schemas": {"X": {"properties": {"a": {"type": "string"}}}}}}
    node = {"type": "array", "items": {"$ref": "#/components/schemas/X"}}
    assert _unbounded(spec, node, "body", set()) == ["body", "body[]<X>.a"]


# -- security headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/login", "/status/", "/status/api/v2/summary.json", "/api/v1/incidents", "/healthz"]
)
def test_security_headers_on_console_status_page_and_api(api: Api, path: str) -> None:
    r = api.viewer.get(path)
    assert r.status_code == 200, r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-frame-options"] == "DENY"


def test_no_inline_script_in_the_console_or_status_page(api: Api) -> None:
    for path in ("/login", "/status/", "/status/subscribe"):
        html = api.anonymous.get(path).text.lower()
        assert "<script>" not in html and " on" + "click=" not in html
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), chunk[:80]


# -- the secret key ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "change-me"])
def test_a_missing_or_default_secret_key_is_refused_outside_dev_mode(
    wr: Warroom, key: str | None
) -> None:
    settings = Settings(database_url="sqlite://", dev=False, secret_key=key)
    with pytest.raises(SettingsError, match="WARROOM_SECRET_KEY"):
        settings.require_secret_key()
    wr.settings = settings
    with pytest.raises(SettingsError):
        create_app(wr)


def test_a_real_secret_key_is_used_and_dev_mode_has_its_own() -> None:
    assert Settings(dev=False, secret_key="k" * 40).require_secret_key() == "k" * 40
    assert Settings(dev=True).require_secret_key() == "dev-only-secret-key"


# -- no secret in the logs -----------------------------------------------------------------------


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    configure_logging("info", fmt="json", stream=buffer)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(old_level)
    structlog.reset_defaults()


def test_secrets_never_reach_the_logs(wr: Warroom, captured_logs: io.StringIO) -> None:
    token, _ = wr.tokens.create(name="root", role="admin", now=wr.clock.now())  # type: ignore[arg-type]
    port = free_port()
    config = uvicorn.Config(
        create_app(wr), host="127.0.0.1", port=port, access_log=True, log_config=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    page_token = "0123456789abcdef0123456789abcdef"
    try:
        with httpx2.Client(base_url=base) as client:
            client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"})
            client.get(f"/api/v1/pages/1/ack?by=emily&token={page_token}")
            client.post("/login", data={"token": token, "csrf": "x"})
            client.get("/api/v1/incidents", headers={"Authorization": "Bearer wr_not-a-real-one"})
        log = structlog.get_logger("test")
        log.info(
            "outbound",
            authorization=f"Bearer {token}",
            smtp_password="hunter2-hunter2",
            url="https://alice:s3cr3t-pass@hooks.example.test/x?token=abc123def456",
            note=f"retrying with {token}",
            headers={"X-Slack-Signature": "v0=deadbeefdeadbeef", "Accept": "json"},
            secret="whsec_c2VjcmV0LWZvci10ZXN0cw==",
        )
        try:
            raise RuntimeError(f"connect failed for Bearer {token}")
        except RuntimeError:
            log.exception("send_failed")
    finally:
        server.should_exit = True
        thread.join(10)
    text = captured_logs.getvalue()
    assert "/api/v1/pages/1/ack" in text  # the access log is there …
    assert "outbound" in text and "send_failed" in text
    for secret in (
        token,
        token[3:],
        page_token,
        "hunter2-hunter2",
        "s3cr3t-pass",
        "abc123def456",
        "deadbeefdeadbeef",
        "c2VjcmV0LWZvci10ZXN0cw",
    ):
        assert secret not in text, secret  # … but not one secret
    assert "[redacted]" in text

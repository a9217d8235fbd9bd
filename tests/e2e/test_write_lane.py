"""The timeline write's fast lane answers exactly as the documented route — the entry, the
refusals, the audit row — and leaves everything it is unsure of to the route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api
from warroom.entrypoints.api import write_lane

Declare = Callable[..., dict[str, Any]]

AGENT = {"User-Agent": "lane-test/1"}


@pytest.fixture(autouse=True)
def tokens_cached(api: Api) -> None:
    """The suite's apps verify every token (no cache); the lane serves only cached tokens."""
    api.app.state.token_cache.ttl = 60


@pytest.fixture
def lane_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the requests the lane answered (the route answers the rest)."""
    calls: list[str] = []
    real = write_lane.WriteLane._write

    def counting(self: write_lane.WriteLane, *args: Any) -> Any:
        calls.append(args[-1]["path"])
        return real(self, *args)

    monkeypatch.setattr(write_lane.WriteLane, "_write", counting)
    return calls


def _twice(
    api: Api, client: TestClient, refs: tuple[str, str], body: Any, **kw: Any
) -> tuple[Any, Any]:
    """The same request to two incidents of the same shape: first with an uncached token
    (the route answers, and caches the token), then cached (the lane may answer)."""
    api.app.state.token_cache.clear()
    headers = {**AGENT, **kw.pop("headers", {})}
    content = kw.pop("content", None)
    if content is not None:
        headers = {"Content-Type": "application/json", **headers}

    def send(ref: str) -> Any:
        path = f"/api/v1/incidents/{ref}/timeline"
        mine = {k: v.format(ref=ref) for k, v in headers.items()}
        if content is not None:
            return client.post(path, content=content, headers=mine)
        return client.post(path, json=body, headers=mine)

    return send(refs[0]), send(refs[1])


def _same(routed: Any, laned: Any, refs: tuple[str, str]) -> None:
    assert laned.status_code == routed.status_code, (routed.text, laned.text)
    assert laned.headers["content-type"] == routed.headers["content-type"]
    for name in ("content-security-policy", "x-content-type-options"):
        assert laned.headers.get(name) == routed.headers.get(name), name
    one, two = routed.json(), laned.json()
    for body in (one, two):
        body.pop("id", None)
    assert two == _swap(one, refs), (one, two)


def _swap(value: Any, refs: tuple[str, str]) -> Any:
    """`value` with the first incident's ref and number read as the second's."""
    if isinstance(value, dict):
        return {k: _swap(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, refs) for v in value]
    if isinstance(value, str):
        return value.replace(refs[0], refs[1])
    return value


@pytest.fixture
def pair(declare: Declare) -> tuple[str, str]:
    one = declare("Logging in is broken for all users", severity="sev2")["ref"]
    two = declare("Payments are failing for all users", severity="sev2")["ref"]
    return one, two


@pytest.mark.parametrize(
    "body",
    [
        {"text": "Emily found failing requests to the identity provider"},
        {"text": "The pool is exhausted", "kind": "hypothesis"},
        {
            "text": "Restarted the pool",
            "kind": "manual-change",
            "occurred_at": "2026-11-22T09:34:00Z",
        },
        {"text": "ünïcödé <b>and</b> markup", "kind": "note"},
    ],
)
@pytest.mark.parametrize("role", ["admin", "responder"])
def test_the_lane_writes_as_the_route(
    api: Api, pair: tuple[str, str], body: dict[str, Any], role: str, lane_calls: list[str]
) -> None:
    routed, laned = _twice(api, api.clients[role], pair, body)
    assert routed.status_code == 201, routed.text
    _same(routed, laned, pair)
    assert lane_calls == [f"/api/v1/incidents/{pair[1]}/timeline"]
    entries = [
        api.admin.get(
            f"/api/v1/incidents/{ref}/timeline", params={"kind": body.get("kind", "note")}
        ).json()["data"][-1]
        for ref in pair
    ]
    assert entries[0]["text"] == entries[1]["text"] == body["text"]
    assert entries[1]["author"] == {"admin": "root", "responder": "emily"}[role]


def test_the_lanes_write_is_audited_as_the_routes(
    api: Api, pair: tuple[str, str], lane_calls: list[str]
) -> None:
    _twice(api, api.responder, pair, {"text": "a finding"})
    assert lane_calls
    rows = api.admin.get(
        "/api/v1/audit", params={"command": "AddTimelineEntry", "limit": 2}
    ).json()["data"]
    assert len(rows) == 2
    laned, routed = rows  # newest first
    for row in (laned, routed):
        assert row["actor"] == "emily"
        assert row["channel"] == "api"
        assert row["user_agent"] == AGENT["User-Agent"]
        assert row["client_ip"]
    strip = ("id", "at", "changes")
    assert {k: v for k, v in laned.items() if k not in strip} == _swap(
        {k: v for k, v in routed.items() if k not in strip}, pair
    )
    assert [(c["entity"], c["op"]) for c in laned["changes"]] == [
        (c["entity"], c["op"]) for c in routed["changes"]
    ]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": "from the future", "occurred_at": "2036-11-23T09:34:00Z"}, 422),
        ({"text": "a stage by hand", "kind": "stage-change"}, 422),
    ],
)
def test_the_domains_refusals_are_the_same(
    api: Api, pair: tuple[str, str], body: dict[str, Any], status: int, lane_calls: list[str]
) -> None:
    before = api.admin.get(f"/api/v1/incidents/{pair[1]}/timeline").json()["count"]
    routed, laned = _twice(api, api.responder, pair, body)
    assert routed.status_code == status, routed.text
    assert laned.headers["content-type"] == "application/problem+json"
    _same(routed, laned, pair)
    assert lane_calls  # answered by the lane, with the route's problem details
    assert api.admin.get(f"/api/v1/incidents/{pair[1]}/timeline").json()["count"] == before


def test_unknown_and_hidden_incidents_are_not_found_in_the_lane_too(
    api: Api, declare: Declare, lane_calls: list[str]
) -> None:
    routed, laned = _twice(api, api.responder, ("INC-98", "INC-99"), {"text": "x"})
    assert routed.status_code == laned.status_code == 404
    _same(routed, laned, ("INC-98", "INC-99"))
    # A restricted incident the responder is not a member of: hidden, exactly like missing.
    one = api.admin.post(
        "/api/v1/incidents",
        json={"title": "Suspicious logins", "severity": "sev2", "visibility": "restricted"},
    ).json()["ref"]
    two = api.admin.post(
        "/api/v1/incidents",
        json={"title": "Leaked keys", "severity": "sev2", "visibility": "restricted"},
    ).json()["ref"]
    lane_calls.clear()
    routed, laned = _twice(api, api.responder, (one, two), {"text": "x"})
    assert routed.status_code == laned.status_code == 404
    _same(routed, laned, (one, two))
    assert lane_calls == [f"/api/v1/incidents/{two}/timeline"]
    assert api.admin.get(f"/api/v1/incidents/{two}/timeline").json()["data"][-1]["text"] != "x"


@pytest.mark.parametrize(
    ("kw", "status"),
    [
        ({"content": b'{"text": "unterminated'}, 400),
        ({"content": b'{"text": 12}'}, 422),
        ({"content": b'{"text": ""}'}, 422),
        ({"content": b'{"text": "x", "extra": 1}'}, 422),
        ({"content": b'{"text": "x", "kind": "bogus"}'}, 422),
        ({"content": b'["text"]'}, 422),
        ({"content": ('{"text": "%s"}' % ("x" * 10_001)).encode()}, 422),
        ({"headers": {"Idempotency-Key": "key-{ref}"}}, 201),
        ({"headers": {"Content-Type": "text/plain"}, "content": b'{"text": "x"}'}, 422),
    ],
)
def test_the_lane_leaves_the_rest_to_the_route(
    api: Api, pair: tuple[str, str], kw: dict[str, Any], status: int, lane_calls: list[str]
) -> None:
    routed, laned = _twice(api, api.responder, pair, {"text": "x"}, **kw)
    assert routed.status_code == status, routed.text
    _same(routed, laned, pair)
    assert not lane_calls


def test_a_viewer_or_an_unknown_token_is_refused_by_the_route(
    api: Api, pair: tuple[str, str], lane_calls: list[str]
) -> None:
    routed, laned = _twice(api, api.viewer, pair, {"text": "x"})
    assert routed.status_code == laned.status_code == 403
    _same(routed, laned, pair)
    bogus = api.anonymous.post(
        f"/api/v1/incidents/{pair[0]}/timeline",
        json={"text": "x"},
        headers={"Authorization": "Bearer nope"},
    )
    assert bogus.status_code == 401
    assert not lane_calls


def test_a_query_string_or_a_longer_path_is_not_the_lanes(
    api: Api, pair: tuple[str, str], lane_calls: list[str]
) -> None:
    api.responder.get("/api/v1/me")  # caches the token
    r = api.responder.post(f"/api/v1/incidents/{pair[0]}/timeline?x=1", json={"text": "x"})
    assert r.status_code == 201
    r = api.responder.post(f"/api/v1/incidents/{pair[0]}/timeline/more", json={"text": "x"})
    assert r.status_code in (404, 405)
    assert not lane_calls

"""Bad input: a 4xx problem-details body naming the field or rule, never a 500, nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import Api
from warroom.adapters.orm import metadata
from warroom.bootstrap import Warroom


def snapshot(wr: Warroom) -> dict[str, Any]:
    with wr.db.read.connect() as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
            if t.name != "idempotency_keys"
        }
        incident = conn.execute(select(metadata.tables["incidents"])).all()
    return {"counts": counts, "incidents": [tuple(r) for r in incident]}


BASE = "/api/v1/incidents/INC-1"
CASES: list[tuple[str, str, Any, int, str]] = [
    # method, path, json body (or raw bytes), expected status, expected text in the problem
    ("post", "/api/v1/incidents", {"title": "x", "severity": "sev0"}, 422, "severity"),
    ("post", "/api/v1/incidents", {"title": ""}, 422, "title"),
    ("post", "/api/v1/incidents", {"title": "x" * 201}, 422, "title"),
    ("post", "/api/v1/incidents", {"title": 12}, 422, "title"),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "customers_affected": "many"},
        422,
        "customers_affected",
    ),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "customers_affected": -3},
        422,
        "customers_affected",
    ),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "occurred_at": "2099-01-01T00:00:00Z"},
        422,
        "occurred_at",
    ),
    (
        "post",
        "/api/v1/incidents",
        {"title": "x", "occurred_at": "2026-11-23T09:00:00"},
        422,
        "occurred_at",
    ),
    ("post", "/api/v1/incidents", {"title": "x", "visibility": "secret"}, 422, "visibility"),
    ("post", "/api/v1/incidents", {"title": "x", "services": ["a"] * 51}, 422, "services"),
    ("post", "/api/v1/incidents", {"title": "x", "unknown": 1}, 422, "unknown"),
    ("post", "/api/v1/incidents", {"title": "null\u0000byte"}, 422, "title"),
    ("post", "/api/v1/incidents", b"{not json", 400, "not valid JSON"),
    ("post", "/api/v1/incidents", b"[1, 2]", 422, "body"),
    ("post", "/api/v1/incidents", b"", 422, "body"),
    ("post", f"{BASE}/stage", {"stage": "done"}, 422, "stage"),
    ("post", f"{BASE}/stage", {"stage": "closed"}, 409, "stages.transition"),
    ("post", f"{BASE}/stage", {"stage": "investigating"}, 409, "stages.same"),
    (
        "post",
        f"{BASE}/stage",
        {"stage": "identified", "occurred_at": "2099-01-01T00:00:00Z"},
        422,
        "occurred_at",
    ),
    (
        "post",
        f"{BASE}/stage",
        {"stage": "identified", "occurred_at": "2020-01-01T00:00:00Z"},
        422,
        "before INC-1 was detected",
    ),
    ("post", "/api/v1/incidents/INC-9/stage", {"stage": "identified"}, 404, "INC-9"),
    ("post", "/api/v1/incidents/bogus/stage", {"stage": "identified"}, 422, "ref"),
    ("post", f"{BASE}/severity", {"severity": "sev0"}, 422, "severity"),
    ("post", f"{BASE}/roles", {"role": "captain", "person": "x"}, 422, "role"),
    ("post", f"{BASE}/roles", {"role": "worker", "person": ""}, 422, "person"),
    ("post", f"{BASE}/roles/release", {"role": "worker", "person": "nobody"}, 404, "nobody"),
    ("post", f"{BASE}/timeline", {"kind": "note", "text": "x" * 10_001}, 422, "text"),
    ("post", f"{BASE}/timeline", {"kind": "stage-change", "text": "fake"}, 422, "kind"),
    ("post", f"{BASE}/timeline", {"kind": "note"}, 422, "text"),
    ("post", f"{BASE}/updates", {"audience": "press", "text": "x"}, 422, "audience"),
    ("post", f"{BASE}/followups", {"title": "x", "kind": "wish"}, 422, "kind"),
    ("post", f"{BASE}/followups", {"title": "x", "kind": "test", "due": "soon"}, 422, "due"),
    ("patch", f"{BASE}/followups/9", {"status": "done"}, 404, "#9"),
    (
        "post",
        f"{BASE}/experiments",
        {"hypothesis": "h", "action": "a", "time_box_minutes": 0},
        422,
        "time_box_minutes",
    ),
    ("post", f"{BASE}/experiments/3/conclude", {"status": "confirmed", "result": "x"}, 404, "#3"),
    ("post", f"{BASE}/postmortem/publish", {}, 409, "postmortem.missing"),
    ("patch", BASE, {"title": None, "stage": "closed"}, 422, "stage"),
    ("get", "/api/v1/incidents?limit=0", None, 422, "limit"),
    ("get", "/api/v1/incidents?status=whatever", None, 422, "status"),
    ("get", f"{BASE}?timeline_limit=-1", None, 422, "timeline_limit"),
    ("delete", BASE, None, 405, "Method Not Allowed"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "text"), CASES)
def test_bad_input_is_refused_cleanly(
    api: Api, wr: Warroom, method: str, path: str, body: Any, status: int, text: str
) -> None:
    api.responder.post("/api/v1/incidents", json={"title": "Logging in is broken"})
    before = snapshot(wr)
    kwargs: dict[str, Any] = {}
    if isinstance(body, bytes):
        kwargs = {"content": body, "headers": {"content-type": "application/json"}}
    elif body is not None:
        kwargs = {"json": body}
    r = getattr(api.responder, method)(path, **kwargs)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == status
    assert text in problem["detail"] or text in str(problem.get("rule")), problem
    assert snapshot(wr) == before


def test_oversized_bodies_are_413(api: Api) -> None:
    r = api.responder.post(
        "/api/v1/incidents",
        content=b'{"title": "' + b"x" * 1_100_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["title"] == "Request too large"


def test_fuzzed_bodies_never_500(api: Api) -> None:
    api.responder.post("/api/v1/incidents", json={"title": "Logging in is broken"})
    values: list[Any] = [
        None,
        True,
        0,
        -1,
        2**63,
        1.5,
        "",
        "x" * 300,
        [],
        {},
        ["a"],
        {"a": 1},
        "\u202e",
    ]
    fields = [
        "title",
        "severity",
        "services",
        "customers_affected",
        "occurred_at",
        "stage",
        "role",
        "person",
        "kind",
        "text",
        "audience",
        "status",
        "force",
        "drill",
    ]
    paths = [
        "/api/v1/incidents",
        f"{BASE}/stage",
        f"{BASE}/roles",
        f"{BASE}/timeline",
        f"{BASE}/updates",
        f"{BASE}/followups",
        f"{BASE}/severity",
    ]
    for path in paths:
        for field in fields:
            for value in values:
                r = api.responder.post(path, json={field: value})
                assert r.status_code < 500, (path, field, value, r.text)

"""The JSON API: every action, permissions, pagination, filters, idempotency."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Api
from tests.fakes import ManualClock

Declare = Callable[..., dict[str, Any]]


def test_declare_returns_the_incident_and_classification(api: Api) -> None:
    r = api.responder.post(
        "/api/v1/incidents",
        json={
            "title": "Logging in is broken for all users",
            "severity": "sev2",
            "functionality": "logging in",
            "state": "broken",
            "audience": "all users",
            "services": ["auth"],
            "customers_affected": 40,
        },
    )
    assert r.status_code == 201
    body = r.json()
    assert body["ref"] == "INC-1"
    assert body["channel"] == "inc-23-11-26-logging-in-broken-all-users"
    assert body["classification"]["suggested"] == "sev1"
    assert body["process"]["missing_roles"] == ["commander", "communications", "worker"]
    assert body["declared_by"] == "emily"


def test_duplicate_is_409_with_candidates(api: Api, declare: Declare) -> None:
    declare(services=["auth"])
    r = api.responder.post("/api/v1/incidents", json={"title": "Auth errors", "services": ["auth"]})
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["rule"] == "declare.duplicates"
    assert [c["ref"] for c in problem["candidates"]] == ["INC-1"]
    r = api.responder.post(
        "/api/v1/incidents", json={"title": "Auth errors", "services": ["auth"], "force": True}
    )
    assert r.status_code == 201


def test_list_filters_and_pagination(api: Api, declare: Declare, clock: ManualClock) -> None:
    for i in range(7):
        clock.advance(minutes=1)
        declare(
            f"incident number {i}",
            severity="sev4" if i == 0 else ("sev3" if i % 2 else "sev2"),
            services=[f"svc{i % 3}"],
        )
    api.responder.post("/api/v1/incidents/INC-1/stage", json={"stage": "resolved"})
    api.responder.post("/api/v1/incidents/INC-1/stage", json={"stage": "closed"})
    page = api.viewer.get("/api/v1/incidents", params={"limit": 3}).json()
    assert page["count"] == 7
    assert [i["ref"] for i in page["data"]] == ["INC-7", "INC-6", "INC-5"]
    page = api.viewer.get("/api/v1/incidents", params={"limit": 3, "offset": 6}).json()
    assert [i["ref"] for i in page["data"]] == ["INC-1"]
    page = api.viewer.get("/api/v1/incidents", params={"status": "open"}).json()
    assert page["count"] == 6
    page = api.viewer.get("/api/v1/incidents", params={"status": "closed"}).json()
    assert [i["ref"] for i in page["data"]] == ["INC-1"]
    page = api.viewer.get("/api/v1/incidents", params={"severity": "sev3"}).json()
    assert {i["ref"] for i in page["data"]} == {"INC-2", "INC-4", "INC-6"}
    page = api.viewer.get("/api/v1/incidents", params={"service": "svc0"}).json()
    assert {i["ref"] for i in page["data"]} == {"INC-1", "INC-4", "INC-7"}
    page = api.viewer.get(
        "/api/v1/incidents", params=[("stage", "investigating"), ("severity", "sev2")]
    ).json()
    assert {i["ref"] for i in page["data"]} == {"INC-3", "INC-5", "INC-7"}


def test_filter_by_person(api: Api, declare: Declare) -> None:
    declare("one")
    declare("two")
    api.responder.post("/api/v1/incidents/INC-2/roles", json={"role": "worker", "person": "bob"})
    page = api.viewer.get("/api/v1/incidents", params={"person": "bob"}).json()
    assert [i["ref"] for i in page["data"]] == ["INC-2"]


def test_every_write_endpoint(api: Api, declare: Declare) -> None:
    declare()
    r = api.responder
    base = "/api/v1/incidents/INC-1"
    assert (
        r.patch(
            base, json={"customers_affected": 5, "links": {"bridge": "https://meet.example/inc-1"}}
        ).status_code
        == 200
    )
    assert r.post(f"{base}/acknowledge", json={}).status_code == 200
    assert r.post(f"{base}/roles", json={"role": "commander", "person": "alice"}).status_code == 200
    assert r.post(f"{base}/roles", json={"role": "worker", "person": "bob"}).status_code == 200
    assert (
        r.post(f"{base}/roles/release", json={"role": "worker", "person": "bob"}).status_code == 200
    )
    assert (
        r.post(f"{base}/timeline", json={"kind": "manual-change", "text": "restarted"}).status_code
        == 201
    )
    assert (
        r.post(f"{base}/updates", json={"audience": "internal", "text": "still on it"}).status_code
        == 201
    )
    assert (
        r.post(f"{base}/severity", json={"severity": "sev1", "reason": "all users"}).status_code
        == 200
    )
    assert r.post(f"{base}/experiments", json={"hypothesis": "h", "action": "a"}).status_code == 201
    assert (
        r.post(
            f"{base}/experiments/1/conclude", json={"status": "refuted", "result": "no"}
        ).status_code
        == 200
    )
    assert r.post(f"{base}/whys", json={"text": "because"}).status_code == 201
    assert (
        r.post(f"{base}/followups", json={"title": "fix", "kind": "durable-fix"}).status_code == 201
    )
    assert r.patch(f"{base}/followups/1", json={"status": "done"}).status_code == 200
    assert r.post(f"{base}/stage", json={"stage": "mitigated"}).status_code == 200
    assert r.put(f"{base}/postmortem", json={}).status_code == 200
    assert r.post(f"{base}/postmortem/publish", json={}).status_code == 200
    shown = r.get(base).json()
    assert shown["links"] == {"bridge": "https://meet.example/inc-1"}
    assert shown["last_updates"]["internal"] is not None
    assert shown["postmortem"]["status"] == "published"
    kinds = [e["kind"] for e in shown["timeline"]]
    for kind in (
        "system",
        "role-change",
        "manual-change",
        "status-update",
        "severity-change",
        "experiment",
        "result",
        "stage-change",
        "milestone",
    ):
        assert kind in kinds
    only = r.get(f"{base}/timeline", params={"kind": "manual-change"}).json()
    assert [e["text"] for e in only["data"]] == ["restarted"]
    assert r.get(f"{base}/questions").json()["stage"] == "mitigated"


def test_question_bank_follows_the_stage(api: Api, declare: Declare) -> None:
    declare()
    q = api.viewer.get("/api/v1/incidents/INC-1/questions").json()
    assert q["stage"] == "investigating"
    assert q["data"][0]["category"] == "Status"
    assert "alert" in q["data"][0]["text"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/incidents", {"title": "x"}),
        ("post", "/api/v1/incidents/INC-1/timeline", {"text": "x"}),
        ("post", "/api/v1/incidents/INC-1/stage", {"stage": "identified"}),
        ("patch", "/api/v1/incidents/INC-1", {"title": "y"}),
        ("post", "/api/v1/tokens", {"name": "x", "role": "viewer"}),
    ],
)
def test_viewers_cannot_write(
    api: Api, declare: Declare, method: str, path: str, body: dict
) -> None:
    declare()
    r = getattr(api.viewer, method)(path, json=body)
    assert r.status_code == 403
    assert "viewer role may not" in r.json()["detail"]
    r = getattr(api.anonymous, method)(path, json=body)
    assert r.status_code == 401


def test_tokens_are_admin_only_and_revocable(api: Api) -> None:
    assert (
        api.responder.post("/api/v1/tokens", json={"name": "bot", "role": "viewer"}).status_code
        == 403
    )
    made = api.admin.post("/api/v1/tokens", json={"name": "bot", "role": "viewer"}).json()
    assert made["token"].startswith("wr_")
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert api.anonymous.get("/api/v1/incidents", headers=headers).status_code == 200
    listed = api.admin.get("/api/v1/tokens").json()
    assert "token" not in listed[0]
    assert api.admin.delete(f"/api/v1/tokens/{made['id']}").status_code == 204
    assert api.anonymous.get("/api/v1/incidents", headers=headers).status_code == 401
    assert api.admin.delete(f"/api/v1/tokens/{made['id']}").status_code == 404


def test_idempotency_key_header(api: Api) -> None:
    headers = {"Idempotency-Key": "declare-42"}
    body = {"title": "Search is down", "severity": "sev2"}
    first = api.responder.post("/api/v1/incidents", json=body, headers=headers)
    again = api.responder.post("/api/v1/incidents", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api.viewer.get("/api/v1/incidents").json()["count"] == 1
    other = api.responder.post(
        "/api/v1/incidents", json={**body, "title": "Other"}, headers=headers
    )
    assert other.status_code == 409
    assert other.json()["rule"] == "idempotency.key_reused"
    # Keys are per caller: the admin's "declare-42" is a different request.
    assert (
        api.admin.post(
            "/api/v1/incidents", json={**body, "force": True}, headers=headers
        ).status_code
        == 201
    )


def test_openapi_and_operations(api: Api) -> None:
    spec = api.anonymous.get("/api/openapi.json").json()
    assert "/api/v1/incidents" in spec["paths"]
    assert "IncidentsPublic" in spec["components"]["schemas"]
    assert api.anonymous.get("/healthz").json()["status"] == "ok"
    assert "warroom_incidents" in api.anonymous.get("/metrics").text


def test_policy_endpoint(api: Api) -> None:
    policy = api.viewer.get("/api/v1/policy").json()
    assert policy["name"] == "standard"
    assert policy["severities"][0]["cadence"] == {
        "internal": "30m",
        "customers": "1h",
        "observers": "1h",
    }

"""The clocks over HTTP and the CLI: GET …/clocks, the list's countdowns, show, retrospective."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Api, Cli
from tests.fakes import ManualClock
from tests.support.clocks import Room
from tests.support.policies import without_checklists
from warroom.domain.policy import Policy

Declare = Callable[..., dict[str, Any]]


@pytest.fixture
def policy(standard: Policy) -> Policy:
    """`standard` without its checklists, whose deadline timers would be listed too."""
    return without_checklists(standard)


def test_clocks_endpoint_lists_next_due_per_kind(
    api: Api, declare: Declare, clock: ManualClock
) -> None:
    declare(severity="sev2", services=["auth"])
    r = api.viewer.get("/api/v1/incidents/INC-1/clocks")
    assert r.status_code == 200
    body = r.json()
    soonest: dict[str, str] = {}
    for item in body["data"]:  # soonest first
        soonest.setdefault(item["kind"], item["due_at"])
    assert soonest == {
        "sme": "2026-11-23T09:45:00Z",
        "update": "2026-11-23T10:00:00Z",  # internal, the soonest of the three cadences
        "escalate": "2026-11-23T13:30:00Z",
    }
    assert sorted(c["detail"].get("audience") for c in body["data"] if c["kind"] == "update") == [
        "customers",
        "internal",
        "observers",
    ]
    assert body["updates"]["customers"]["due_at"] == "2026-11-23T10:30:00Z"
    assert body["update_overdue"] == []
    assert body["retrospective"] is None
    assert body["count"] == len(body["data"]) == 5


def test_overdue_shows_in_the_view_and_the_list(
    api: Api, declare: Declare, clock: ManualClock
) -> None:
    declare(severity="sev2")
    api.responder.post("/api/v1/incidents/INC-1/roles", json={"role": "commander", "person": "al"})
    room = Room(api.wr, clock)
    room.advance(minutes=40)
    inc = api.viewer.get("/api/v1/incidents/INC-1").json()
    assert inc["update_overdue"] == ["internal"]
    assert inc["updates"]["internal"]["overdue"] is True
    assert {c["kind"] for c in inc["clocks"]} >= {"update", "escalate"}
    [row] = api.viewer.get("/api/v1/incidents").json()["data"]
    assert row["updates_overdue"] == ["internal"]
    assert row["updates_due"] == {
        "customers": "2026-11-23T10:30:00Z",
        "internal": "2026-11-23T10:00:00Z",
        "observers": "2026-11-23T11:30:00Z",
    }
    r = api.responder.post(
        "/api/v1/incidents/INC-1/updates",
        json={"audience": "internal", "text": "Still on it; next update within 15 minutes."},
    )
    assert r.status_code == 201
    assert r.json()["update_overdue"] == []
    assert r.json()["updates"]["internal"]["due_at"] == "2026-11-23T10:25:00Z"


def test_record_retrospective_and_release_everyone(api: Api, declare: Declare) -> None:
    declare(severity="sev2")
    r = api.responder.post("/api/v1/incidents/INC-1/retrospective", json={})
    assert r.status_code == 409
    assert r.json()["rule"] == "retrospective.too_early"
    api.responder.post("/api/v1/incidents/INC-1/stage", json={"stage": "mitigated"})
    r = api.responder.post("/api/v1/incidents/INC-1/retrospective", json={})
    assert r.status_code == 200
    assert r.json()["retrospective"]["held_at"] == "2026-11-23T09:30:00Z"
    r = api.responder.post(
        "/api/v1/incidents/INC-1/retrospective", json={"occurred_at": "yesterday"}
    )
    assert r.status_code == 422
    assert "occurred_at" in r.text
    assert api.viewer.post("/api/v1/incidents/INC-1/retrospective", json={}).status_code == 403
    assert api.viewer.get("/api/v1/incidents/INC-9/clocks").status_code == 404

    for role, person in (("commander", "al"), ("worker", "bo"), ("observer", "cy")):
        api.responder.post("/api/v1/incidents/INC-1/roles", json={"role": role, "person": person})
    r = api.responder.post(
        "/api/v1/incidents/INC-1/release-everyone", json={"keep": ["commander", "observer"]}
    )
    assert r.status_code == 200
    assert r.json() == {"ref": "INC-1", "released": [{"role": "worker", "person": "bo"}]}
    r = api.responder.post("/api/v1/incidents/INC-1/release-everyone", json={"keep": ["pilot"]})
    assert r.status_code == 422


def test_cli_show_and_clocks(cli: Cli, api: Api, clock: ManualClock) -> None:
    assert cli("declare", "Logging in is broken", "--severity", "sev2").exit_code == 0
    cli("role", "INC-1", "commander", "alice")
    Room(api.wr, clock).advance(minutes=40)
    r = cli("show", "INC-1")
    assert r.exit_code == 0, r.output
    assert "Clocks:" in r.output
    assert "internal update OVERDUE 2026-11-23 10:00Z" in r.output
    assert "next escalate" in r.output
    r = cli("clocks", "INC-1", "--json")
    assert r.exit_code == 0
    assert json.loads(r.output)["update_overdue"] == ["internal"]
    cli("stage", "INC-1", "mitigated")
    r = cli("retrospective", "INC-1", "--at", "2026-11-23T10:05:00Z")
    assert r.exit_code == 0, r.output
    assert "recorded as held" in r.output
    r = cli("retrospective", "INC-1")
    assert r.exit_code == 1
    assert "retrospective.already" in r.output
    r = cli("release-all", "INC-1")
    assert r.exit_code == 0
    assert "Nobody to release on INC-1" in r.output


def test_policy_shows_quiet_hours_and_calendar(api: Api) -> None:
    policy = api.viewer.get("/api/v1/policy").json()
    assert policy["severities"][1]["quiet_hours"] == "next"
    assert policy["calendar"] == {
        "timezone": "UTC",
        "weekend": ["saturday", "sunday"],
        "holidays": [],
        "day_start": "09:00",
        "day_end": "17:00",
    }

"""Drills over HTTP and the CLI: start from a bundled scenario or a file, read the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api, Cli
from tests.support.policies import without_checklists
from warroom.adapters.drill_file import read_scenario
from warroom.bootstrap import Warroom
from warroom.domain.policy import Policy


@pytest.fixture
def policy(standard: Policy) -> Policy:
    return without_checklists(standard)


def output_of(result: Any) -> str:
    try:
        return str(result.output) + str(result.stderr)
    except ValueError:  # stderr not captured separately
        return str(result.output)


def test_cli_runs_a_bundled_drill_and_prints_its_report(cli: Cli, api: Api) -> None:
    listed = cli("drill", "list")
    assert listed.output.split() == ["login-outage", "payments-degraded"]
    started = cli("drill", "run", "login-outage")
    assert started.exit_code == 0, output_of(started)
    assert started.output.startswith("Drill INC-1 started at ")
    assert ": Login outage with an unreachable SME (8 events scheduled)" in started.output
    incident = api.viewer.get("/api/v1/incidents/INC-1").json()
    assert (incident["drill"], incident["visibility"]) == (True, "internal")
    report = cli("drill", "report", "INC-1")
    assert report.exit_code == 0, output_of(report)
    assert report.output.startswith("# Drill report: INC-1 — Login outage with an unreachable SME")
    assert "8 still to come" in report.output  # nothing injected until the worker runs
    as_json = api.viewer.get("/api/v1/drills/INC-1/report").json()
    assert as_json["events"]["pending"] == 8
    md = api.viewer.get("/api/v1/drills/INC-1/report.md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text == as_json["markdown"]


def test_cli_refuses_a_bad_scenario_naming_file_and_key(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.toml").write_text(
        'name = "x"\n[incident]\ntitle = "t"\nseverity = "sev1"\n'
        '[[events]]\nat = "5m"\nkind = "customer_report"\n',
        encoding="utf-8",
    )
    result = cli("drill", "run", "bad.toml")
    assert result.exit_code == 2
    assert "bad.toml: events[0]: Value error, customer is required" in output_of(result)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s["incident"].update(severity="sev9"), "scenario.incident.severity"),
        (lambda s: s["events"][0].pop("person"), "person is required"),
        (lambda s: s["events"][1].update(at="later"), "at"),
        (lambda s: s.update(extra=1), "extra"),
    ],
)
def test_api_refuses_bad_scenarios_naming_the_key(
    api: Api, change: Callable[[dict[str, Any]], None], field: str
) -> None:
    scenario, _ = read_scenario("login-outage")
    change(scenario)
    response = api.responder.post("/api/v1/drills", json={"scenario": scenario})
    assert response.status_code == 422, response.text
    assert field in response.text


def test_report_of_a_real_incident_is_refused(api: Api, declare: Callable[..., Any]) -> None:
    ref = declare()["ref"]
    response = api.viewer.get(f"/api/v1/drills/{ref}/report")
    assert response.status_code == 409
    assert "drills.not_a_drill" in response.text
    assert api.viewer.get("/api/v1/drills/INC-99/report").status_code == 404
    assert api.viewer.post("/api/v1/drills", json={}).status_code == 403


def test_cli_records_a_drill_after_the_fact_at_a_speed(cli: Cli, api: Api, wr: Warroom) -> None:
    began = wr.clock.now() - timedelta(hours=3)
    started = cli(
        "drill", "run", "payments-degraded", "--at", began.isoformat(), "--speed", "2", "--json"
    )
    assert started.exit_code == 0, output_of(started)
    assert datetime.fromisoformat(json.loads(started.output)["started_at"]) == began
    incident = api.viewer.get("/api/v1/incidents/INC-1").json()
    assert datetime.fromisoformat(incident["declared_at"]) == began
    clocks = api.viewer.get("/api/v1/incidents/INC-1/clocks").json()
    due = sorted(
        datetime.fromisoformat(c["due_at"]) for c in clocks["data"] if ":drill:" in c["key"]
    )
    offsets = [0, 5, 12, 15, 20, 30, 50]  # payments-degraded, in minutes
    assert due == [began + timedelta(minutes=m / 2) for m in offsets]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"occurred_at": "2026-11-24T09:00:00"}, "occurred_at"),  # no zone
        ({"speed": 0}, "speed"),
        ({"speed": 5000}, "speed"),
    ],
)
def test_api_refuses_a_future_start_or_a_bad_speed(
    api: Api, extra: dict[str, Any], field: str
) -> None:
    scenario, _ = read_scenario("login-outage")
    response = api.responder.post("/api/v1/drills", json={"scenario": scenario, **extra})
    assert response.status_code == 422, response.text
    assert field in response.text
    assert api.viewer.get("/api/v1/incidents").json()["count"] == 0


def test_cli_refuses_a_future_start(cli: Cli) -> None:
    result = cli("drill", "run", "login-outage", "--at", "2999-01-01T00:00:00Z")
    assert result.exit_code == 2, output_of(result)
    assert "occurred_at" in output_of(result) and "future" in output_of(result)


def test_a_repeated_start_with_the_same_key_replays_the_answer(api: Api, wr: Warroom) -> None:
    scenario, _ = read_scenario("payments-degraded")
    began = (wr.clock.now() - timedelta(minutes=30)).isoformat()
    body = {"scenario": scenario, "occurred_at": began, "speed": 3}
    headers = {"Idempotency-Key": "drill-7"}
    first = api.responder.post("/api/v1/drills", json=body, headers=headers)
    again = api.responder.post("/api/v1/drills", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert first.json() == again.json()
    assert datetime.fromisoformat(first.json()["started_at"]) == datetime.fromisoformat(began)
    assert api.viewer.get("/api/v1/incidents").json()["count"] == 1

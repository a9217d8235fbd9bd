"""Metrics over HTTP (JSON, CSV, the console dashboard, Prometheus) and the CLI."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest

from tests.conftest import Api, Cli
from tests.fakes import ManualClock
from tests.integration.test_metrics import NOW, record_history
from tests.support.console import ConsoleClient
from tests.support.policies import without_checklists
from warroom.bootstrap import Warroom
from warroom.domain.policy import Policy


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def policy(standard: Policy) -> Policy:
    return without_checklists(standard)


@pytest.fixture
def history(wr: Warroom) -> Warroom:
    record_history(wr)
    return wr


@pytest.fixture
def console(api: Api, history: Warroom) -> Iterator[ConsoleClient]:
    client = ConsoleClient(api.app, history, "viewer", "victor")
    yield client
    client.close()


def test_json_api_matches_the_hand_computed_numbers(api: Api, history: Warroom) -> None:
    body = api.viewer.get("/api/v1/metrics").json()
    [sev2] = [g for g in body["durations"]["by_severity"] if g["group"] == "sev2"]
    assert sev2["mttr"]["mean_seconds"] == 10800.0
    assert body["incidents"]["total"] == 3  # the drill and the restricted one left out
    admin = api.admin.get("/api/v1/metrics").json()
    assert admin["incidents"]["total"] == 4  # admins see the restricted one
    november = api.viewer.get(
        "/api/v1/metrics",
        params={"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "service": "login"},
    ).json()
    assert november["incidents"]["total"] == 1
    assert november["durations"]["overall"]["mtta"]["mean_seconds"] == 420.0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "to"),
        ({"severity": "sev9"}, "severity"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-11-02T00:00:00"}, "from"),
    ],
)
def test_bad_filters_are_problems_naming_the_field(
    api: Api, params: dict[str, str], field: str
) -> None:
    response = api.viewer.get("/api/v1/metrics", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


def test_csv_export(api: Api, history: Warroom) -> None:
    response = api.viewer.get("/api/v1/metrics.csv", params={"severity": "sev2"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    [mttr] = [r for r in rows if (r["section"], r["metric"]) == ("overall", "mttr")]
    assert (mttr["count"], float(mttr["mean_seconds"])) == ("1", 10800.0)


def test_prometheus_gauges_come_from_the_database(api: Api, history: Warroom) -> None:
    text = api.anonymous.get("/metrics").text
    assert 'warroom_incident_mttr_seconds{severity="sev2"} 10800.0' in text
    assert 'warroom_incident_mtta_seconds{severity="sev3"} 1050.0' in text
    assert "warroom_incidents_open 3.0" in text
    assert "warroom_followups_overdue 1.0" in text
    assert 'warroom_update_adherence_ratio{audience="internal"} 0.5' in text
    assert "warroom_retrospective_adherence_ratio 0.5" in text


def test_dashboard_renders_svg_charts_without_external_scripts(console: ConsoleClient) -> None:
    page = console.get("/dashboard", params={"from": "2026-11-01", "severity": "sev2"})
    assert page.status_code == 200, page.text
    assert page.text.count("<svg") >= 4
    svgs = re.findall(r"<svg.*?</svg>", page.text, flags=re.S)
    assert svgs
    for svg in svgs:
        assert not re.search(r"<script[^>]*\ssrc=", svg)
        assert "http://kozea.github.io" not in svg and "//cdn" not in svg
    assert "180.0 min" in page.text  # sev2 resolve: 3 h
    assert 'value="2026-11-01"' in page.text
    csv_page = console.get("/dashboard.csv", params={"from": "2026-11-01"})
    assert csv_page.headers["content-type"].startswith("text/csv")
    assert "update_adherence" in csv_page.text
    bad = console.get("/dashboard", params={"from": "soon"})
    assert bad.status_code == 422
    assert "not a date" in bad.text


def test_cli_metrics(cli: Cli, history: Warroom) -> None:
    table = cli("metrics")
    assert table.exit_code == 0, table.output
    assert "Incidents: 3 (3 open)" in table.output
    assert "180.0m (n=1)" in table.output
    as_csv = cli("metrics", "--csv", "--severity", "sev3")
    assert as_csv.output.splitlines()[0] == (
        "section,group,metric,count,mean_seconds,median_seconds,p90_seconds,ratio"
    )
    bad = cli("metrics", "--severity", "sev9")
    assert bad.exit_code == 2

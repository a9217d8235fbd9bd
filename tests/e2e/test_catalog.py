"""The service catalog over HTTP and from the CLI: import, export, CRUD, errors."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from tests.conftest import Api, Cli
from tests.support.catalog import CATALOG


def test_import_is_idempotent_and_reports_what_changed(api: Api) -> None:
    first = api.admin.post("/api/v1/catalog", json=CATALOG)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 9
    again = api.admin.post("/api/v1/catalog", json=CATALOG)
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        9,
    )
    changed = copy.deepcopy(CATALOG)
    changed["people"][2]["timezone"] = "Asia/Tokyo"
    changed["escalation_policies"][0]["repeats"] = 2
    third = api.admin.post("/api/v1/catalog", json=changed).json()
    assert third["updated"] == 2
    assert third["by_kind"]["people"]["updated"] == ["carol"]
    assert third["by_kind"]["escalation_policies"]["updated"] == ["payments-escalation"]
    exported = api.viewer.get("/api/v1/catalog").json()
    assert exported["people"][2]["timezone"] == "Asia/Tokyo"
    assert exported["services"][0]["schedule"] == "payments-primary"


def test_import_errors_name_the_key(api: Api) -> None:
    bad = copy.deepcopy(CATALOG)
    bad["services"][0]["team"] = "nobody"
    response = api.admin.post("/api/v1/catalog", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "services[0].team"
    bad = copy.deepcopy(CATALOG)
    bad["schedules"][0]["timezone"] = "Mars/Olympus"
    response = api.admin.post("/api/v1/catalog", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "schedules[0].timezone"
    assert api.viewer.get("/api/v1/people").json()["count"] == 0  # nothing half-imported


def test_crud_one_entry_at_a_time(api: Api) -> None:
    api.admin.post("/api/v1/catalog", json=CATALOG)
    created = api.responder.put(
        "/api/v1/people/erin", json={"handle": "erin", "timezone": "Asia/Tokyo"}
    )
    assert created.status_code == 201, created.text
    updated = api.responder.put("/api/v1/people/erin", json={"handle": "erin", "name": "Erin"})
    assert updated.status_code == 200 and updated.json()["outcome"] == "updated"
    assert api.viewer.get("/api/v1/people/erin").json()["name"] == "Erin"
    mismatch = api.responder.put("/api/v1/teams/x", json={"name": "y"})
    assert mismatch.status_code == 422
    in_use = api.admin.delete("/api/v1/schedules/payments-primary")
    assert in_use.status_code == 409 and "payments-api" in in_use.json()["detail"]
    assert api.admin.delete("/api/v1/people/erin").status_code == 204
    assert api.viewer.get("/api/v1/people/erin").status_code == 404
    assert api.viewer.delete("/api/v1/people/alice").status_code == 403


def test_cli_import_export_list_show(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(CATALOG))
    result = cli("catalog", "import", str(path), role="admin")
    assert result.exit_code == 0, result.output
    assert "9 created" in result.output
    result = cli("catalog", "import", str(path), role="admin")
    assert "0 created, 0 updated, 9 unchanged" in result.output
    exported = cli("catalog", "export")
    assert exported.exit_code == 0
    assert yaml.safe_load(exported.output)["services"][0]["name"] == "payments-api"
    listed = cli("catalog", "list", "services")
    assert "payments-api" in listed.output and "payments-escalation" in listed.output
    shown = cli("catalog", "show", "people", "alice", "--json")
    assert '"timezone": "Europe/Paris"' in shown.output
    bad = copy.deepcopy(CATALOG)
    bad["teams"][0]["members"].append("zed")
    path.write_text(yaml.safe_dump(bad))
    result = cli("catalog", "import", str(path), role="admin")
    assert result.exit_code == 2
    assert f"{path}: teams[0].members[3]: unknown person 'zed'" in result.output
    path.write_text("people: [\n")
    result = cli("catalog", "import", str(path), role="admin")
    assert result.exit_code == 2 and str(path) in result.output

"""The audit log: every command through the bus, who/when/where/what, before and after."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import Api, Cli
from tests.fakes import ManualClock
from tests.support.console import ConsoleClient
from warroom.bootstrap import Warroom
from warroom.domain.commands import AddTimelineEntry
from warroom.domain.enums import EntryKind
from warroom.service_layer import audit

Declare = Callable[..., dict[str, Any]]


def _audit(api: Api, **params: Any) -> dict[str, Any]:
    r = api.admin.get("/api/v1/audit", params=params)
    assert r.status_code == 200, r.text
    page: dict[str, Any] = r.json()
    return page


def _after_setup(api: Api) -> list[dict[str, Any]]:
    """The rows newer than the fixture's three API tokens (themselves audited writes)."""
    rows: list[dict[str, Any]] = _audit(api)["data"]
    setup = rows[-3:]
    assert [(r["command"], r["channel"], r["actor"]) for r in setup] == [
        ("CreateToken", "internal", "warroom")
    ] * 3
    return rows[:-3]


def test_each_write_records_who_when_where_what_and_the_change(
    api: Api, declare: Declare, clock: ManualClock
) -> None:
    declare("Checkout is failing", severity="sev2")
    clock.advance(minutes=3)
    r = api.responder.post(
        "/api/v1/incidents/INC-1/stage",
        json={"stage": "identified"},
        headers={"User-Agent": "pager-bot/1.0"},
    )
    assert r.status_code == 200, r.text

    stage, declared = _after_setup(api)  # newest first
    assert declared["command"] == "DeclareIncident"
    assert declared["actor"] == "emily"
    assert declared["role"] == "responder"
    assert declared["channel"] == "api"
    assert declared["client_ip"] == "testclient"
    assert declared["refs"] == ["INC-1"]
    assert declared["fields"]["title"] == "Checkout is failing"
    inserted = [c for c in declared["changes"] if c["entity"] == "incidents"]
    assert inserted[0]["op"] == "insert"
    assert inserted[0]["after"]["title"] == "Checkout is failing"

    assert stage["command"] == "ChangeStage"
    assert stage["user_agent"] == "pager-bot/1.0"
    assert stage["at"] > declared["at"]
    update = next(c for c in stage["changes"] if c["entity"] == "incidents")
    assert update["target"] == "INC-1"
    assert update["before"]["stage"] == "investigating"
    assert update["after"]["stage"] == "identified"
    entries = [c for c in stage["changes"] if c["entity"] == "timeline_entries"]
    assert entries and all(c["op"] == "insert" for c in entries)


def test_a_refused_command_leaves_no_audit_row(api: Api, declare: Declare) -> None:
    declare()
    r = api.responder.post("/api/v1/incidents/INC-1/stage", json={"stage": "closed"})
    assert r.status_code == 409
    assert [row["command"] for row in _after_setup(api)] == ["DeclareIncident"]


def test_filters_and_pagination(api: Api, declare: Declare, clock: ManualClock) -> None:
    start = clock.now()
    declare("first")
    clock.advance(minutes=10)
    middle = clock.now()
    declare("second")
    r = api.admin.post("/api/v1/incidents/INC-2/timeline", json={"text": "from the admin"})
    assert r.status_code == 201, r.text
    assert _audit(api, actor="root")["count"] == 1
    assert _audit(api, ref="INC-2")["count"] == 2
    assert _audit(api, ref="1")["count"] == 1
    assert _audit(api, command="DeclareIncident")["count"] == 2
    assert _audit(api, **{"from": middle.isoformat()})["count"] == 2
    # The fixture's three tokens were made at the start too.
    assert _audit(api, to=middle.isoformat())["count"] == 1 + 3
    assert _audit(api, **{"from": start.isoformat(), "to": middle.isoformat()})["count"] == 1 + 3
    page = _audit(api, limit=1, offset=1)
    assert page["count"] == 3 + 3
    assert [r["fields"].get("title") for r in page["data"]] == ["second"]
    bad = api.admin.get("/api/v1/audit", params={"ref": "nonsense"})
    assert bad.status_code == 422
    assert "ref" in bad.text


def test_only_admins_read_or_export_the_audit_log(api: Api) -> None:
    for path in ("/api/v1/audit", "/api/v1/audit/export"):
        assert api.responder.get(path).status_code == 403
        assert api.viewer.get(path).status_code == 403
        assert api.anonymous.get(path).status_code == 401


def test_export_as_json_lines_and_csv(api: Api, declare: Declare) -> None:
    declare('=HYPERLINK("http://evil")')
    declare("second")
    r = api.admin.get("/api/v1/audit/export")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [row["command"] for row in lines[:3]] == ["CreateToken"] * 3
    assert [row["fields"]["title"] for row in lines[3:]] == ['=HYPERLINK("http://evil")', "second"]

    r = api.admin.get(
        "/api/v1/audit/export", params={"format": "csv", "command": "DeclareIncident"}
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["refs"] for row in rows] == ["INC-1", "INC-2"]
    assert json.loads(rows[1]["fields"])["title"] == "second"
    # A cell a spreadsheet would run as a formula is defused.
    assert all(not cell.startswith("=") for row in rows for cell in row.values())


def test_the_database_refuses_to_change_or_remove_audit_rows(
    api: Api, declare: Declare, wr: Warroom
) -> None:
    declare()
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), wr.db.write.begin() as conn:
            conn.execute(text(statement))
    with wr.db.read.connect() as conn:
        actors = conn.execute(text("SELECT actor FROM audit_log ORDER BY id")).scalars().all()
    assert actors == ["warroom"] * 3 + ["emily"]


def test_commands_from_the_cli_chat_and_background_are_audited(
    api: Api, cli: Cli, declare: Declare, wr: Warroom
) -> None:
    declare()
    client = api.clients["responder"]
    client.headers["User-Agent"] = audit.CLI_AGENT + "/test"
    result = cli("log", "INC-1", "noted from a terminal")
    assert result.exit_code == 0, result.output
    # A command run with no request around it (a script, a timer) is still recorded.
    wr.bus.handle(
        AddTimelineEntry(ref="INC-1", kind=EntryKind.NOTE, text="from a script", by="ops-script")
    )
    with audit.bound(audit.Origin(channel="worker", actor="warroom")):
        wr.bus.handle(AddTimelineEntry(ref="INC-1", kind=EntryKind.NOTE, text="x", by="timer"))
    rows = _audit(api)["data"]
    assert [(r["channel"], r["actor"]) for r in rows[:3]] == [
        ("worker", "warroom"),
        ("internal", "ops-script"),
        ("cli", "emily"),
    ]

    listed = cli("audit", "--json", "--command", "AddTimelineEntry", role="admin")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)["count"] == 3
    table = cli("audit", "--ref", "INC-1", role="admin")
    assert table.exit_code == 0, table.output
    assert "DeclareIncident" in table.output and "4 of 4" in table.output
    assert cli("audit", role="responder").exit_code == 1


def test_intake_console_and_status_page_writes_are_audited_with_their_origin(
    api: Api, wr: Warroom
) -> None:
    made = api.admin.post(
        "/api/v1/integrations", json={"name": "prom", "kind": "alertmanager", "service": None}
    )
    assert made.status_code == 201, made.text
    alert = {"alerts": [{"status": "firing", "labels": {"alertname": "DiskFull"}}]}
    sent = api.anonymous.post(
        "/api/v1/alerts/alertmanager",
        json=alert,
        headers={
            "Authorization": f"Bearer {made.json()['key']}",
            "User-Agent": "Alertmanager/0.27",
        },
    )
    assert sent.status_code == 200, sent.text

    console = ConsoleClient(api.app, wr, "responder", "carol")
    declared = console.post(
        "/declare", {"title": "Console declared", "severity": "sev3", "force": "1"}
    )
    assert declared.status_code in (200, 303), declared.text

    rows = {r["command"]: r for r in _audit(api)["data"]}
    intake = rows["IngestAlerts"]
    assert (intake["channel"], intake["actor"]) == ("intake", "prom")
    assert intake["user_agent"] == "Alertmanager/0.27"
    assert intake["client_ip"] == "testclient"
    assert rows["CreateIntegration"]["actor"] == "root"
    console_row = rows["DeclareIncident"]
    assert (console_row["channel"], console_row["actor"]) == ("console", "carol")
    # The integration's key never lands in the audit log.
    assert made.json()["key"] not in json.dumps(_audit(api))

"""Exit codes and --json/--at on every command: 0 ok, 1 rule, 2 input, 3 unreachable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import Cli
from tests.fakes import ManualClock
from tests.support.testplan import person_client
from warroom.entrypoints.cli.client import http_client_factory
from warroom.entrypoints.cli.main import app
from warroom.entrypoints.cli.state import CliState


@pytest.fixture
def incident(cli: Cli) -> str:
    r = cli("declare", "Logging in is broken", "--severity", "sev2", "--service", "auth")
    assert r.exit_code == 0, r.output
    return "INC-1"


def test_duplicate_declaration_prints_candidates_and_exits_1(cli: Cli, incident: str) -> None:
    r = cli("declare", "Login failures", "--service", "auth")
    assert r.exit_code == 1
    assert "INC-1 [sev2, investigating] Logging in is broken" in r.output
    assert "#inc-23-11-26-logging-in-is-broken" in r.output
    r = cli("declare", "Login failures", "--service", "auth", "--force")
    assert r.exit_code == 0
    assert "Declared INC-2" in r.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["stage", "INC-1", "closed"], 1, "rule: stages.transition"),
        (["role", "INC-1", "commander", "alice"], 0, "alice is commander"),
        (["stage", "INC-1", "finished"], 2, "stage"),
        (["severity", "INC-1", "sev9"], 2, "unknown severity 'sev9'"),
        (["role", "INC-1", "pilot", "bob"], 2, "role"),
        (["show", "INC-99"], 2, "INC-99"),
        (["show", "nonsense"], 2, "not an incident reference"),
        (["log", "INC-1", "x", "--at", "2099-01-01T00:00:00Z"], 2, "in the future"),
        (["log", "INC-1", "x", "--at", "yesterday"], 2, "occurred_at"),
        (["log", "INC-1", "x", "--kind", "stage-change"], 2, "written by the engine"),
        (["followup", "done", "INC-1", "7"], 2, "#7"),
        (["update", "INC-1", "x", "--audience", "press"], 2, "audience"),
    ],
)
def test_exit_codes(cli: Cli, incident: str, args: list[str], code: int, message: str) -> None:
    r = cli(*args)
    assert r.exit_code == code, r.output
    assert message in r.output


def test_viewer_is_refused_writes_with_exit_1(cli: Cli, incident: str) -> None:
    r = cli("log", incident, "hello", role="viewer")
    assert r.exit_code == 1
    assert "viewer role may not write" in r.output
    assert cli("show", incident, role="viewer").exit_code == 0


def test_unreachable_server_exits_3() -> None:
    state = CliState(client_factory=http_client_factory("http://127.0.0.1:9", "wr_x"))
    r = CliRunner().invoke(app, ["list"], obj=state)
    assert r.exit_code == 3
    assert "cannot reach warroom at http://127.0.0.1:9" in r.output


def test_missing_token_exits_2() -> None:
    state = CliState(client_factory=http_client_factory("http://127.0.0.1:9", None))
    r = CliRunner().invoke(app, ["list"], obj=state)
    assert r.exit_code == 2
    assert "WARROOM_TOKEN is not set" in r.output


def test_every_write_accepts_at_and_every_read_json(
    cli: Cli, incident: str, clock: ManualClock
) -> None:
    clock.advance(minutes=30)
    at = "2026-11-23T09:45:00Z"
    writes = [
        ["ack", incident, "--at", at],
        ["role", incident, "commander", "alice", "--at", at],
        ["role", incident, "communications", "dana", "--at", at],
        ["log", incident, "restarted the IdP pods", "--kind", "manual-change", "--at", at],
        ["update", incident, "We are investigating", "--audience", "customers", "--at", at],
        ["severity", incident, "sev1", "--reason", "all users", "--at", at],
        [
            "experiment",
            "start",
            incident,
            "IdP down",
            "--action",
            "fail over",
            "--minutes",
            "15",
            "--at",
            at,
        ],
        ["experiment", "conclude", incident, "1", "confirmed", "it was", "--at", at],
        ["stage", incident, "mitigated", "--at", at],
        [
            "followup",
            "add",
            incident,
            "Second IdP",
            "--kind",
            "durable-fix",
            "--owner",
            "carol",
            "--at",
            at,
        ],
        ["followup", "done", incident, "1", "--at", at],
        ["why", incident, "The IdP is a single point of failure", "--at", at],
        ["role", incident, "communications", "dana", "--release", "--at", at],
        ["role", incident, "worker", "emily", "--at", at],
        ["testplan", "step", incident, "Log in", "--at", at],
        ["testplan", "result", incident, "1", "staging", "passed", "--at", at],
        ["testplan", "result", incident, "1", "production", "passed", "--at", at],
        ("alice", ["testplan", "signer", incident, "quinn", "--at", at]),
        ("alice", ["testplan", "sign", incident, "--at", at]),
        ["testplan", "sign", incident, "--at", at],
        ("quinn", ["testplan", "sign", incident, "--at", at]),
        ["testplan", "tests", incident, "https://ci.example.com/1", "--at", at],
        ["fix", incident, "Second IdP live", "--tests", "https://ci.example.com/2", "--at", at],
        ["durability", "flag", incident, "other", "IdP pods pinned", "--at", at],
        ("alice", ["durability", "waive", incident, "1", "--reason", "kept", "--at", at]),
        ["stage", incident, "resolved", "--at", at],
    ]
    for name in ("alice", "quinn"):
        person_client(cli.api, name)
    for entry in writes:
        role, args = entry if isinstance(entry, tuple) else ("responder", entry)
        r = cli(*args, "--json", role=role)
        assert r.exit_code == 0, (args, r.output)
        json.loads(r.output)
    shown = json.loads(cli("show", incident, "--json").output)
    written = [
        e
        for e in shown["timeline"]
        if (e["kind"] != "system" or "Follow-up" in e["text"])
        # checklist items ticked by the declaration itself keep the declaration's time
        and e["data"].get("auto") != "IncidentDeclared"
    ]
    assert all(e["occurred_at"] == at for e in written[1:]), written
    assert shown["acknowledged_at"] == at
    for read in (
        ["list"],
        ["show", incident],
        ["postmortem", incident],
        ["testplan", "show", incident],
        ["durability", "list", incident],
    ):
        r = cli(*read, "--json")
        assert r.exit_code == 0
        json.loads(r.output)


def test_postmortem_draft_save_publish(cli: Cli, incident: str, tmp_path: Path) -> None:
    r = cli("postmortem", incident)
    assert r.output.startswith("# Postmortem INC-1: Logging in is broken")
    assert "[unsaved]" in r.output
    cli("stage", incident, "mitigated")
    body = tmp_path / "pm.md"
    body.write_text("# Postmortem INC-1\n\nWe fixed it.\n")
    r = cli("postmortem", incident, "--file", str(body), "--publish")
    assert r.exit_code == 0, r.output
    assert "We fixed it." in r.output
    assert "[published]" in r.output
    r = cli("postmortem", incident, "--save")
    assert r.exit_code == 1
    assert "rule: postmortem.published" in r.output

"""The issue's scenario, run from the CLI against the API in process."""

from __future__ import annotations

import json

from tests.conftest import Cli
from tests.fakes import ManualClock
from tests.support.testplan import person_client
from warroom.bootstrap import Warroom


def test_a_whole_incident_from_the_terminal(cli: Cli, wr: Warroom, clock: ManualClock) -> None:
    clock.set(clock.now().replace(hour=9, minute=30))
    result = cli(
        "declare",
        "Logging in is broken for all users",
        "--severity",
        "sev1",
        "--functionality",
        "logging in",
        "--state",
        "broken",
        "--audience",
        "all users",
        "--service",
        "auth",
        "--customers",
        "40",
    )
    assert result.exit_code == 0, result.output
    assert "Declared INC-1 (sev1): Logging in is broken for all users" in result.output
    assert "channel #inc-23-11-26-logging-in-broken-all-users" in result.output
    clock.advance(minutes=10)
    assert cli("role", "INC-1", "commander", "alice").exit_code == 0
    assert cli("role", "INC-1", "worker", "bob").exit_code == 0
    r = cli(
        "log",
        "INC-1",
        "Emily found failing requests to the identity provider",
        "--kind",
        "hypothesis",
        "--at",
        "2026-11-23T09:34:00Z",
    )
    assert r.exit_code == 0, r.output
    for stage in ("identified", "restoring", "mitigated"):
        r = cli("stage", "INC-1", stage)
        assert r.exit_code == 0, r.output
    r = cli(
        "followup",
        "add",
        "INC-1",
        "Add a second identity provider",
        "--kind",
        "durable-fix",
        "--owner",
        "carol",
    )
    assert r.exit_code == 0, r.output
    r = cli("show", "INC-1", "--json")
    assert r.exit_code == 0, r.output
    shown = json.loads(r.output)
    assert shown["stage"] == "mitigated"
    assert shown["severity"] == "sev1"
    assert [(x["role"], x["person"]) for x in shown["roles"] if x["active"]] == [
        ("commander", "alice"),
        ("worker", "bob"),
    ]
    assert shown["followups"][0]["title"] == "Add a second identity provider"
    hypothesis = next(e for e in shown["timeline"] if e["kind"] == "hypothesis")
    assert hypothesis["occurred_at"] == "2026-11-23T09:34:00Z"
    assert shown["process"]["blocked"]["resolved"][0]["gate"] == "durable_followups_closed"
    assert shown["process"]["missing_roles"] == ["communications"]

    # The durable fix blocks resolution until the follow-up is done: exit 1 names the rule.
    r = cli("stage", "INC-1", "resolved")
    assert r.exit_code == 1
    assert (
        "[rule: gates.durable_followups_closed, test_plan_signed, automated_tests_recorded]"
        in r.output
    )
    assert cli("followup", "done", "INC-1", "1").exit_code == 0

    # Document 003: the test plan runs in staging and production and is signed by the
    # commander and a worker; automated tests are recorded before green.
    alice, bob = person_client(cli.api, "alice"), person_client(cli.api, "bob")
    assert cli("testplan", "step", "INC-1", "Log in with SSO").exit_code == 0
    r = cli("testplan", "step", "INC-1", "Sign up a new user", "--customer-data")
    assert r.exit_code == 0, r.output
    r = cli("testplan", "result", "INC-1", "2", "production", "passed")
    assert r.exit_code == 1
    assert "[rule: testplan.customer_data_in_production]" in r.output
    for number, env in (("1", "staging"), ("1", "production"), ("2", "staging")):
        r = cli("testplan", "result", "INC-1", number, env, "passed", role=bob)
        assert r.exit_code == 0, r.output
    assert cli("testplan", "sign", "INC-1", role=bob).output.startswith(
        "Signed; still to sign: the commander (alice)"
    )
    assert cli("testplan", "sign", "INC-1", role=alice).output == "Test plan signed\n"
    r = cli("stage", "INC-1", "resolved")
    assert r.exit_code == 1 and "[rule: gates.automated_tests_recorded]" in r.output
    r = cli("testplan", "tests", "INC-1", "https://ci.example.com/auth/812", role=bob)
    assert r.exit_code == 0, r.output
    r = cli("show", "INC-1")
    assert "Test plan: signed" in r.output
    assert "#2 Sign up a new user [customer data]: staging passed, production skipped" in r.output
    assert cli("stage", "INC-1", "resolved").exit_code == 0


def test_list_and_show_for_people(cli: Cli) -> None:
    cli("declare", "Checkout slow", "--severity", "sev2", "--service", "payments")
    cli("declare", "Search down", "--severity", "sev3", "--service", "search")
    r = cli("list")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].split() == ["REF", "SEV", "STAGE", "AGE", "COMMANDER", "SUMMARY"]
    assert [line.split()[0] for line in lines[1:]] == ["INC-2", "INC-1"]
    r = cli("list", "--severity", "sev2", "--json")
    assert [i["ref"] for i in json.loads(r.output)["data"]] == ["INC-1"]
    r = cli("show", "INC-2")
    assert "INC-2  SEV3 — minor  INVESTIGATING" in r.output
    assert "missing: commander" in r.output

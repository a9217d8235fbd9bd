"""Test plans, fixes and the durability audit on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, select

from tests.fakes import ManualClock
from tests.support.policies import without_clocks
from warroom import queries
from warroom.adapters import db as database
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain import testplan_commands as tc
from warroom.domain.durability import DurabilityStatus, NonDurableCategory
from warroom.domain.enums import EntryKind, FollowUpKind, FollowUpStatus, RoleName, Stage
from warroom.domain.errors import GateBlocked, InvalidInput, RuleViolation
from warroom.domain.policy import Policy
from warroom.domain.testplan import Environment, StepStatus
from warroom.service_layer.testplan_view import durability_view, plan_view
from warroom.service_layer.views import load_incident

TABLES = {
    "test_steps",
    "test_signers",
    "test_signoffs",
    "automated_tests",
    "fixes",
    "non_durable_items",
}


@pytest.fixture
def policy(standard: Policy) -> Policy:
    """Only the rules counted here: cadences and checklists would add reminders of their own."""
    return without_clocks(standard)


def _declare(wr: Warroom) -> str:
    ref = str(
        wr.bus.handle(
            c.DeclareIncident(title="Logins fail", severity="sev2", by="dora", force=True)
        )["ref"]
    )
    for role, person in (
        (RoleName.COMMANDER, "alice"),
        (RoleName.COMMUNICATIONS, "carol"),
        (RoleName.WORKER, "bob"),
    ):
        wr.bus.handle(c.AssignRole(ref=ref, role=role, person=person, by="dora"))
    return ref


def _plan(wr: Warroom, ref: str) -> dict[str, Any]:
    with wr.read_session() as session:
        return plan_view(load_incident(session, ref))


def test_a_test_plan_is_stored_signed_and_gates_resolution(wr: Warroom, clock: ManualClock) -> None:
    ref = _declare(wr)
    h = wr.bus.handle
    h(tc.AddTestStep(ref=ref, title="Log in with SSO", by="alice"))
    h(tc.AddTestStep(ref=ref, title="Sign up a new account", by="alice", customer_data=True))
    with pytest.raises(RuleViolation) as err:
        h(
            tc.RecordStepResult(
                ref=ref,
                number=2,
                environment=Environment.PRODUCTION,
                status=StepStatus.PASSED,
                by="bob",
            )
        )
    assert err.value.rule == "testplan.customer_data_in_production"
    for number, env in (
        (1, Environment.STAGING),
        (1, Environment.PRODUCTION),
        (2, Environment.STAGING),
    ):
        h(
            tc.RecordStepResult(
                ref=ref,
                number=number,
                environment=env,
                status=StepStatus.PASSED,
                by="bob",
                note="ok",
            )
        )
    h(tc.RequireSigner(ref=ref, person="quinn", by="alice"))
    for person in ("alice", "bob"):
        clock.advance(minutes=1)
        h(tc.SignTestPlan(ref=ref, by=person))
    plan = _plan(wr, ref)
    assert plan["signed"] is False and plan["missing_signoffs"] == ["quinn"]
    h(tc.SignTestPlan(ref=ref, by="quinn"))
    h(tc.RecordAutomatedTests(ref=ref, url="https://ci.example.com/r/1", by="bob"))
    plan = _plan(wr, ref)
    assert plan["signed"] is True
    steps = plan["steps"]
    assert isinstance(steps, list)
    assert steps[1]["results"]["production"]["status"] == "skipped"
    assert steps[1]["results"]["production"]["by"] == "warroom"
    staging = steps[0]["results"]["staging"]
    assert (staging["status"], staging["note"], staging["by"]) == ("passed", "ok", "bob")
    assert [s["person"] for s in plan["signoffs"]] == ["alice", "bob", "quinn"]
    h(c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="alice"))
    h(c.ChangeStage(ref=ref, stage=Stage.RESOLVED, by="alice"))
    with wr.read_session() as session:
        assert load_incident(session, ref).stage is Stage.RESOLVED


def test_an_untested_fix_drops_the_severity_notifies_and_waits_for_tests(wr: Warroom) -> None:
    ref = _declare(wr)
    h = wr.bus.handle
    result = h(tc.RecordFix(ref=ref, text="Hot patch of the token cache", by="bob"))
    assert result == {"ref": ref, "number": 1, "severity": "sev3"}
    with wr.db.read.connect() as conn:
        rows = conn.execute(
            select(outbox.c.channel, outbox.c.destination, outbox.c.subject, outbox.c.body)
        ).all()
        texts = [e["text"] for e in queries.timeline(conn, 1, limit=100)]
    assert [
        (r.channel, r.destination, r.subject)
        for r in rows
        if "untested" in r.body or "without" in r.subject
    ] == [("log", "alice", f"{ref} dropped to sev3: fix without automated tests")]
    assert "Fix #1 released without automated tests: Hot patch of the token cache" in texts
    h(c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="alice"))
    with pytest.raises(GateBlocked) as err:
        h(c.ChangeStage(ref=ref, stage=Stage.RESOLVED, by="alice"))
    assert [n for n, _ in err.value.failures] == [
        "untested_fix_covered",
        "test_plan_signed",  # sev2's gates still hold after the drop
        "automated_tests_recorded",
    ]
    h(tc.RecordAutomatedTests(ref=ref, url="https://ci.example.com/r/2", by="bob"))
    plan = _plan(wr, ref)
    assert plan["awaiting_tests"] is False
    h(tc.AddTestStep(ref=ref, title="Log in with SSO", by="alice"))
    for env in Environment:
        h(
            tc.RecordStepResult(
                ref=ref, number=1, environment=env, status=StepStatus.PASSED, by="bob"
            )
        )
    for person in ("alice", "bob"):
        h(tc.SignTestPlan(ref=ref, by=person))
    h(c.ChangeStage(ref=ref, stage=Stage.RESOLVED, by="alice"))


def test_the_durability_audit_stores_items_follow_ups_and_waivers(wr: Warroom) -> None:
    ref = _declare(wr)
    h = wr.bus.handle
    h(
        c.AddTimelineEntry(
            ref=ref, kind=EntryKind.MANUAL_CHANGE, text="scaled ASG by hand", by="bob"
        )
    )
    with wr.db.read.connect() as conn:
        entry_id = next(
            e["id"] for e in queries.timeline(conn, 1, limit=100) if e["kind"] == "manual-change"
        )
    with pytest.raises(InvalidInput) as bad:
        h(
            tc.FlagNonDurable(
                ref=ref,
                category=NonDurableCategory.OTHER,
                text="",
                by="bob",
                entry_id=entry_id + 1000,
            )
        )
    assert bad.value.field == "entry_id"
    h(
        tc.FlagNonDurable(
            ref=ref,
            category=NonDurableCategory.MANUAL_INFRASTRUCTURE,
            text="",
            by="bob",
            entry_id=entry_id,
        )
    )
    h(
        tc.FlagNonDurable(
            ref=ref,
            category=NonDurableCategory.RESTART_CRON,
            text="restart pods every 15 minutes",
            by="bob",
        )
    )
    h(tc.WaiveNonDurable(ref=ref, number=2, reason="removed with the fix", by="alice"))
    h(c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="alice"))
    with wr.read_session() as session:
        incident = load_incident(session, ref)
        view = durability_view(incident)
        followups = [(f.number, f.kind, f.owner, f.status) for f in incident.followups]
    assert [
        (i["number"], i["text"], i["status"], i["followup"], i["entry_id"]) for i in view["data"]
    ] == [
        (1, "scaled ASG by hand", DurabilityStatus.FOLLOWUP, 1, entry_id),
        (2, "restart pods every 15 minutes", DurabilityStatus.WAIVED, None, None),
    ]
    assert followups == [(1, FollowUpKind.DURABLE_FIX, "alice", FollowUpStatus.OPEN)]


def test_the_test_plan_migration_goes_down_and_up(database_url: str) -> None:
    db = database.open_database(database_url)
    try:
        database.downgrade(db, "0004_clocks")
        assert not TABLES & set(inspect(db.write).get_table_names())
        database.upgrade(db, "head")
        assert set(inspect(db.write).get_table_names()) >= TABLES
    finally:
        db.dispose()

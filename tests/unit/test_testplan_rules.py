"""Document 003's test plan, automated tests and untested-fix drop; document 002's audit."""

from __future__ import annotations

import pytest

from tests.unit.helpers import T0, at, declare, pass_tests, staff, walk
from warroom.adapters.policy_file import load_policy
from warroom.domain import testplan_events as ev
from warroom.domain.durability import DurabilityStatus, NonDurableCategory
from warroom.domain.enums import FollowUpKind, FollowUpStatus, RoleName, Stage
from warroom.domain.errors import GateBlocked, InvalidInput, RuleViolation
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy
from warroom.domain.testplan import Environment, StepStatus

STAGING, PRODUCTION = Environment.STAGING, Environment.PRODUCTION


def _staffed(policy: Policy, severity: str = "sev2") -> Incident:
    inc = declare(policy, severity=severity)
    staff(inc, policy)  # person0 commander, person1 communications, person2 worker
    return inc


def _result(
    inc: Incident,
    policy: Policy,
    n: int,
    env: Environment,
    status: StepStatus,
    note: str = "",
    by: str = "person2",
) -> None:
    inc.record_step_result(n, env, status, policy=policy, by=by, now=T0, note=note)


def test_a_customer_data_step_is_skipped_in_production_and_cannot_be_run_there(
    standard: Policy,
) -> None:
    inc = _staffed(standard)
    step = inc.add_test_step(
        "Create an order for a test account", customer_data=True, policy=standard, by="a", now=T0
    )
    assert step.status(PRODUCTION) is StepStatus.SKIPPED
    assert "customer data" in step.note(PRODUCTION)
    assert step.status(STAGING) is StepStatus.PENDING
    for status in (StepStatus.PASSED, StepStatus.FAILED, StepStatus.PENDING):
        with pytest.raises(RuleViolation) as err:
            _result(inc, standard, 1, PRODUCTION, status)
        assert err.value.rule == "testplan.customer_data_in_production"
    _result(inc, standard, 1, STAGING, StepStatus.PASSED)
    assert inc.unfinished_steps() == []
    assert "skipped in production" in inc.new_entries[-2].text


def test_a_skip_needs_a_reason_and_unknown_steps_are_not_found(standard: Policy) -> None:
    inc = _staffed(standard)
    inc.add_test_step("Log in", policy=standard, by="a", now=T0)
    with pytest.raises(RuleViolation) as err:
        _result(inc, standard, 1, STAGING, StepStatus.SKIPPED)
    assert err.value.rule == "testplan.skip_reason"
    _result(inc, standard, 1, STAGING, StepStatus.SKIPPED, note="staging has no IdP")
    with pytest.raises(Exception, match="test step '#9 on INC-1' not found"):
        _result(inc, standard, 9, STAGING, StepStatus.PASSED)
    with pytest.raises(InvalidInput) as bad:
        inc.add_test_step("  ", policy=standard, by="a", now=T0)
    assert bad.value.field == "title"


def test_signing_is_refused_until_every_step_ran_and_none_failed(standard: Policy) -> None:
    inc = _staffed(standard)
    with pytest.raises(RuleViolation) as err:
        inc.sign_test_plan(policy=standard, by="person0", now=T0)
    assert err.value.rule == "testplan.empty"
    inc.add_test_step("Log in", policy=standard, by="a", now=T0)
    inc.add_test_step("Reset a password", policy=standard, by="a", now=T0)
    _result(inc, standard, 1, STAGING, StepStatus.PASSED)
    _result(inc, standard, 1, PRODUCTION, StepStatus.FAILED, note="502")
    _result(inc, standard, 2, STAGING, StepStatus.PASSED)
    with pytest.raises(RuleViolation) as err:
        inc.sign_test_plan(policy=standard, by="person0", now=T0)
    assert err.value.rule == "testplan.unfinished"
    assert err.value.details == ["#1 production (failed)", "#2 production (pending)"]
    _result(inc, standard, 1, PRODUCTION, StepStatus.PASSED)
    _result(inc, standard, 2, PRODUCTION, StepStatus.PASSED)
    inc.sign_test_plan(policy=standard, by="person0", now=T0)
    with pytest.raises(RuleViolation) as err:
        inc.sign_test_plan(policy=standard, by="person0", now=T0)
    assert err.value.rule == "testplan.signed_twice"


def test_the_plan_needs_the_commander_a_worker_and_each_added_signer(standard: Policy) -> None:
    inc = _staffed(standard)
    inc.add_test_step("Log in", policy=standard, by="a", now=T0)
    for env in Environment:
        _result(inc, standard, 1, env, StepStatus.PASSED)
    with pytest.raises(RuleViolation) as err:
        inc.require_signer("qa-quinn", policy=standard, by="person2", now=T0)
    assert err.value.rule == "testplan.signer_by_commander"
    inc.require_signer("qa-quinn", policy=standard, by="person0", now=T0)
    assert inc.missing_signoffs() == [
        "the commander (person0)",
        "a worker (person2)",
        "qa-quinn",
    ]
    inc.sign_test_plan(policy=standard, by="person2", now=T0)
    inc.sign_test_plan(policy=standard, by="person0", now=T0)
    assert not inc.test_plan_signed()
    assert not [e for e in inc.events if isinstance(e, ev.TestPlanSigned)]
    inc.sign_test_plan(policy=standard, by="qa-quinn", now=at(5))
    assert inc.test_plan_signed()
    signed = [e for e in inc.events if isinstance(e, ev.TestPlanSigned)]
    assert signed == [ev.TestPlanSigned(ref="INC-1", by="qa-quinn", occurred_at=at(5))]
    assert inc.new_entries[-1].text == "Test plan signed off by qa-quinn; the plan is signed"


def test_a_released_worker_still_counts_and_a_change_withdraws_the_sign_offs(
    standard: Policy,
) -> None:
    inc = _staffed(standard)
    inc.add_test_step("Log in", policy=standard, by="a", now=T0)
    for env in Environment:
        _result(inc, standard, 1, env, StepStatus.PASSED)
    inc.sign_test_plan(policy=standard, by="person2", now=T0)
    inc.release_role(RoleName.WORKER, "person2", policy=standard, by="person0", now=T0)
    inc.sign_test_plan(policy=standard, by="person0", now=T0)
    assert inc.test_plan_signed()
    _result(inc, standard, 1, PRODUCTION, StepStatus.FAILED, note="regressed")
    assert inc.test_signoffs == []
    assert "sign-offs withdrawn (person2, person0)" in inc.new_entries[-1].text
    assert any(isinstance(e, ev.TestSignoffsWithdrawn) for e in inc.events)


def test_sev2_resolves_only_with_a_signed_plan_and_automated_tests(standard: Policy) -> None:
    inc = _staffed(standard)
    walk(inc, standard, Stage.IDENTIFIED, Stage.MITIGATED)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=T0)
    assert [n for n, _ in err.value.failures] == ["test_plan_signed", "automated_tests_recorded"]
    assert "no test plan" in err.value.failures[0][1]
    inc.add_test_step("Log in", policy=standard, by="a", now=T0)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=T0)
    assert err.value.failures[0][1] == (
        "the test plan is not signed: steps not run or failed: #1 staging (pending), "
        "#1 production (pending); sign-offs missing: the commander (person0), a worker (person2)"
    )
    for env in Environment:
        _result(inc, standard, 1, env, StepStatus.PASSED)
    pass_tests(inc, standard)
    inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=T0)
    assert inc.stage is Stage.RESOLVED


def test_sev3_and_sev4_do_not_need_a_test_plan(standard: Policy) -> None:
    for severity in ("sev3", "sev4"):
        inc = _staffed(standard, severity)
        walk(inc, standard, Stage.MITIGATED, Stage.RESOLVED)
        assert inc.stage is Stage.RESOLVED


def test_automated_tests_need_an_http_link(standard: Policy) -> None:
    inc = _staffed(standard)
    with pytest.raises(InvalidInput) as err:
        inc.record_automated_tests("ci run 5", policy=standard, by="a", now=T0)
    assert err.value.field == "url"
    record = inc.record_automated_tests(
        "https://ci.example.com/5", description="login flow", policy=standard, by="a", now=T0
    )
    assert (record.number, record.recorded_by) == (1, "a")
    assert inc.new_entries[-1].text == (
        "Automated tests added and passing: https://ci.example.com/5 (login flow)"
    )


def test_an_untested_fix_drops_sev2_to_sev3_and_keeps_the_incident_open(
    standard: Policy,
) -> None:
    inc = _staffed(standard)
    walk(inc, standard, Stage.IDENTIFIED)
    fix = inc.record_fix("Patch the token cache", policy=standard, by="person2", now=at(10))
    assert inc.severity == "sev3"
    assert (fix.tested, fix.dropped_from, fix.dropped_to, fix.awaiting_tests) == (
        False,
        "sev2",
        "sev3",
        True,
    )
    texts = [e.text for e in inc.new_entries[-2:]]
    assert texts[0] == "Fix #1 released without automated tests: Patch the token cache"
    assert texts[1].startswith("Severity lowered sev2 → sev3: fix #1 released without automated")
    dropped = [e for e in inc.events if isinstance(e, ev.UntestedFixDropped)]
    assert dropped == [
        ev.UntestedFixDropped(
            ref="INC-1",
            number=1,
            from_severity="sev2",
            to_severity="sev3",
            commander="person0",
            occurred_at=at(10),
        )
    ]
    walk(inc, standard, Stage.MITIGATED)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=at(20))
    # The drop assumes all other tests pass (document 003): sev2's gates still hold.
    assert [n for n, _ in err.value.failures] == [
        "untested_fix_covered",
        "test_plan_signed",
        "automated_tests_recorded",
    ]
    assert "#1 (dropped sev2 → sev3)" in err.value.message
    assert err.value.failures[1][1].endswith("(required at sev2, before fix #1 lowered it)")
    inc.record_automated_tests("https://ci.example.com/9", policy=standard, by="b", now=at(30))
    assert fix.covered_at == at(30) and not fix.awaiting_tests
    assert inc.new_entries[-1].text.endswith("no longer awaiting tests for fix #1")
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=at(31))
    assert [n for n, _ in err.value.failures] == ["test_plan_signed"]
    inc.add_test_step("Log in", policy=standard, by="a", now=at(31))
    for env in Environment:
        _result(inc, standard, 1, env, StepStatus.PASSED)
    for person in ("person0", "person2"):
        inc.sign_test_plan(policy=standard, by=person, now=at(32))
    inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=at(33))
    assert inc.severity == "sev3"  # the drop stays: document 003


def test_sev1_resolves_only_with_a_signed_plan_and_automated_tests(standard: Policy) -> None:
    inc = _staffed(standard, "sev1")
    walk(inc, standard, Stage.IDENTIFIED, Stage.MITIGATED)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=T0)
    assert {"test_plan_signed", "automated_tests_recorded"} <= {n for n, _ in err.value.failures}


def test_a_fix_with_tests_changes_nothing_and_records_them(standard: Policy) -> None:
    inc = _staffed(standard, "sev1")
    fix = inc.record_fix(
        "Roll back", tests_url="https://ci.example.com/1", policy=standard, by="b", now=T0
    )
    assert fix.tested and not fix.awaiting_tests and inc.severity == "sev1"
    assert [t.url for t in inc.automated_tests] == ["https://ci.example.com/1"]
    with pytest.raises(InvalidInput) as err:
        inc.record_fix("x", tests_url="ftp://x", policy=standard, by="b", now=T0)
    assert err.value.field == "tests_url"


def test_an_untested_fix_at_a_severity_without_the_rule_drops_nothing(standard: Policy) -> None:
    inc = _staffed(standard, "sev3")
    fix = inc.record_fix("Hotfix", policy=standard, by="b", now=T0)
    assert inc.severity == "sev3" and not fix.awaiting_tests
    assert not [e for e in inc.events if isinstance(e, ev.UntestedFixDropped)]
    walk(inc, standard, Stage.MITIGATED, Stage.RESOLVED)


def test_the_level_preset_drops_level2_to_level3() -> None:
    policy = load_policy("severity-levels")
    inc = declare(policy, severity="level2")
    staff(inc, policy)
    inc.record_fix("Sweeping change", policy=policy, by="x", now=T0)
    assert inc.severity == "level3"
    walk(inc, policy, Stage.MITIGATED)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.RESOLVED, policy=policy, by="x", now=T0)
    assert [n for n, _ in err.value.failures] == [
        "untested_fix_covered",
        "test_plan_signed",  # level2's gates still hold after the drop
        "automated_tests_recorded",
    ]


# -- durability audit (document 002) ---------------------------------------------------------


def test_mitigation_turns_each_non_durable_change_into_a_durable_fix_follow_up(
    standard: Policy,
) -> None:
    inc = _staffed(standard, "sev3")
    inc.flag_non_durable(
        NonDurableCategory.RESTART_CRON,
        "cron restarts auth pods every 15 minutes",
        policy=standard,
        by="person2",
        now=T0,
    )
    inc.flag_non_durable(
        NonDurableCategory.DISABLED_CACHE,
        "token cache off",
        policy=standard,
        by="person2",
        now=T0,
    )
    inc.waive_non_durable(
        2, "the cache stays off until the rewrite", policy=standard, by="person0", now=T0
    )
    walk(inc, standard, Stage.MITIGATED, now=at(15))
    item1, item2 = inc.non_durable
    assert (item1.status, item1.followup) == (DurabilityStatus.FOLLOWUP, 1)
    assert (item2.status, item2.followup) == (DurabilityStatus.WAIVED, None)
    followup = inc.followup(1)
    assert followup.kind is FollowUpKind.DURABLE_FIX and followup.owner == "person0"
    assert followup.title == (
        "Durable fix for non-durable change #1 (restart-cron): cron restarts auth pods every "
        "15 minutes"
    )
    audit = next(e for e in inc.new_entries if e.text.startswith("Durability audit"))
    assert audit.text == (
        "Durability audit at mitigation: #1 restart-cron: cron restarts auth pods every 15 "
        "minutes (durable-fix follow-up #1); #2 disabled-cache: token cache off (waived: the "
        "cache stays off until the rewrite)"
    )
    assert audit.occurred_at == at(15)
    audited = [e for e in inc.events if isinstance(e, ev.DurabilityAudited)]
    assert audited == [
        ev.DurabilityAudited(ref="INC-1", items=(1, 2), followups=(1,), occurred_at=at(15))
    ]
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=at(20))
    assert [n for n, _ in err.value.failures] == ["durable_followups_closed"]
    inc.close_followup(1, status=FollowUpStatus.DONE, policy=standard, by="person2", now=at(30))
    inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=at(31))


def test_skipping_straight_to_resolved_still_runs_the_audit_and_is_blocked(
    standard: Policy,
) -> None:
    inc = _staffed(standard, "sev3")
    inc.flag_non_durable(
        NonDurableCategory.MANUAL_INFRASTRUCTURE,
        "security group edited in the console",
        policy=standard,
        by="person2",
        now=T0,
    )
    assert inc.gate_failures(Stage.RESOLVED, standard)[0][1].endswith(
        "non-durable change #1 (manual-infrastructure)"
    )
    with pytest.raises(GateBlocked):
        inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=T0)


def test_a_change_flagged_after_mitigation_becomes_a_follow_up_at_once(standard: Policy) -> None:
    inc = _staffed(standard, "sev3")
    walk(inc, standard, Stage.MITIGATED)
    assert inc.new_entries[-2].text.startswith(
        "Durability audit at mitigation: nothing flagged as non-durable"
    )
    item = inc.flag_non_durable(
        NonDurableCategory.HOTFIX_WITHOUT_TESTS,
        "hotfix 4.2.1",
        policy=standard,
        by="b",
        now=at(5),
    )
    assert item.followup == 1 and inc.followup(1).created_at == at(5)
    inc.waive_non_durable(
        1, "4.3 ships the tested fix tomorrow", policy=standard, by="person0", now=at(6)
    )
    assert inc.followup(1).status is FollowUpStatus.NOT_DOING
    assert (
        inc.followup(1).reason == "non-durable change #1 waived: 4.3 ships the tested fix tomorrow"
    )
    inc.change_stage(Stage.RESOLVED, policy=standard, by="person0", now=at(7))


def test_waivers_need_the_commander_and_a_reason(standard: Policy) -> None:
    inc = _staffed(standard, "sev3")
    inc.flag_non_durable(
        NonDurableCategory.OTHER, "feature flag off", policy=standard, by="b", now=T0
    )
    with pytest.raises(RuleViolation) as err:
        inc.waive_non_durable(1, " ", policy=standard, by="person0", now=T0)
    assert err.value.rule == "durability.waive_reason"
    with pytest.raises(RuleViolation) as err:
        inc.waive_non_durable(1, "fine", policy=standard, by="person2", now=T0)
    assert err.value.rule == "durability.waive_role"
    inc.waive_non_durable(1, "fine", policy=standard, by="person0", now=T0)
    with pytest.raises(RuleViolation) as err:
        inc.waive_non_durable(1, "again", policy=standard, by="person0", now=T0)
    assert err.value.rule == "durability.waived"
    with pytest.raises(InvalidInput) as bad:
        inc.flag_non_durable(NonDurableCategory.OTHER, "", policy=standard, by="b", now=T0)
    assert bad.value.field == "text"


def test_a_relapse_and_second_mitigation_audits_only_what_is_new(standard: Policy) -> None:
    inc = _staffed(standard, "sev3")
    inc.flag_non_durable(NonDurableCategory.RESTART_CRON, "cron", policy=standard, by="b", now=T0)
    walk(inc, standard, Stage.MITIGATED, Stage.INVESTIGATING)
    inc.flag_non_durable(
        NonDurableCategory.DISABLED_CACHE, "cache", policy=standard, by="b", now=T0
    )
    walk(inc, standard, Stage.MITIGATED)
    assert [i.followup for i in inc.non_durable] == [1, 2]
    assert len(inc.followups) == 2

"""Every rule of the `standard` policy, shown enforced by the engine."""

from __future__ import annotations

import pytest

from tests.unit.helpers import T0, at, declare, pass_tests, staff, walk
from warroom.domain.enums import (
    Audience,
    ExperimentStatus,
    FollowUpKind,
    FollowUpStatus,
    PagingMode,
    RoleName,
    Stage,
)
from warroom.domain.errors import GateBlocked, RuleViolation
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy

# -- classification (document 000) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "suggested"),
    [
        ({"customers_affected": 2}, "sev1"),
        ({"customers_affected": 40}, "sev1"),
        ({"whole_service": True}, "sev1"),
        ({"customers_affected": 1}, None),
        ({}, None),
    ],
)
def test_urgent_classification_is_suggested(standard: Policy, kw: dict, suggested: str) -> None:
    incident, rule = Incident.declare(
        number=1, policy=standard, title="x", severity="sev3", by="a", now=T0, **kw
    )
    assert (rule.severity if rule else None) == suggested
    # "suggest" leaves the responder's choice in place; the API reports the suggestion.
    assert incident.severity == "sev3"


# -- role rules (document 003) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "rule"),
    [
        (RoleName.COMMANDER, RoleName.WORKER, "role_rules.commander-not-worker"),
        (RoleName.WORKER, RoleName.COMMANDER, "role_rules.commander-not-worker"),
        (RoleName.COMMUNICATIONS, RoleName.COMMANDER, "role_rules.communications-not-commander"),
        (RoleName.COMMUNICATIONS, RoleName.WORKER, "role_rules.communications-not-worker"),
    ],
)
@pytest.mark.parametrize("severity", ["sev1", "sev2"])
def test_exclusive_roles_are_refused(
    standard: Policy, first: RoleName, second: RoleName, rule: str, severity: str
) -> None:
    inc = declare(standard, severity=severity)
    inc.assign_role(first, "alice", policy=standard, by="a", now=T0)
    with pytest.raises(RuleViolation) as err:
        inc.assign_role(second, "alice", policy=standard, by="a", now=T0)
    assert err.value.rule == rule
    assert inc.holders(second) == []


def test_role_rules_do_not_apply_to_minor_severities(standard: Policy) -> None:
    inc = declare(standard, severity="sev3")
    inc.assign_role(RoleName.COMMANDER, "alice", policy=standard, by="a", now=T0)
    inc.assign_role(RoleName.WORKER, "alice", policy=standard, by="a", now=T0)
    assert inc.roles_of("alice") == [RoleName.COMMANDER, RoleName.WORKER]


def test_raising_severity_reports_a_broken_role_rule(standard: Policy) -> None:
    inc = declare(standard, severity="sev3")
    inc.assign_role(RoleName.COMMANDER, "alice", policy=standard, by="a", now=T0)
    inc.assign_role(RoleName.WORKER, "alice", policy=standard, by="a", now=T0)
    inc.change_severity("sev1", policy=standard, by="a", now=T0)
    assert inc.role_conflicts(standard) == [
        "commander-not-worker: alice holds commander and worker"
    ]


def test_single_holder_roles_are_handed_off(standard: Policy) -> None:
    inc = declare(standard)
    inc.assign_role(RoleName.COMMANDER, "alice", policy=standard, by="a", now=at(1))
    inc.assign_role(RoleName.COMMANDER, "bob", policy=standard, by="a", now=at(90))
    assert inc.holders(RoleName.COMMANDER) == ["bob"]
    alice = inc.roles[0]
    assert (alice.person, alice.released_at) == ("alice", at(90))
    assert "handed off from alice to bob" in inc.new_entries[-1].text


def test_workers_accumulate_and_are_released(standard: Policy) -> None:
    inc = declare(standard)
    for person in ("emily", "frank"):
        inc.assign_role(RoleName.WORKER, person, policy=standard, by="a", now=at(1))
    inc.release_role(RoleName.WORKER, "emily", policy=standard, by="a", now=at(200))
    assert inc.holders(RoleName.WORKER) == ["frank"]


# -- required roles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "missing"),
    [
        ("sev1", ["commander", "communications", "worker"]),
        ("sev2", ["commander", "communications", "worker"]),
        ("sev3", ["commander"]),
        ("sev4", ["commander"]),
    ],
)
def test_required_roles_are_reported_missing(
    standard: Policy, severity: str, missing: list[str]
) -> None:
    inc = declare(standard, severity=severity)
    assert inc.missing_roles(standard) == missing
    staff(inc, standard)
    assert inc.missing_roles(standard) == []


# -- gates -------------------------------------------------------------------------------------


def _mitigated(standard: Policy, severity: str = "sev2") -> Incident:
    inc = declare(standard, severity=severity)
    staff(inc, standard)
    walk(inc, standard, Stage.IDENTIFIED, Stage.MITIGATED)
    pass_tests(inc, standard)
    return inc


def test_resolved_needs_durable_fixes_done(standard: Policy) -> None:
    inc = _mitigated(standard)
    inc.add_followup("Second IdP", kind=FollowUpKind.DURABLE_FIX, policy=standard, by="a", now=T0)
    inc.add_followup("Dashboards", kind=FollowUpKind.PREVENTION, policy=standard, by="a", now=T0)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.RESOLVED, policy=standard, by="a", now=T0)
    assert [name for name, _ in err.value.failures] == ["durable_followups_closed"]
    assert "#1 Second IdP" in err.value.message
    assert inc.stage is Stage.MITIGATED
    inc.close_followup(1, status=FollowUpStatus.DONE, policy=standard, by="a", now=T0)
    inc.change_stage(Stage.RESOLVED, policy=standard, by="a", now=T0)  # prevention may stay open
    assert inc.stage is Stage.RESOLVED


def test_not_doing_a_durable_fix_needs_a_reason(standard: Policy) -> None:
    inc = _mitigated(standard)
    inc.add_followup("Rewrite", kind=FollowUpKind.DURABLE_FIX, policy=standard, by="a", now=T0)
    with pytest.raises(RuleViolation) as err:
        inc.close_followup(1, status=FollowUpStatus.NOT_DOING, policy=standard, by="a", now=T0)
    assert err.value.rule == "followups.not_doing_reason"
    inc.close_followup(
        1,
        status=FollowUpStatus.NOT_DOING,
        reason="the patch is durable",
        policy=standard,
        by="a",
        now=T0,
    )
    inc.change_stage(Stage.RESOLVED, policy=standard, by="a", now=T0)


def _resolved(standard: Policy, severity: str) -> Incident:
    inc = _mitigated(standard, severity)
    inc.change_stage(Stage.RESOLVED, policy=standard, by="a", now=T0)
    return inc


def test_closing_sev2_needs_five_whys_owners_and_published_postmortem(standard: Policy) -> None:
    inc = _resolved(standard, "sev2")
    inc.add_followup("Alert", kind=FollowUpKind.PREVENTION, policy=standard, by="a", now=T0)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.CLOSED, policy=standard, by="a", now=T0)
    assert {n for n, _ in err.value.failures} == {
        "followups_owned",
        "postmortem_published",
        "five_whys",
    }
    for i in range(5):
        inc.add_why(f"why {i}", policy=standard, by="a", now=T0)
    inc.write_postmortem("# PM", policy=standard, by="a", now=T0)
    inc.publish_postmortem(policy=standard, by="a", now=T0)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.CLOSED, policy=standard, by="a", now=T0)
    assert [n for n, _ in err.value.failures] == ["followups_owned"]


def test_closing_sev3_does_not_need_five_whys(standard: Policy) -> None:
    inc = _resolved(standard, "sev3")
    inc.write_postmortem("# PM", policy=standard, by="a", now=T0)
    inc.publish_postmortem(policy=standard, by="a", now=T0)
    inc.change_stage(Stage.CLOSED, policy=standard, by="a", now=T0)
    assert inc.closed_at == T0


def test_closing_needs_every_experiment_concluded(standard: Policy) -> None:
    inc = _resolved(standard, "sev4")
    inc.start_experiment("h", action="a", policy=standard, by="a", now=T0)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.CLOSED, policy=standard, by="a", now=T0)
    assert [n for n, _ in err.value.failures] == ["experiments_concluded"]
    inc.conclude_experiment(
        1, status=ExperimentStatus.REFUTED, result="no", policy=standard, by="a", now=T0
    )
    inc.change_stage(Stage.CLOSED, policy=standard, by="a", now=T0)


def test_postmortem_is_published_only_after_mitigation(standard: Policy) -> None:
    inc = declare(standard)
    inc.write_postmortem("# early", policy=standard, by="a", now=T0)
    with pytest.raises(RuleViolation) as err:
        inc.publish_postmortem(policy=standard, by="a", now=T0)
    assert err.value.rule == "postmortem.too_early"


def test_closed_incidents_refuse_changes(standard: Policy) -> None:
    inc = _resolved(standard, "sev4")
    inc.change_stage(Stage.CLOSED, policy=standard, by="a", now=T0)
    with pytest.raises(RuleViolation) as err:
        inc.assign_role(RoleName.WORKER, "late", policy=standard, by="a", now=T0)
    assert err.value.rule == "stages.closed"


# -- timed rules are stored for the timers --------------------------------------------------------


def test_timed_rules_are_part_of_the_policy(standard: Policy) -> None:
    sev1, sev2 = standard.severity("sev1"), standard.severity("sev2")
    assert sev1.paging is PagingMode.ALWAYS and sev2.paging is PagingMode.WAKING_HOURS
    assert (
        str(sev1.cadence[Audience.INTERNAL]) == "30m"
        and str(sev1.cadence[Audience.CUSTOMERS]) == "1h"
    )
    assert str(sev2.cadence[Audience.OBSERVERS]) == "2h"
    assert str(sev1.identify_within) == "15m"
    assert (str(sev2.escalate_after), sev2.escalate_to) == ("4h", "sev1")
    assert sev2.untested_fix_drops_to == "sev3"
    assert sev1.retrospective_within is not None and sev1.retrospective_within.working_days == 1
    assert all(
        s.retrospective_within is not None and s.retrospective_within.working_days <= 5
        for s in standard.severities
    ), "document 002: a retrospective more than a week after mitigation is unacceptable"

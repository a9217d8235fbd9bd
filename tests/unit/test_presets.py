"""Each seed document's preset: its happy path, and at least one of its distinctive rules."""

from __future__ import annotations

import pytest

from tests.unit.helpers import T0, declare, pass_tests, staff
from warroom.adapters.policy_file import load_policy, preset_names
from warroom.domain.enums import (
    Audience,
    ExperimentStatus,
    FollowUpKind,
    FollowUpStatus,
    RoleName,
    Stage,
)
from warroom.domain.errors import GateBlocked, RuleViolation
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy

PRESETS = [
    "standard",
    "urgent-incident",
    "p1-runbook",
    "incident-response",
    "severity-levels",
    "incident-management",
]


def test_every_preset_is_bundled() -> None:
    assert sorted(PRESETS) == preset_names()


def _run_to_closed(policy: Policy, severity: str) -> Incident:
    """Declare, staff, investigate, mitigate, resolve and close, satisfying every gate."""
    inc = declare(policy, severity=severity)
    staff(inc, policy)
    for stage in (Stage.IDENTIFIED, Stage.RESTORING, Stage.MONITORING, Stage.MITIGATED):
        inc.change_stage(stage, policy=policy, by="im", now=T0)
    inc.add_followup(
        "Durable fix", kind=FollowUpKind.DURABLE_FIX, owner="dev", policy=policy, by="im", now=T0
    )
    inc.close_followup(1, status=FollowUpStatus.DONE, policy=policy, by="dev", now=T0)
    pass_tests(inc, policy)
    inc.change_stage(Stage.RESOLVED, policy=policy, by="im", now=T0)
    for i in range(5):
        inc.add_why(f"because {i}", policy=policy, by="im", now=T0)
    inc.write_postmortem("# Postmortem", policy=policy, by="im", now=T0)
    inc.publish_postmortem(policy=policy, by="im", now=T0)
    inc.change_stage(Stage.CLOSED, policy=policy, by="im", now=T0)
    return inc


@pytest.mark.parametrize("name", PRESETS)
def test_happy_path_for_every_severity(name: str) -> None:
    policy = load_policy(name)
    for level in policy.severities:
        inc = _run_to_closed(policy, level.name)
        assert inc.stage is Stage.CLOSED
        assert inc.missing_roles(policy) == []


def test_urgent_incident_raises_two_customers_to_urgent() -> None:
    policy = load_policy("urgent-incident")
    inc, rule = Incident.declare(
        number=1,
        policy=policy,
        title="VMs down",
        severity="standard",
        by="cc",
        now=T0,
        customers_affected=2,
    )
    assert inc.severity == "urgent" and rule is not None and rule.name == "urgent"
    assert str(policy.severity("urgent").identify_within) == "15m"
    assert policy.severity("urgent").required_roles == (
        RoleName.COMMANDER,
        RoleName.COMMUNICATIONS,
        RoleName.WORKER,
    )


def test_p1_runbook_green_only_after_experiments_and_five_whys() -> None:
    policy = load_policy("p1-runbook")
    inc = declare(policy, severity="p1")
    staff(inc, policy)
    inc.start_experiment("cert expired", action="renew", policy=policy, by="lead", now=T0)
    inc.change_stage(Stage.MITIGATED, policy=policy, by="lead", now=T0)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.RESOLVED, policy=policy, by="lead", now=T0)
    assert [n for n, _ in err.value.failures] == ["experiments_concluded"]
    inc.conclude_experiment(
        1, status=ExperimentStatus.CONFIRMED, result="yes", policy=policy, by="lead", now=T0
    )
    inc.change_stage(Stage.RESOLVED, policy=policy, by="lead", now=T0)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.CLOSED, policy=policy, by="lead", now=T0)
    assert [n for n, _ in err.value.failures] == ["five_whys"]
    assert policy.severity("p1").required_roles == (
        RoleName.COMMUNICATIONS,
        RoleName.RECORDER,
        RoleName.LEAD,
        RoleName.WORKER,
    )


def test_incident_response_names_channels_and_holds_resolution_for_tickets() -> None:
    policy = load_policy("incident-response")
    inc = declare(
        policy, severity="sev1", functionality="logging in", state="broken", audience="all users"
    )
    assert inc.channel == "inc-23-11-26-logging-in-broken-all-users"
    inc.change_stage(Stage.MITIGATED, policy=policy, by="im", now=T0)
    inc.add_followup("Fix in code", kind=FollowUpKind.DURABLE_FIX, policy=policy, by="im", now=T0)
    with pytest.raises(GateBlocked):
        inc.change_stage(Stage.RESOLVED, policy=policy, by="im", now=T0)
    assert policy.severity("sev1").retrospective_within.working_days == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("first", "second", "rule"),
    [
        (RoleName.COMMANDER, RoleName.WORKER, "role_rules.im-not-worker"),
        (RoleName.COMMANDER, RoleName.COMMUNICATIONS, "role_rules.prm-not-im"),
        (RoleName.WORKER, RoleName.COMMUNICATIONS, "role_rules.prm-not-worker"),
    ],
)
def test_severity_levels_keep_the_im_and_prm_apart(
    first: RoleName, second: RoleName, rule: str
) -> None:
    policy = load_policy("severity-levels")
    inc = declare(policy, severity="level2")
    inc.assign_role(first, "sam", policy=policy, by="im", now=T0)
    with pytest.raises(RuleViolation) as err:
        inc.assign_role(second, "sam", policy=policy, by="im", now=T0)
    assert err.value.rule == rule
    level2 = policy.severity("level2")
    assert level2.paging == "waking-hours" and level2.untested_fix_drops_to == "level3"
    assert str(level2.cadence[Audience.OBSERVERS]) == "2h"


def test_incident_management_needs_every_role_before_mitigation() -> None:
    policy = load_policy("incident-management")
    inc = declare(policy, severity="sev1")
    inc.assign_role(RoleName.COMMANDER, "im", policy=policy, by="im", now=T0)
    with pytest.raises(GateBlocked) as err:
        inc.change_stage(Stage.MITIGATED, policy=policy, by="im", now=T0)
    assert [n for n, _ in err.value.failures] == ["required_roles_filled"]
    assert "communications, worker" in err.value.message
    assert len(policy.questions_for(Stage.INVESTIGATING)) >= 3

"""Building incidents directly on the domain, for rule tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from warroom.domain.enums import RoleName, Stage
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy
from warroom.domain.testplan import Environment, StepStatus

T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def declare(policy: Policy, number: int = 1, **kw: Any) -> Incident:
    kw.setdefault("title", "Logging in is broken for all users")
    kw.setdefault("severity", policy.default_severity)
    kw.setdefault("by", "alice")
    kw.setdefault("now", T0)
    incident, _ = Incident.declare(number=number, policy=policy, **kw)
    return incident


def staff(incident: Incident, policy: Policy, now: datetime = T0) -> None:
    """Fill every required role with a different person, so no role rule is broken."""
    for i, role in enumerate(policy.severity(incident.severity).required_roles):
        incident.assign_role(RoleName(role), f"person{i}", policy=policy, by="alice", now=now)


def walk(incident: Incident, policy: Policy, *stages: Stage, now: datetime = T0) -> None:
    for stage in stages:
        incident.change_stage(stage, policy=policy, by="alice", now=now)


def pass_tests(incident: Incident, policy: Policy, now: datetime = T0) -> None:
    """A one-step test plan passed in both environments and signed by the commander and a
    worker, and automated tests recorded: what document 003 asks before resolving."""
    step = incident.add_test_step("the fix works", policy=policy, by="alice", now=now)
    for env in Environment:
        incident.record_step_result(
            step.number, env, StepStatus.PASSED, policy=policy, by="alice", now=now
        )
    signers = (
        incident.holders(RoleName.COMMANDER)[:1]
        + [a.person for a in incident.roles if a.role is RoleName.WORKER][:1]
    )
    for person in signers:
        incident.sign_test_plan(policy=policy, by=person, now=now)
    incident.record_automated_tests(
        "https://ci.example.com/runs/1", policy=policy, by="alice", now=now
    )

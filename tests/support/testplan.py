"""Satisfying document 003 before resolving: a passed, signed test plan and automated tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import Api
from warroom.domain import testplan_commands as tc
from warroom.domain.access import AccessRole
from warroom.domain.commands import Command
from warroom.domain.testplan import Environment, StepStatus


def pass_test_plan(
    handle: Callable[[Command], Any], ref: str, *, commander: str, worker: str
) -> None:
    """One step passed in both environments, signed by `commander` and `worker` (who must
    hold those roles), and automated tests recorded."""
    handle(tc.AddTestStep(ref=ref, title="the fix works end to end", by=commander))
    for env in Environment:
        handle(
            tc.RecordStepResult(
                ref=ref, number=1, environment=env, status=StepStatus.PASSED, by=worker
            )
        )
    for person in (commander, worker):
        handle(tc.SignTestPlan(ref=ref, by=person))
    handle(tc.RecordAutomatedTests(ref=ref, url="https://ci.example.com/runs/42", by=worker))


def person_client(api: Api, name: str) -> str:
    """A responder token named `name` on the test API; returns the key for `cli(role=…)`.

    Sign-offs are the caller's own, so a test that signs as the commander needs the
    commander's token."""
    token, _ = api.wr.tokens.create(name=name, role=AccessRole("responder"), now=api.wr.clock.now())
    api.clients[name] = TestClient(
        api.app, headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=False
    )
    return name


def pass_test_plan_over_http(api: Api, ref: str, *, commander: str, worker: str) -> None:
    """`pass_test_plan` through the API; `commander` and `worker` are keys of `api.clients`."""
    base = f"/api/v1/incidents/{ref}/test-plan"
    responses = [api.clients[worker].post(f"{base}/steps", json={"title": "the fix works"})]
    for env in ("staging", "production"):
        responses.append(
            api.clients[worker].post(
                f"{base}/steps/1/results", json={"environment": env, "status": "passed"}
            )
        )
    for who in (commander, worker):
        responses.append(api.clients[who].post(f"{base}/sign-offs", json={}))
    responses.append(
        api.clients[worker].post(
            f"{base}/automated-tests", json={"url": "https://ci.example.com/runs/42"}
        )
    )
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]

"""The test plan, fixes, automated tests and the durability audit over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from tests.conftest import Api
from tests.support.console import ConsoleClient
from warroom.adapters.orm.background import outbox
from warroom.entrypoints.api.schemas_testplan import NonDurablesPublic, TestPlanPublic

Declare = Callable[..., dict[str, Any]]


def _roles(api: Api, ref: str) -> None:
    # root (the admin token) commands; emily (the responder token) works on the fix.
    for person, role in (("root", "commander"), ("carl", "communications"), ("emily", "worker")):
        r = api.responder.post(
            f"/api/v1/incidents/{ref}/roles", json={"role": role, "person": person}
        )
        assert r.status_code == 200, r.text


def test_a_test_plan_over_http_from_steps_to_resolution(api: Api, declare: Declare) -> None:
    ref = declare(severity="sev2")["ref"]
    _roles(api, ref)
    base = f"/api/v1/incidents/{ref}/test-plan"
    assert api.viewer.get(base).json()["steps"] == []
    assert api.viewer.post(f"{base}/steps", json={"title": "x"}).status_code == 403

    r = api.responder.post(f"{base}/steps", json={"title": "Log in with SSO"})
    assert r.status_code == 201, r.text
    r = api.responder.post(
        f"{base}/steps", json={"title": "Create an account", "customer_data": True}
    )
    step = r.json()["steps"][1]
    assert step["results"]["production"]["status"] == "skipped"
    assert "customer data" in step["results"]["production"]["note"]

    refused = api.responder.post(
        f"{base}/steps/2/results", json={"environment": "production", "status": "passed"}
    )
    assert refused.status_code == 409
    assert refused.json()["rule"] == "testplan.customer_data_in_production"
    bad = api.responder.post(
        f"{base}/steps/1/results", json={"environment": "prod", "status": "passed"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "environment"
    missing = api.responder.post(
        f"{base}/steps/7/results", json={"environment": "staging", "status": "passed"}
    )
    assert missing.status_code == 404

    early = api.responder.post(f"{base}/sign-offs", json={})
    assert early.status_code == 409 and early.json()["rule"] == "testplan.unfinished"
    for number, env in ((1, "staging"), (1, "production"), (2, "staging")):
        r = api.responder.post(
            f"{base}/steps/{number}/results",
            json={"environment": env, "status": "passed", "note": "green"},
        )
        assert r.status_code == 200, r.text
    not_commander = api.responder.post(f"{base}/signers", json={"person": "quinn"})
    assert not_commander.json()["rule"] == "testplan.signer_by_commander"
    assert api.admin.post(f"{base}/signers", json={"person": "quinn"}).status_code == 201
    assert api.responder.post(f"{base}/sign-offs", json={}).status_code == 201
    plan = api.admin.post(f"{base}/sign-offs", json={}).json()
    assert plan["signed"] is False and plan["missing_signoffs"] == ["quinn"]

    api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "mitigated"})
    blocked = api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "resolved"})
    assert blocked.status_code == 409
    assert [g["gate"] for g in blocked.json()["gates"]] == [
        "test_plan_signed",
        "automated_tests_recorded",
    ]
    assert blocked.json()["gates"][0]["reason"] == (
        "the test plan is not signed: sign-offs missing: quinn"
    )
    bad_url = api.responder.post(f"{base}/automated-tests", json={"url": "see CI"})
    assert bad_url.status_code == 422 and bad_url.json()["errors"][0]["field"] == "url"
    r = api.responder.post(
        f"{base}/automated-tests",
        json={"url": "https://ci.example.com/run/77", "description": "SSO login e2e"},
    )
    assert r.json()["automated_tests"][0]["recorded_by"] == "emily"

    plan = api.viewer.get(base).json()
    TestPlanPublic.model_validate(plan)  # the documented response shape
    shown = api.viewer.get(f"/api/v1/incidents/{ref}").json()
    assert shown["test_plan"] == plan
    assert shown["test_plan"]["missing_signoffs"] == ["quinn"]
    assert shown["process"]["blocked"]["resolved"][0]["gate"] == "test_plan_signed"
    texts = [e["text"] for e in shown["timeline"]]
    assert "quinn must sign the test plan (added by root)" in texts
    assert (
        "Automated tests added and passing: https://ci.example.com/run/77 (SSO login e2e)" in texts
    )


def test_an_untested_fix_drops_the_severity_until_tests_are_recorded(
    api: Api, declare: Declare
) -> None:
    ref = declare(severity="sev1")["ref"]
    _roles(api, ref)
    r = api.responder.post(f"/api/v1/incidents/{ref}/fixes", json={"text": "Hotfix 4.2.1"})
    assert r.status_code == 201, r.text
    fix = r.json()["fixes"][0]
    assert (fix["tested"], fix["dropped_from"], fix["dropped_to"], fix["awaiting_tests"]) == (
        False,
        "sev1",
        "sev3",
        True,
    )
    shown = api.viewer.get(f"/api/v1/incidents/{ref}").json()
    assert shown["severity"] == "sev3"
    assert shown["test_plan"]["awaiting_tests"] is True
    with api.wr.db.read.connect() as conn:
        subjects = (
            conn.execute(select(outbox.c.subject).where(outbox.c.destination == "root"))
            .scalars()
            .all()
        )
    assert f"{ref} dropped to sev3: fix without automated tests" in subjects

    api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "mitigated"})
    blocked = api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "resolved"})
    assert blocked.json()["gates"][0]["gate"] == "untested_fix_covered"
    r = api.responder.post(
        f"/api/v1/incidents/{ref}/test-plan/automated-tests",
        json={"url": "https://ci.example.com/run/78"},
    )
    assert r.json()["awaiting_tests"] is False
    # The drop assumed the other tests pass (document 003): sev1's signed plan still holds.
    blocked = api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "resolved"})
    assert [g["gate"] for g in blocked.json()["gates"]] == ["test_plan_signed"]
    assert blocked.json()["gates"][0]["reason"].endswith(
        "(required at sev1, before fix #1 lowered it)"
    )
    base = f"/api/v1/incidents/{ref}/test-plan"
    api.responder.post(f"{base}/steps", json={"title": "Log in"})
    for env in ("staging", "production"):
        api.responder.post(f"{base}/steps/1/results", json={"environment": env, "status": "passed"})
    for client in (api.responder, api.admin):
        assert client.post(f"{base}/sign-offs", json={}).status_code == 201
    done = api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "resolved"})
    assert done.status_code == 200, done.text


def test_the_durability_audit_over_http(api: Api, declare: Declare) -> None:
    ref = declare(severity="sev3")["ref"]
    _roles(api, ref)
    r = api.responder.post(
        f"/api/v1/incidents/{ref}/timeline",
        json={"kind": "manual-change", "text": "Raised the pool size by hand"},
    )
    assert r.status_code == 201, r.text
    entry = next(
        e
        for e in api.viewer.get(f"/api/v1/incidents/{ref}").json()["timeline"]
        if e["kind"] == "manual-change"
    )
    base = f"/api/v1/incidents/{ref}/durability"
    bad = api.responder.post(base, json={"category": "cron", "text": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"
    unknown = api.responder.post(base, json={"category": "other", "entry_id": entry["id"] + 500})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "entry_id"
    r = api.responder.post(
        base, json={"category": "manual-infrastructure", "entry_id": entry["id"]}
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"][0]["text"] == "Raised the pool size by hand"
    api.responder.post(base, json={"category": "disabled-cache", "text": "cache off"})
    refused = api.responder.post(f"{base}/2/waive", json={"reason": "fine"})
    assert refused.status_code == 409 and refused.json()["rule"] == "durability.waive_role"
    assert api.admin.post(f"{base}/2/waive", json={"reason": "cache is gone"}).status_code == 200

    api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "mitigated"})
    listed = api.viewer.get(base).json()
    NonDurablesPublic.model_validate(listed)
    assert [(i["status"], i["followup"]) for i in listed["data"]] == [
        ("followup", 1),
        ("waived", None),
    ]
    shown = api.viewer.get(f"/api/v1/incidents/{ref}").json()
    assert shown["followups"][0]["kind"] == "durable-fix"
    assert shown["non_durable"][0]["status"] == "followup"
    blocked = api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "resolved"})
    assert blocked.json()["gates"][0]["gate"] == "durable_followups_closed"


def test_the_console_shows_the_plan_fixes_and_non_durable_changes(
    api: Api, declare: Declare
) -> None:
    ref = declare(severity="sev2")["ref"]
    _roles(api, ref)
    base = f"/api/v1/incidents/{ref}"
    api.responder.post(f"{base}/test-plan/steps", json={"title": "Log in <b>now</b>"})
    api.responder.post(
        f"{base}/test-plan/steps", json={"title": "Create an account", "customer_data": True}
    )
    api.responder.post(f"{base}/fixes", json={"text": "Hotfix 4.2.1"})
    api.responder.post(f"{base}/durability", json={"category": "restart-cron", "text": "cron"})
    viewer = ConsoleClient(api.app, api.wr, "viewer", "vera")
    try:
        page = viewer.get(f"/incidents/{ref}").text
        part = viewer.get(f"/incidents/{ref}/part/testplan")
    finally:
        viewer.close()
    assert part.status_code == 200
    for html in (page, part.text):
        assert 'id="part-testplan"' in html
        assert "Log in &lt;b&gt;now&lt;/b&gt;" in html and "<b>now</b>" not in html
        assert "customer data" in html
        assert "awaiting tests · sev2 → sev3" in html
        assert "becomes a durable-fix follow-up at mitigation" in html
        assert "To sign: the commander (root), a worker (emily)" in html


def test_fuzzed_bodies_never_500_and_name_the_field(api: Api, declare: Declare) -> None:
    ref = declare(severity="sev2")["ref"]
    base = f"/api/v1/incidents/{ref}"
    api.responder.post(f"{base}/test-plan/steps", json={"title": "Log in"})
    api.responder.post(f"{base}/durability", json={"category": "other", "text": "x"})
    values: list[Any] = [None, True, 0, -1, 2**63, 1.5, "", "x" * 3000, [], {}, "\u0000"]
    fields = [
        "title",
        "customer_data",
        "environment",
        "status",
        "note",
        "person",
        "url",
        "description",
        "text",
        "tests_url",
        "category",
        "entry_id",
        "reason",
        "occurred_at",
    ]
    paths = [
        f"{base}/test-plan/steps",
        f"{base}/test-plan/steps/1/results",
        f"{base}/test-plan/signers",
        f"{base}/test-plan/sign-offs",
        f"{base}/test-plan/automated-tests",
        f"{base}/fixes",
        f"{base}/durability",
        f"{base}/durability/1/waive",
    ]
    for path in paths:
        for field in fields:
            for value in values:
                r = api.responder.post(path, json={field: value})
                assert r.status_code < 500, (path, field, value, r.text)
                if r.status_code == 422:
                    assert r.json()["errors"][0]["field"], r.text
    r = api.responder.post(
        f"{base}/test-plan/steps/99999999999999999999/results",
        json={"environment": "staging", "status": "passed"},
    )
    assert r.status_code == 404


def test_the_new_operations_are_documented(api: Api) -> None:
    spec = api.anonymous.get("/api/openapi.json").json()
    for path in (
        "/api/v1/incidents/{ref}/test-plan",
        "/api/v1/incidents/{ref}/test-plan/steps",
        "/api/v1/incidents/{ref}/test-plan/steps/{number}/results",
        "/api/v1/incidents/{ref}/test-plan/signers",
        "/api/v1/incidents/{ref}/test-plan/sign-offs",
        "/api/v1/incidents/{ref}/test-plan/automated-tests",
        "/api/v1/incidents/{ref}/fixes",
        "/api/v1/incidents/{ref}/durability",
        "/api/v1/incidents/{ref}/durability/{number}/waive",
    ):
        assert path in spec["paths"], path
    assert {"TestPlanPublic", "NonDurablesPublic"} <= set(spec["components"]["schemas"])

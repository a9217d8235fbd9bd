"""Checklists, next steps, the roles matrix and affected customers over HTTP and the CLI."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api, Cli
from tests.fakes import ManualClock
from tests.support.testplan import pass_test_plan_over_http
from warroom.domain.enums import RoleName
from warroom.service_layer.checklist_text import checklist_message
from warroom.service_layer.matrix import matrix_markdown, roles_matrix
from warroom.service_layer.on_duty import NoOnCall
from warroom.service_layer.views import load_incident

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "matrix-standard.md"
Declare = Callable[..., dict[str, Any]]


def _item(view: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(i for i in view["items"] if i["id"] == item_id)


def test_the_checklist_is_read_ticked_skipped_and_reopened(
    api: Api, declare: Declare, clock: ManualClock
) -> None:
    ref = declare(severity="sev2")["ref"]
    base = f"/api/v1/incidents/{ref}/checklist"
    view = api.viewer.get(base).json()
    assert view["stage"] == "investigating" and view["severity"] == "sev2"
    assert _item(view, "check-declared")["status"] == "done"
    assert _item(view, "check-declared")["auto"] is True
    assert _item(view, "incident-channel")["due_at"] == "2026-11-23T09:45:00Z"
    assert _item(view, "update-observers")["active"] is False
    assert all(i["applies"] for i in view["items"])
    assert "page-commander" not in {i["id"] for i in view["items"]}  # sev1 only
    assert "page-commander" in {
        i["id"] for i in api.viewer.get(base, params={"all": True}).json()["items"]
    }

    clock.advance(minutes=20)
    r = api.responder.post(
        f"{base}/incident-channel/check",
        json={"occurred_at": "2026-11-23T09:40:00Z", "note": "#inc-23-11-26"},
    )
    assert r.status_code == 200, r.text
    ticked = _item(r.json(), "incident-channel")
    assert (ticked["status"], ticked["by"], ticked["at"]) == (
        "done",
        "emily",
        "2026-11-23T09:40:00Z",
    )
    assert ticked["overdue"] is False
    assert _item(r.json(), "pin-summary")["overdue"] is True

    r = api.responder.post(f"{base}/pin-summary/skip", json={"reason": "no chat here"})
    assert _item(r.json(), "pin-summary")["status"] == "skipped"
    r = api.responder.post(f"{base}/pin-summary/reopen", json={})
    assert _item(r.json(), "pin-summary")["status"] == "open"

    timeline = api.viewer.get(
        f"/api/v1/incidents/{ref}/timeline", params={"kind": "checklist"}
    ).json()["data"]
    texts = [e["text"] for e in timeline]
    assert any(
        t.startswith("Checklist: ticked 'Create a dedicated incident channel") for t in texts
    )
    assert (
        "Checklist: skipped 'Post a short summary of the incident that is occurring and pin the message to the channel.': no chat here"
        in texts
    )


def test_checklist_errors_are_problem_details(api: Api, declare: Declare) -> None:
    ref = declare()["ref"]
    base = f"/api/v1/incidents/{ref}/checklist"
    r = api.responder.post(f"{base}/no-such-step/check", json={})
    assert r.status_code == 404 and "checklist item 'no-such-step' not found" in r.json()["detail"]
    r = api.responder.post(f"{base}/check-declared/check", json={})
    assert r.status_code == 409 and r.json()["rule"] == "checklist.done"
    r = api.responder.post(f"{base}/ask-worker-help/skip", json={})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = api.responder.post(
        f"{base}/ask-worker-help/check", json={"occurred_at": "2030-01-01T00:00:00Z"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "occurred_at"
    r = api.viewer.post(f"{base}/ask-worker-help/check", json={})
    assert r.status_code == 403
    assert api.responder.get(f"{base}", params={"role": "pilot"}).status_code == 422
    assert api.responder.get("/api/v1/incidents/INC-99/checklist").status_code == 404
    after = api.responder.get(base).json()
    assert _item(after, "ask-worker-help")["status"] == "open"


def test_next_steps_are_the_callers_live_items_soonest_first(api: Api, declare: Declare) -> None:
    ref = declare(severity="sev2")["ref"]
    api.responder.post(
        f"/api/v1/incidents/{ref}/roles", json={"role": "commander", "person": "emily"}
    )
    mine = api.responder.get("/api/v1/me/next-steps").json()
    assert mine["person"] == "emily" and mine["count"] == 1
    [inc] = mine["data"]
    assert inc["ref"] == ref and inc["roles"] == ["commander"]
    steps = [s["id"] for s in inc["steps"]]
    assert steps[:4] == [
        "incident-channel",
        "pin-summary",
        "notify-owning-team",
        "announce-incident",
    ]
    assert "check-declared" not in steps  # done
    assert "internal-update" not in steps  # the communications manager's
    assert "update-observers" not in steps  # a later stage
    other = api.viewer.get(f"/api/v1/incidents/{ref}/next-steps", params={"person": "emily"}).json()
    assert [s["id"] for s in other["steps"]] == steps
    assert api.viewer.get("/api/v1/me/next-steps").json()["count"] == 0


def test_checklist_message_renders_one_roles_items_as_text(api: Api, declare: Declare) -> None:
    ref = declare(severity="sev2")["ref"]
    wr = api.wr
    with wr.read_session() as session:
        text = checklist_message(
            load_incident(session, ref), wr.policy, now=wr.clock.now(), role=RoleName.COMMANDER
        )
    lines = text.splitlines()
    # check-declared, and the video bridge made from the policy's URL template
    assert lines[0].startswith(f"{ref} checklist (investigating): 3 done, 0 skipped, ")
    assert lines[0].endswith(" — commander")
    assert (
        "  [x] check-declared: Check to see if someone already declared the incident. Join their"
        " chat channel if they have. (commander: unassigned) — emily (auto)"
    ) in lines
    assert any(
        line.startswith("  [ ] incident-channel: ") and line.endswith("due 09:45") for line in lines
    )
    assert lines[-1].startswith("… and ") and lines[-1].endswith(" steps for later stages")


# -- the roles matrix ----------------------------------------------------------------------------


def test_the_standard_matrix_matches_the_golden_file(standard: Any) -> None:
    rendered = matrix_markdown(roles_matrix(standard, on_duty=NoOnCall(), now=datetime.now()))
    if os.environ.get("WARROOM_UPDATE_GOLDEN"):
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


def test_the_matrix_over_http_and_the_cli(api: Api, cli: Cli) -> None:
    r = api.viewer.get("/api/v1/matrix")
    matrix = r.json()
    assert matrix["policy"] == "standard"
    roles = {row["role"]: row for row in matrix["roles"]}
    assert roles["commander"]["on_duty"] is None
    assert "Diagnoses the issue" in roles["worker"]["responsibilities"]
    md = api.viewer.get("/api/v1/matrix", params={"format": "md"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text == GOLDEN.read_text(encoding="utf-8")
    html = api.viewer.get("/api/v1/matrix", params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    assert (
        '<th scope="row">On-Call Engineer (OCE) / SME / IC<br><code>worker</code></th>' in html.text
    )
    assert "<script" not in html.text and "http" not in html.text.split("<body>")[1]
    assert api.anonymous.get("/api/v1/matrix").status_code == 401
    out = cli("matrix")
    assert out.exit_code == 0 and out.output == GOLDEN.read_text(encoding="utf-8")
    out = cli("matrix", "--policy", "incident-management", "--format", "json")
    assert [r["label"] for r in json.loads(out.output)["roles"]] == [
        "Incident Manager (IM)",
        "Communications Manager (CM)",
        "On-Call Engineer (OCE)",
    ]
    assert cli("matrix", "--policy", "nope").exit_code == 2


class Rota:
    def on_duty(self, role: RoleName, at: datetime) -> list[str] | None:
        return {RoleName.COMMANDER: ["alice"], RoleName.WORKER: []}.get(role)


def test_the_on_duty_column_comes_from_the_on_call_port(api: Api) -> None:
    api.wr.on_duty = Rota()
    md = api.viewer.get("/api/v1/matrix", params={"format": "md"}).text
    on_duty = {
        line.split("(`")[1].split("`)")[0]: line.rsplit("|", 2)[1].strip()
        for line in md.splitlines()
        if line.startswith("| **")
    }
    assert on_duty["commander"] == "alice"
    assert on_duty["worker"] == "nobody"
    assert on_duty["liaison"] == "—"
    assert api.viewer.get("/api/v1/matrix").json()["roles"][0]["on_duty"] == ["alice"]


# -- affected customers --------------------------------------------------------------------------


def test_customers_are_for_responders_only(api: Api, declare: Declare) -> None:
    ref = declare()["ref"]
    base = f"/api/v1/incidents/{ref}/customers"
    r = api.viewer.get(base)
    assert r.status_code == 403 and "personal data" in r.json()["detail"]
    assert api.viewer.post(base, json={"name": "Acme"}).status_code == 403
    r = api.responder.post(
        base,
        json={
            "name": "Acme Corp",
            "contact": "+1 555 0100",
            "tier": "gold",
            "reported_via": "support-ticket",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"][0]["contact"] == "+1 555 0100"
    for path in (f"/api/v1/incidents/{ref}", f"/api/v1/incidents/{ref}/timeline"):
        body = api.viewer.get(path).text
        assert "Acme" not in body and "555" not in body
    assert "Acme" not in api.viewer.get("/api/v1/incidents").text


def test_contact_log_and_the_verification_gate(api: Api, declare: Declare, cli: Cli) -> None:
    ref = declare(severity="sev2")["ref"]
    base = f"/api/v1/incidents/{ref}/customers"
    for person, role in (("root", "commander"), ("lee", "liaison")):
        api.responder.post(f"/api/v1/incidents/{ref}/roles", json={"role": role, "person": person})
    assert (
        cli(
            "customer",
            "add",
            ref,
            "Acme",
            "--contact",
            "ops@acme.test",
            "--tier",
            "gold",
            "--reported-via",
            "support-ticket",
        ).exit_code
        == 0
    )
    assert cli("customer", "add", ref, "Globex", "--reported-via", "phone").exit_code == 0
    r = cli(
        "customer",
        "contact",
        ref,
        "1",
        "--method",
        "phone",
        "--outcome",
        "reached",
        "--answer",
        "Is the entire service affected or only specific features?=Only login",
        "--at",
        "2026-11-23T09:31:00Z",
    )
    assert r.exit_code == 0, r.output
    bad = cli("customer", "contact", ref, "1", "--method", "fax", "--outcome", "reached")
    assert bad.exit_code == 2 and "method" in bad.output
    listed = json.loads(cli("customer", "list", ref, "--json").output)
    contact = listed["data"][0]["contacts"][0]
    assert contact["at"] == "2026-11-23T09:31:00Z" and contact["method"] == "phone"
    assert contact["answers"] == [
        {
            "question": "Is the entire service affected or only specific features?",
            "answer": "Only login",
        }
    ]
    assert listed["verification"] == {"awaiting": [1, 2], "satisfied": False, "reported": 2}

    api.responder.post(f"/api/v1/incidents/{ref}/roles", json={"role": "worker", "person": "emily"})
    pass_test_plan_over_http(api, ref, commander="admin", worker="responder")
    api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "mitigated"})
    blocked = api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "resolved"})
    assert blocked.status_code == 409
    assert blocked.json()["gates"] == [
        {
            "gate": "customers_verified",
            "reason": "customers who reported the problem have not confirmed the fix (or been waived by the liaison or commander): #1, #2",
        }
    ]
    assert cli("customer", "confirm", ref, "1", "--note", "they see logins again").exit_code == 0
    refused = cli("customer", "waive", ref, "2", "--reason", "no answer")
    assert refused.exit_code == 1 and "customers.waive_role" in refused.output
    r = api.admin.post(
        f"{base}/2/verification", json={"status": "waived", "note": "three calls, no answer"}
    )
    assert r.status_code == 200 and r.json()["verification"]["satisfied"] is True
    assert (
        api.responder.post(f"/api/v1/incidents/{ref}/stage", json={"stage": "resolved"}).status_code
        == 200
    )
    text = cli("customer", "list", ref, "--log").output
    assert "#1  Acme" in text and "confirmed" in text and "Only login" in text


def test_cli_checklist_commands(cli: Cli, declare: Declare) -> None:
    ref = declare(severity="sev2")["ref"]
    out = cli("checklist", ref)
    assert out.exit_code == 0 and "[x] check-declared" in out.output
    out = cli("check", ref, "ask-worker-help", "--at", "2026-11-23T09:35:00Z")
    assert (
        out.output.strip()
        == f"{ref} ask-worker-help ticked: Ask the worker if they believe they will need help. Arrange for it if they do."
    )
    assert cli("skip", ref, "pin-summary").exit_code == 2  # --reason is required
    out = cli("skip", ref, "pin-summary", "--reason", "no chat")
    assert out.exit_code == 0
    assert cli("uncheck", ref, "pin-summary").exit_code == 0
    again = cli("check", ref, "ask-worker-help")
    assert again.exit_code == 1 and "checklist.done" in again.output
    view = json.loads(cli("checklist", ref, "--role", "communications", "--json").output)
    assert {i["owner_role"] for i in view["items"]} == {"communications"}
    cli("role", ref, "commander", "emily")
    out = cli("next")
    assert out.exit_code == 0 and f"{ref} sev2 investigating" in out.output
    assert "[ ] incident-channel: " in out.output
    assert "[ ] ask-worker-help" not in out.output
    assert json.loads(cli("next", ref, "--json").output)["data"][0]["roles"] == ["commander"]


@pytest.mark.parametrize("path", ["checklist", "customers", "next-steps"])
def test_unknown_incidents_are_404(api: Api, path: str) -> None:
    assert api.responder.get(f"/api/v1/incidents/INC-7/{path}").status_code == 404


def test_the_policy_and_the_openapi_document_describe_checklists(api: Api) -> None:
    policy = api.viewer.get("/api/v1/policy").json()
    item = next(i for i in policy["checklist"] if i["id"] == "page-commander")
    assert item["done_when"] == {
        "event": "RoleAssigned",
        "where": {"role": ["commander"]},
        "text": "RoleAssigned role=commander",
    }
    assert (item["within"], item["from"], item["severities"]) == ("5m", "declaration", ["sev1"])
    assert (
        policy["roles"]["liaison"]["label"] == "Public Relations Manager (PRM) / customer liaison"
    )
    spec = api.anonymous.get("/api/openapi.json").json()
    for path in (
        "/api/v1/incidents/{ref}/checklist",
        "/api/v1/incidents/{ref}/checklist/{item}/check",
        "/api/v1/incidents/{ref}/customers/{number}/verification",
        "/api/v1/me/next-steps",
        "/api/v1/matrix",
    ):
        assert path in spec["paths"], path
    assert "from" in spec["components"]["schemas"]["ChecklistItemPublic"]["properties"]


def test_bad_customer_input_is_a_4xx_and_changes_nothing(api: Api, declare: Declare) -> None:
    ref = declare()["ref"]
    base = f"/api/v1/incidents/{ref}/customers"
    api.responder.post(base, json={"name": "Acme"})
    cases = [
        ("patch", f"{base}/1", {"name": None}, 422, "name"),
        ("patch", f"{base}/1", {"reported_via": "fax"}, 422, "reported_via"),
        ("patch", f"{base}/x", {"tier": "gold"}, 422, "number"),
        ("patch", f"{base}/9", {"tier": "gold"}, 404, None),
        ("post", base, {"name": "x" * 201}, 422, "name"),
        ("post", base, {"name": "Acme", "contact": "c" * 501}, 422, "contact"),
        ("post", f"{base}/1/contacts", {"method": "phone"}, 422, "outcome"),
        (
            "post",
            f"{base}/1/contacts",
            {"method": "phone", "outcome": "reached", "answers": [{"question": "q"}] * 51},
            422,
            "answers",
        ),
        ("post", f"{base}/1/verification", {"status": "maybe"}, 422, "status"),
        ("post", f"{base}/1/verification", {"status": "waived"}, 409, None),
    ]
    for method, path, body, status, field in cases:
        r = getattr(api.responder, method)(path, json=body)
        assert r.status_code == status, (path, body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        if field:
            assert any(field in e["field"] for e in r.json()["errors"]), r.json()
    [customer] = api.responder.get(base).json()["data"]
    assert (customer["name"], customer["tier"], customer["contacts"]) == ("Acme", None, [])

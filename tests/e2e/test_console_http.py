"""Every console route over HTTP: sign-in, CSRF, permissions, form errors, live polling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.conftest import Api
from tests.support.console import ConsoleClient
from warroom.bootstrap import Warroom

ROUTES = [
    "timeline",
    "answer",
    "updates",
    "stage",
    "severity",
    "acknowledge",
    "roles",
    "roles/release",
    "experiments",
    "experiments/conclude",
    "followups",
    "followups/close",
    "links",
    "checklist/check",
    "test-plan/steps",
    "test-plan/results",
    "test-plan/signers",
    "test-plan/sign-offs",
    "test-plan/automated-tests",
]


@pytest.fixture
def responder(api: Api, wr: Warroom) -> Iterator[ConsoleClient]:
    client = ConsoleClient(api.app, wr, "responder", "alice")
    yield client
    client.close()


@pytest.fixture
def viewer(api: Api, wr: Warroom) -> Iterator[ConsoleClient]:
    client = ConsoleClient(api.app, wr, "viewer", "victor")
    yield client
    client.close()


def declare(responder: ConsoleClient, **fields: str) -> str:
    data = {"title": "Logging in is broken for all users", "severity": "sev2", **fields}
    response = responder.post("/declare", data)
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location.rsplit("/", 1)[-1]


def test_pages_need_a_session(api: Api) -> None:
    anon = TestClient(api.app)
    for path in ("/", "/declare", "/incidents/INC-1", "/incidents/INC-1/poll"):
        response = anon.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    assert (
        anon.get("/incidents/INC-1/poll", headers={"HX-Request": "true"})
        .headers["HX-Redirect"]
        .startswith("/login")
    )


def test_sign_in_refuses_bad_tokens_and_forged_forms(api: Api) -> None:
    anon = TestClient(api.app)
    page = anon.get("/login")
    assert page.status_code == 200 and 'for="token"' in page.text
    csrf = page.cookies.get("warroom_login_csrf") or anon.cookies.get("warroom_login_csrf")
    bad = anon.post("/login", data={"token": "wr_nope", "csrf": csrf})
    assert bad.status_code == 401 and "unknown, expired or revoked" in bad.text
    forged = TestClient(api.app).post("/login", data={"token": "wr_nope", "csrf": "x"})
    assert forged.status_code == 403


def test_revoking_the_token_ends_the_session(responder: ConsoleClient, wr: Warroom) -> None:
    assert responder.get("/").status_code == 200
    wr.tokens.revoke(responder.record.id, wr.clock.now())
    wr_sessions = responder.client.app.state.console_sessions  # type: ignore[attr-defined]
    wr_sessions._checked.clear()
    assert responder.get("/", follow_redirects=False).status_code == 303


def test_sign_out(responder: ConsoleClient) -> None:
    assert responder.post("/logout", {}).status_code == 303
    assert responder.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("path", ROUTES)
def test_writes_without_the_csrf_token_are_refused(responder: ConsoleClient, path: str) -> None:
    ref = declare(responder)
    response = responder.client.post(
        f"/incidents/{ref}/{path}", data={"text": "x", "stage": "identified"}
    )
    assert response.status_code == 403
    assert "security token" in response.text
    assert responder.client.post("/declare", data={"title": "x"}).status_code == 403


@pytest.mark.parametrize("path", ROUTES)
def test_a_viewer_cannot_write(responder: ConsoleClient, viewer: ConsoleClient, path: str) -> None:
    ref = declare(responder)
    response = viewer.post(f"/incidents/{ref}/{path}", {"text": "x", "stage": "identified"})
    assert response.status_code == 403
    assert "may not change incidents" in response.text
    assert viewer.get(f"/incidents/{ref}").status_code == 200
    assert viewer.post("/declare", {"title": "x"}).status_code == 403


BAD_INPUT = {
    "timeline": {"kind": "stage-change", "text": "sneaky"},
    "answer": {"question": "Q?", "answer": ""},
    "updates": {"audience": "everyone", "text": "x"},
    "stage": {"stage": "sideways"},
    "severity": {"severity": "sev9"},
    "roles": {"role": "boss", "person": "bob"},
    "roles/release": {"role": "commander", "person": "nobody"},
    "experiments": {"hypothesis": "", "action": "restart"},
    "experiments/conclude": {"number": "abc", "status": "confirmed", "result": "x"},
    "followups": {"title": "Fix", "kind": "durable-fix", "due": "tomorrow"},
    "followups/close": {"number": "1", "status": "done"},
    "links": {"room": "javascript:alert(1)"},
    "checklist/check": {"item": "no-such-item"},
    "test-plan/steps": {"title": ""},
    "test-plan/results": {"number": "1", "environment": "moon", "status": "passed"},
    "test-plan/signers": {"person": ""},
    "test-plan/sign-offs": {},
    "test-plan/automated-tests": {"url": "javascript:alert(1)"},
}


@pytest.mark.parametrize(("path", "data"), BAD_INPUT.items())
def test_bad_input_shows_a_form_error_not_a_500(
    responder: ConsoleClient, path: str, data: dict[str, str]
) -> None:
    ref = declare(responder)
    before = responder.get(f"/incidents/{ref}/part/timeline").text
    for htmx in (True, False):
        response = responder.post(f"/incidents/{ref}/{path}", data, htmx=htmx)
        assert response.status_code in (404, 409, 422), (path, response.status_code)
        assert "text/html" in response.headers["content-type"]
        assert 'class="field-error"' in response.text or 'class="flash error"' in response.text
    assert responder.get(f"/incidents/{ref}/part/timeline").text == before


def test_every_form_succeeds_and_lands_on_the_timeline(responder: ConsoleClient) -> None:
    ref = declare(responder, services="auth", customers_affected="1")
    steps = [
        ("timeline", {"kind": "hypothesis", "text": "The identity provider is down"}),
        (
            "timeline",
            {"kind": "note", "text": "Deploy at 09:00", "occurred_at": "2026-11-23T09:00"},
        ),
        (
            "answer",
            {"question": "What service is affected?", "category": "Impact", "answer": "auth"},
        ),
        ("updates", {"audience": "internal", "text": "Investigating"}),
        ("acknowledge", {}),
        ("roles", {"role": "commander", "person": "alice"}),
        ("roles", {"role": "commander", "person": "bob"}),
        ("roles", {"role": "worker", "person": "emily"}),
        ("roles/release", {"role": "worker", "person": "emily"}),
        ("experiments", {"hypothesis": "IdP", "action": "fail over", "time_box_minutes": "10"}),
        ("experiments/conclude", {"number": "1", "status": "confirmed", "result": "fixed"}),
        ("followups", {"title": "Second IdP", "kind": "durable-fix", "owner": "carol"}),
        ("followups/close", {"number": "1", "status": "not-doing", "reason": "covered"}),
        ("severity", {"severity": "sev1"}),
        ("links", {"room": "https://chat.example.test/r/1", "ticket": "https://t.example.test/1"}),
        ("stage", {"stage": "identified"}),
    ]
    for path, data in steps:
        response = responder.post(f"/incidents/{ref}/{path}", data, htmx=True)
        assert response.status_code in (200, 204), (path, response.text)
        assert response.headers["HX-Trigger"] == "incident-changed"
    timeline = responder.get(f"/incidents/{ref}/part/timeline").text
    for text in (
        "The identity provider is down",
        "Q (Impact): What service is affected?",
        "commander handed off from alice to bob",
        "Experiment #1 confirmed: fixed",
        "Severity raised sev2 → sev1",
        "Stage investigating → identified",
    ):
        assert text in timeline, text
    assert "(recorded " in timeline  # the back-dated note shows both times
    page = responder.get(f"/incidents/{ref}").text
    assert "https://chat.example.test/r/1" in page
    assert "Questions for identified" in page
    # Without JavaScript a form redirects back to the incident.
    plain = responder.post(f"/incidents/{ref}/timeline", {"text": "plain post"})
    assert plain.status_code == 303 and plain.headers["location"] == f"/incidents/{ref}"


def test_blocked_stage_names_the_gate(responder: ConsoleClient) -> None:
    ref = declare(responder)
    responder.post(f"/incidents/{ref}/followups", {"title": "Fix it", "kind": "durable-fix"})
    page = responder.get(f"/incidents/{ref}").text
    assert "Resolved is blocked" in page and "durable_followups_closed" in page
    response = responder.post(f"/incidents/{ref}/stage", {"stage": "resolved"}, htmx=True)
    assert response.status_code == 409
    assert "durable_followups_closed" in response.text


def test_declare_warns_of_duplicates_and_can_declare_anyway(responder: ConsoleClient) -> None:
    declare(responder, services="auth")
    again = responder.post(
        "/declare", {"title": "Logging in is broken for all users", "services": "auth"}
    )
    assert again.status_code == 409
    assert "may duplicate" in again.text and "Declare anyway" in again.text
    assert 'value="Logging in is broken for all users"' in again.text
    forced = responder.post(
        "/declare",
        {"title": "Logging in is broken for all users", "services": "auth", "force": "on"},
    )
    assert forced.status_code == 303 and forced.headers["location"] == "/incidents/INC-2"
    refused = responder.post("/declare", {"title": "", "customers_affected": "5"})
    assert refused.status_code == 422
    assert "urgent" in refused.text  # the suggestion is shown again with the error


def test_declare_form_errors_name_the_field(responder: ConsoleClient) -> None:
    for data, field in (
        ({"title": ""}, "title"),
        ({"title": "x", "customers_affected": "lots"}, "customers_affected"),
        ({"title": "x", "severity": "sev9"}, "severity"),
        ({"title": "x", "detected_at": "yesterday"}, "detected_at"),
    ):
        response = responder.post("/declare", data)
        assert response.status_code == 422, data
        assert f"{field}:" in response.text or 'class="field-error"' in response.text


def test_classification_suggestion_follows_the_fields(responder: ConsoleClient) -> None:
    none = responder.get("/declare/classify", params={"customers_affected": "1"})
    assert "No classification rule matches" in none.text
    two = responder.get("/declare/classify", params={"customers_affected": "2", "severity": "sev3"})
    assert "sev1" in two.text and "urgent" in two.text
    whole = responder.get("/declare/classify", params={"whole_service": "on"})
    assert "urgent" in whole.text
    junk = responder.get("/declare/classify", params={"customers_affected": "many"})
    assert junk.status_code == 200


def test_list_filters(responder: ConsoleClient, wr: Warroom) -> None:
    one = declare(responder, title="Checkout slow", severity="sev3", services="payments")
    two = declare(responder, title="Search down", severity="sev1", services="search")
    responder.post(f"/incidents/{two}/roles", {"role": "commander", "person": "alice"})
    page = responder.get("/")
    assert one in page.text and two in page.text and "sev-0" in page.text
    assert "update overdue" not in page.text
    wr.clock.advance(hours=1)  # type: ignore[attr-defined]
    assert "internal update overdue" in responder.get("/").text
    only = responder.get("/", params={"severity": "sev1"}).text
    assert two in only and one not in only
    assert one in responder.get("/", params={"service": "payments"}).text
    assert two not in responder.get("/", params={"service": "payments"}).text
    mine = responder.get("/", params={"mine": "true"}).text
    assert two in mine and one not in mine
    assert "No incidents match" in responder.get("/", params={"status": "closed"}).text
    rows = responder.get("/", params={"stage": "identified"}, headers={"HX-Target": "incidents"})
    assert rows.text.lstrip().startswith('<section id="incidents"')


def test_poll_answers_204_until_something_changes(responder: ConsoleClient) -> None:
    ref = declare(responder)
    first = responder.get(f"/incidents/{ref}/poll", params={"v": "stale"})
    assert first.status_code == 200 and first.headers["HX-Trigger"] == "incident-changed"
    version = first.text.split("v=", 1)[1].split('"', 1)[0]
    assert responder.get(f"/incidents/{ref}/poll", params={"v": version}).status_code == 204
    responder.post(f"/incidents/{ref}/timeline", {"text": "news"}, htmx=True)
    assert responder.get(f"/incidents/{ref}/poll", params={"v": version}).status_code == 200
    assert responder.get("/incidents/INC-99/poll").status_code == 404


def test_parts_and_missing_things(responder: ConsoleClient) -> None:
    ref = declare(responder)
    for part in ("header", "roles", "timeline", "questions", "experiments", "followups"):
        response = responder.get(f"/incidents/{ref}/part/{part}")
        assert response.status_code == 200 and f'id="part-{part}"' in response.text
    assert responder.get(f"/incidents/{ref}/part/nothing").status_code == 404
    missing = responder.get("/incidents/INC-99")
    assert missing.status_code == 404 and "not found" in missing.text
    assert "text/html" in missing.headers["content-type"]
    assert responder.get("/incidents/garbage").status_code == 422
    filtered = responder.get(f"/incidents/{ref}/part/timeline", params={"kind": "note"})
    assert "Nothing recorded of these kinds" in filtered.text
    assert responder.post("/incidents/INC-99/timeline", {"text": "x"}).status_code == 404


def test_the_api_still_answers_problem_details(api: Api) -> None:
    response = api.responder.get("/api/v1/incidents/INC-99")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_links_set_through_the_api_with_a_script_scheme_are_not_links(
    responder: ConsoleClient, api: Api
) -> None:
    ref = declare(responder)
    api.responder.patch(
        f"/api/v1/incidents/{ref}", json={"links": {"bridge": "javascript:alert(1)"}}
    ).raise_for_status()
    api.responder.post(
        f"/api/v1/incidents/{ref}/followups",
        json={"title": "x", "kind": "cleanup", "ticket_url": "javascript:alert(2)"},
    ).raise_for_status()
    page = responder.get(f"/incidents/{ref}").text
    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" in page  # still shown, as text


def test_test_plan_forms_post_the_api_commands_and_flash_their_errors(
    responder: ConsoleClient, api: Api
) -> None:
    ref = declare(responder)
    base = f"/incidents/{ref}/test-plan"
    added = responder.post(f"{base}/steps", {"title": "Log in", "customer_data": ""}, htmx=True)
    assert added.status_code == 200 and added.headers["HX-Trigger"] == "incident-changed"
    assert 'id="step-form"' in added.text and 'value=""' in added.text  # cleared
    assert '<div id="flash" hx-swap-oob="innerHTML"></div>' in added.text  # old error gone
    responder.post(f"{base}/steps", {"title": "Create an order", "customer_data": "on"})
    # A skipped step needs a reason: the rule's message in the flash, the form kept.
    refused = responder.post(
        f"{base}/results",
        {"number": "1", "environment": "staging", "status": "skipped"},
        htmx=True,
    )
    assert refused.status_code == 409
    assert 'class="flash error"' in refused.text and "needs a reason" in refused.text
    bad = responder.post(
        f"{base}/automated-tests", {"url": "ftp://x", "description": "d"}, htmx=True
    )
    assert bad.status_code == 422
    oob = bad.text.index('<div id="flash" hx-swap-oob="innerHTML">')
    assert bad.text.index('class="flash error"') > oob
    assert 'value="ftp://x"' in bad.text  # what was typed is kept
    for env in ("staging", "production"):
        ok = responder.post(
            f"{base}/results", {"number": "1", "environment": env, "status": "passed"}, htmx=True
        )
        assert ok.status_code == 204, ok.text
    responder.post(f"{base}/results", {"number": "2", "environment": "staging", "status": "passed"})
    not_commander = responder.post(f"{base}/signers", {"person": "quinn"}, htmx=True)
    assert not_commander.status_code == 409 and "commander" in not_commander.text
    responder.post(f"/incidents/{ref}/roles", {"role": "commander", "person": "alice"})
    added_signer = responder.post(f"{base}/signers", {"person": "quinn"}, htmx=True)
    assert added_signer.status_code == 200 and 'id="signer-form"' in added_signer.text
    tests = responder.post(
        f"{base}/automated-tests", {"url": "https://ci.example.test/run/1"}, htmx=True
    )
    assert tests.status_code == 200
    plan = api.viewer.get(f"/api/v1/incidents/{ref}/test-plan").json()
    assert [(s["title"], s["customer_data"]) for s in plan["steps"]] == [
        ("Log in", False),
        ("Create an order", True),
    ]
    assert plan["steps"][0]["results"]["production"]["status"] == "passed"
    assert plan["steps"][1]["results"]["production"]["status"] == "skipped"
    assert [s["person"] for s in plan["required_signers"]] == ["quinn"]
    assert plan["automated_tests"][0]["url"] == "https://ci.example.test/run/1"
    signed = responder.post(f"{base}/sign-offs", {}, htmx=True)
    assert signed.status_code == 204
    plan = api.viewer.get(f"/api/v1/incidents/{ref}/test-plan").json()
    assert [s["person"] for s in plan["signoffs"]] == ["alice"]
    panel = responder.get(f"/incidents/{ref}/part/testplan").text
    assert "Signed by alice" in panel and "quinn" in panel
    assert "Sign the test plan as alice" not in panel  # signed already

"""The console and the status page in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need
from tests.support import browser as support
from tests.support.smtp import SmtpServer, free_port
from warroom.adapters.orm import start_mappers
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.access import AccessRole
from warroom.domain.directory import Service
from warroom.domain.status_commands import AddStatusComponent
from warroom.entrypoints.worker import worker_thread
from warroom.service_layer.views import load_incident

pytestmark = pytest.mark.slow

README_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def live(sqlite_url: str, smtp: SmtpServer) -> Iterator[tuple[Warroom, str]]:
    need(support.chromium_missing() is None, str(support.chromium_missing()))
    start_mappers()
    port = free_port()
    settings = Settings(
        database_url=sqlite_url,
        dev=True,
        url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="status@example.test",
        status_page_name="Example Cloud status",
        worker_poll_seconds=0.1,
    )
    wr = bootstrap(settings, policy=load_policy("standard"), migrate=False)
    wr.bus.handle(AddStatusComponent(name="API", by="root", group="Platform"))
    wr.bus.handle(AddStatusComponent(name="Website", by="root", group="Platform"))
    wr.bus.handle(AddStatusComponent(name="Email delivery", by="root"))
    with wr.bus.uow_factory() as uow:
        uow.directory.add(Service(name="auth", status_component="API"))
        uow.commit()
    with worker_thread(wr), support.serving(wr) as url:
        yield wr, url
    wr.close()


def sign_in(browser: Any, url: str, token: str, **context: Any) -> Any:
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(10_000)
    support.sign_in_with_token(page, url, token)
    return page


def shot(page: Any, name: str, *, readme: bool = False) -> None:
    """Save a screenshot under test-artifacts/; WARROOM_UPDATE_SCREENSHOTS=1 also refreshes
    the README's copy in docs/img/."""
    support.ARTIFACTS.mkdir(exist_ok=True)
    target = support.ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    if readme and os.environ.get("WARROOM_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(target, README_SHOTS / f"{name}.png")


def test_respond_to_an_incident_in_the_browser(
    live: tuple[Warroom, str], chromium: Any, smtp: SmtpServer
) -> None:
    wr, url = live
    alice, _ = wr.tokens.create(name="alice", role=AccessRole.RESPONDER, now=wr.clock.now())
    bob, _ = wr.tokens.create(name="bob", role=AccessRole.RESPONDER, now=wr.clock.now())
    page = sign_in(chromium, url, alice, viewport={"width": 1280, "height": 900})

    # Declare from the form; the policy's classification appears as the fields change.
    page.get_by_role("link", name="Declare", exact=True).click()
    page.get_by_label("Title").fill("Logging in is broken for all users")
    page.get_by_label("Functionality").fill("logging in")
    page.get_by_label("State", exact=True).fill("broken")
    page.get_by_label("Audience").fill("all users")
    page.get_by_label("Severity").select_option("sev2")
    page.get_by_label("Visibility").select_option("public")
    page.get_by_label("Services (comma-separated)").fill("auth")
    page.get_by_label("Customers affected").fill("3")
    page.locator("#classification").get_by_text("sev1").wait_for()
    page.get_by_role("button", name="Declare", exact=True).click()
    page.wait_for_url(re.compile(r".*/incidents/INC-1$"))
    assert "Logging in is broken for all users" in page.locator("h1").inner_text()

    # Add a note.
    page.get_by_label("Text").fill("Emily sees 502s from the identity provider")
    page.get_by_role("button", name="Add entry").click()
    page.locator("#part-timeline").get_by_text("Emily sees 502s").wait_for()

    # Change stage.
    page.get_by_role("button", name="→ identified").click()
    page.locator("#stage-now").get_by_text("identified").wait_for()

    # A blocked transition says which gate holds it back.
    page.locator("#fu-title").fill("Add a second identity provider")
    page.locator("#fu-kind").select_option("durable-fix")
    page.get_by_role("button", name="Add follow-up").click()
    # Other gates (the test plan) already block resolved: wait for this follow-up's own gate.
    page.locator("#gate-resolved").get_by_text("durable_followups_closed").wait_for()
    page.get_by_role("button", name="→ resolved").click()
    flash = page.locator("#flash")
    flash.get_by_text("durable_followups_closed").first.wait_for()
    assert "cannot move to resolved" in flash.inner_text()

    # A second responder sees a new note within 2 s.
    other = sign_in(chromium, url, bob, viewport={"width": 1280, "height": 900})
    other.goto(f"{url}/incidents/INC-1")
    other.locator("#part-timeline").get_by_text("Emily sees 502s").wait_for()
    page.get_by_label("Text").fill("Live marker 4417: failing over now")
    page.get_by_role("button", name="Add entry").click()
    page.locator("#part-timeline").get_by_text("Live marker 4417").wait_for()
    started = time.monotonic()
    other.locator("#part-timeline").get_by_text("Live marker 4417").wait_for(timeout=2000)
    assert time.monotonic() - started < 2.0

    # A customer update shows on the public status page.
    page.locator("#update-audience").select_option("customers")
    page.locator("#update-text").fill("Some customers cannot log in; we are failing over.")
    page.get_by_role("button", name="Post update").click()
    page.locator("#part-timeline").get_by_text("we are failing over").wait_for()
    shot(page, "console-incident", readme=True)

    page.goto(f"{url}/")
    page.get_by_text("INC-1").first.wait_for()
    shot(page, "console-list")

    status = chromium.new_context(java_script_enabled=False).new_page()
    status.goto(f"{url}/status/")
    assert "Some customers cannot log in; we are failing over." in status.content()
    assert "Partial System Outage" in status.content()
    assert "Emily sees 502s" not in status.content()
    shot(status, "status-page", readme=True)

    # Subscribe (without JavaScript) and confirm through the email the server received.
    status.get_by_label("Email address").fill("customer@example.test")
    status.get_by_role("checkbox", name="API").check()
    status.get_by_role("button", name="Subscribe").click()
    status.get_by_text("Check your inbox").wait_for()
    deadline = time.monotonic() + 10
    while not smtp.inbox.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    [mail] = smtp.inbox.messages
    link = re.search(r"(http://\S+/status/subscribe/confirm\?token=\S+)", str(mail.get_payload()))
    assert link, mail.get_payload()
    status.goto(link.group(1))
    status.get_by_text("Subscribed: customer@example.test").wait_for()

    # On a phone-width screen nothing needs sideways scrolling.
    phone = sign_in(chromium, url, bob, viewport={"width": 390, "height": 844})
    phone.goto(f"{url}/incidents/INC-1")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(phone, "console-phone")
    # Keyboard: the first Tab lands on the skip link, and Enter follows it.
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent") == "Skip to content"


def test_a_live_refresh_keeps_what_a_responder_is_choosing(
    live: tuple[Warroom, str], chromium: Any
) -> None:
    from warroom.domain import commands as c  # noqa: PLC0415
    from warroom.domain.enums import EntryKind  # noqa: PLC0415

    wr, url = live
    alice, _ = wr.tokens.create(name="alice", role=AccessRole.RESPONDER, now=wr.clock.now())
    declared = c.DeclareIncident(title="Checkout times out", severity="sev2", by="alice")
    ref: str = wr.bus.handle(declared)["ref"]
    wr.bus.handle(
        c.StartExperiment(ref=ref, hypothesis="the pool is exhausted", action="raise it", by="a")
    )
    page = sign_in(chromium, url, alice)
    page.goto(f"{url}/incidents/{ref}")
    outcome = page.locator("#exp-1-status")
    outcome.select_option("refuted")

    # Someone else changes the incident: every panel refreshes, but this one holds a choice.
    wr.bus.handle(c.AddTimelineEntry(ref=ref, kind=EntryKind.NOTE, text="Marker 5521", by="b"))
    page.locator("#part-timeline").get_by_text("Marker 5521").wait_for()
    page.locator("#part-experiments.stale").wait_for()
    assert outcome.input_value() == "refuted"

    # Sent, the form is reset and the panel catches up.
    page.locator("#exp-1-result").fill("no change in latency")
    page.get_by_role("button", name="Conclude").click()
    page.locator("#part-experiments").get_by_text("Result: no change in latency").wait_for()
    # htmx keeps the old attributes for a moment while the swapped panel settles.
    page.locator("#part-experiments:not(.stale)").wait_for()
    assert page.locator("#part-experiments.stale").count() == 0


def test_walk_a_test_plan_to_signed_in_the_console(
    live: tuple[Warroom, str], chromium: Any
) -> None:
    wr, url = live
    alice, _ = wr.tokens.create(name="alice", role=AccessRole.RESPONDER, now=wr.clock.now())
    emily, _ = wr.tokens.create(name="emily", role=AccessRole.RESPONDER, now=wr.clock.now())
    quinn, _ = wr.tokens.create(name="quinn", role=AccessRole.RESPONDER, now=wr.clock.now())
    page = sign_in(chromium, url, alice, viewport={"width": 1280, "height": 900})
    page.get_by_role("link", name="Declare", exact=True).click()
    page.get_by_label("Title").fill("Checkout fails for some customers")
    page.get_by_label("Severity").select_option("sev2")
    page.get_by_role("button", name="Declare", exact=True).click()
    page.wait_for_url(re.compile(r".*/incidents/INC-1$"))
    page.locator("#role-role").select_option("commander")
    page.locator("#role-person").fill("alice")
    page.get_by_role("button", name="Assign / hand off").click()
    page.locator("#part-roles").get_by_text("alice").first.wait_for()
    page.locator("#role-role").select_option("worker")
    page.locator("#role-person").fill("emily")
    page.get_by_role("button", name="Assign / hand off").click()
    page.locator("#part-roles").get_by_text("emily").first.wait_for()

    plan = page.locator("#part-testplan")
    page.get_by_label("Step (run in staging, then production)").fill("Pay with a saved card")
    page.get_by_role("button", name="Add step").click()
    plan.get_by_text("Pay with a saved card").wait_for()
    assert page.get_by_label("Step (run in staging, then production)").input_value() == ""
    page.get_by_label("Step (run in staging, then production)").fill("Create a new order")
    page.get_by_label("Creates or modifies customer data").check()
    page.get_by_role("button", name="Add step").click()
    step2 = page.locator("#step-2")
    step2.get_by_text("customer data", exact=True).wait_for()
    assert step2.locator('[data-env="production"]').inner_text() == "skipped"

    # Skipping without a reason is refused: the rule's message shows in the flash.
    step1 = page.locator("#step-1")
    step1.get_by_label("Environment").select_option("staging")
    step1.get_by_role("button", name="Skipped").click()
    page.locator("#flash").get_by_text("a skipped step needs a reason").wait_for()
    for env in ("staging", "production"):
        step1.get_by_label("Environment").select_option(env)
        step1.get_by_role("button", name="Passed").click()
        step1.locator(f'[data-env="{env}"]').get_by_text("passed").wait_for()
    step2.get_by_label("Environment").select_option("staging")
    step2.get_by_role("button", name="Passed").click()
    step2.locator('[data-env="staging"]').get_by_text("passed").wait_for()

    page.get_by_label("Person who must also sign").fill("quinn")
    page.get_by_role("button", name="Add signer").click()
    plan.get_by_text("Added signers: quinn").wait_for()
    page.get_by_label("Link (the tests or their passing run)").fill("https://ci.example.test/1")
    page.get_by_role("button", name="Record tests").click()
    plan.get_by_role("link", name="https://ci.example.test/1").wait_for()

    page.get_by_role("button", name="Sign the test plan as alice").click()
    plan.get_by_text("Signed by alice").wait_for()
    for token, name in ((emily, "emily"), (quinn, "quinn")):
        other = sign_in(chromium, url, token, viewport={"width": 1280, "height": 900})
        other.goto(f"{url}/incidents/INC-1")
        other.get_by_role("button", name=f"Sign the test plan as {name}").click()
        other.locator("#part-testplan").get_by_text(f", {name}").wait_for()
        other.context.close()
    plan.locator("h2 .badge").get_by_text("signed", exact=True).wait_for()
    shot(page, "console-test-plan")
    with wr.read_session() as session:
        assert load_incident(session, "INC-1").test_plan_signed()

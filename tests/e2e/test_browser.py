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


@pytest.fixture
def chromium() -> Iterator[Any]:
    need(support.chromium_missing() is None, str(support.chromium_missing()))
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional at import

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=support.CHROMIUM, args=support.CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def sign_in(browser: Any, url: str, token: str, **context: Any) -> Any:
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{url}/")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")
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
    page.get_by_text("Resolved is blocked").wait_for()
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
    link = re.search(r"(http://\S+/status/subscribe/confirm\?token=\S+)", mail.get_payload())
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

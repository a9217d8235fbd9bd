"""The public status page on both databases: what it shows, what it never shows, who hears."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.fakes import ManualClock
from tests.support import status as scenario
from tests.support.smtp import SmtpServer
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands as c
from warroom.domain.enums import Audience, Stage, Visibility
from warroom.domain.status_commands import ConfirmSubscription, ScheduleMaintenance
from warroom.entrypoints.web.status_render import StatusRenderer
from warroom.entrypoints.web.templating import make_environment
from warroom.service_layer.worker import WorkerConfig


def render(wr: Warroom) -> dict[str, bytes]:
    renderer = StatusRenderer(wr, make_environment(), subscribe_enabled=True)
    renderer.refresh()
    assert renderer.resources is not None
    return {path: res.body for path, res in renderer.resources.items()}


def test_only_public_incidents_and_customer_updates_leave_the_building(wr: Warroom) -> None:
    scenario.components(wr)
    public, _, _ = scenario.secret_everywhere(wr)
    pages = render(wr)
    assert f"incidents/{public.lower()}/" in pages
    assert len([p for p in pages if p.startswith("incidents/")]) == 1
    for path, body in pages.items():
        assert scenario.SECRET.encode() not in body, path
    assert b"We have found the cause of failed logins" in pages[""]
    assert b"We have found the cause of failed logins" in pages["feed.atom"]


def test_components_follow_incidents_on_their_services(wr: Warroom) -> None:
    scenario.components(wr)
    ref = scenario.declare(
        wr, "Logins failing", visibility=Visibility.PUBLIC, services=("auth",), severity="sev2"
    )
    view = StatusRenderer(wr, make_environment(), subscribe_enabled=False).view()
    by_name = {comp["name"]: comp for comp in view.components}
    assert by_name["API"]["status"] == "partial_outage"  # sev2 → impact major
    assert by_name["Platform"]["group"] and by_name["Platform"]["status"] == "partial_outage"
    assert by_name["Email delivery"]["status"] == "operational"
    assert (view.indicator, view.description) == ("major", "Partial System Outage")
    [incident] = view.unresolved
    assert (incident["id"], incident["status"], incident["impact"]) == (
        ref.lower(),
        "investigating",
        "major",
    )
    wr.clock.advance(minutes=30)  # type: ignore[attr-defined]
    wr.bus.handle(c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="emily"))
    view = StatusRenderer(wr, make_environment(), subscribe_enabled=False).view()
    assert {comp["name"]: comp["status"] for comp in view.components}["API"] == "operational"
    assert view.unresolved[0]["status"] == "monitoring"
    days, percent = view.uptime("API")
    assert days[-1].down_minutes == 30 and percent < 100


def test_maintenance_shows_its_components_under_maintenance(wr: Warroom) -> None:
    scenario.components(wr)
    now = wr.clock.now()
    wr.bus.handle(
        ScheduleMaintenance(
            name="Database upgrade",
            scheduled_for=now - timedelta(minutes=5),
            scheduled_until=now + timedelta(hours=1),
            by="root",
            components=("Email delivery",),
        )
    )
    view = StatusRenderer(wr, make_environment(), subscribe_enabled=False).view()
    docs = view.documents()
    assert docs["scheduled-maintenances/active.json"]["scheduled_maintenances"][0]["status"] == (
        "in_progress"
    )
    statuses = {comp["name"]: comp["status"] for comp in docs["components.json"]["components"]}
    assert statuses["Email delivery"] == "under_maintenance"
    assert docs["status.json"]["status"]["indicator"] == "maintenance"


@pytest.fixture
def mailing(database_url: str, clock: ManualClock, smtp: SmtpServer) -> Iterator[Warroom]:
    settings = Settings(
        database_url=database_url,
        dev=True,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="status@example.test",
        public_url="https://status.example.test",
    )
    app = bootstrap(settings, clock=clock, migrate=False)
    yield app
    app.close()


def test_customer_updates_reach_the_subscribers_of_affected_components(
    mailing: Warroom, smtp: SmtpServer
) -> None:
    wr = mailing
    scenario.components(wr)
    wr.bus.handle(ConfirmSubscription(email="api-fan@example.test", components=("API",)))
    wr.bus.handle(ConfirmSubscription(email="everything@example.test", components=()))
    wr.bus.handle(
        ConfirmSubscription(email="mail-only@example.test", components=("Email delivery",))
    )
    ref = scenario.declare(
        wr, "Logins failing", visibility=Visibility.PUBLIC, services=("auth",), severity="sev1"
    )
    wr.bus.handle(
        c.PostUpdate(ref=ref, audience=Audience.INTERNAL, text="internal only", by="dana")
    )
    wr.bus.handle(
        c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="Logins fail for some.", by="dana")
    )
    internal = scenario.declare(
        wr, "Quiet", visibility=Visibility.INTERNAL, services=("auth",), severity="sev1"
    )
    wr.bus.handle(c.PostUpdate(ref=internal, audience=Audience.CUSTOMERS, text="no", by="dana"))
    worker = wr.make_worker(WorkerConfig(), "w")
    while worker.tick():
        pass
    to = sorted(m["To"] for m in smtp.inbox.messages)
    assert to == ["api-fan@example.test", "everything@example.test"]
    mail = smtp.inbox.messages[0]
    assert "Logins fail for some." in mail.get_payload()
    unsubscribe = mail["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://status.example.test/status/unsubscribe?token=")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_incident_without_components_reaches_every_subscriber(
    mailing: Warroom, smtp: SmtpServer
) -> None:
    wr = mailing
    scenario.components(wr)
    wr.bus.handle(ConfirmSubscription(email="api-fan@example.test", components=("API",)))
    wr.bus.handle(
        ConfirmSubscription(email="mail-only@example.test", components=("Email delivery",))
    )
    ref = scenario.declare(
        wr, "Everything slow", visibility=Visibility.PUBLIC, services=(), severity="sev3"
    )
    wr.bus.handle(c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="Slow.", by="dana"))
    wr.make_worker(WorkerConfig(), "w").tick()
    assert sorted(m["To"] for m in smtp.inbox.messages) == [
        "api-fan@example.test",
        "mail-only@example.test",
    ]

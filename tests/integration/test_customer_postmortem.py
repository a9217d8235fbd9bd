"""The customer postmortem: on the public status page and mailed to every subscriber (both DBs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from tests.fakes import ManualClock
from tests.support import status as scenario
from tests.support.html_safety import active_content
from tests.support.smtp import SmtpServer
from warroom import status_queries
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands as c
from warroom.domain import postmortem_commands as pc
from warroom.domain.enums import Audience, Stage, Visibility
from warroom.domain.errors import RuleViolation
from warroom.domain.status_commands import ConfirmSubscription
from warroom.domain.status_page import incident_status
from warroom.entrypoints.web.status_render import StatusRenderer
from warroom.entrypoints.web.templating import make_environment
from warroom.service_layer.worker import WorkerConfig

CUSTOMER_TEXT = """# Failed logins on 23 November

Logins failed for 40 minutes after a certificate expired.

<script>alert("x")</script> [more](javascript:alert(1))
"""


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


def deliver(wr: Warroom) -> None:
    worker = wr.make_worker(WorkerConfig(), "w")
    while worker.tick():
        pass


def ready_to_publish(wr: Warroom, visibility: Visibility) -> str:
    ref = scenario.declare(
        wr, "Logins failing", visibility=visibility, services=("auth",), severity="sev2"
    )
    wr.bus.handle(c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="Looking.", by="d"))
    wr.clock.advance(minutes=40)  # type: ignore[attr-defined]
    wr.bus.handle(c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="emily"))
    wr.bus.handle(c.WritePostmortem(ref=ref, by="emily"))
    wr.bus.handle(pc.WriteCustomerPostmortem(ref=ref, by="lee", body=CUSTOMER_TEXT))
    return ref


def test_every_subscriber_hears_of_the_postmortem_once(mailing: Warroom, smtp: SmtpServer) -> None:
    wr = mailing
    scenario.components(wr)
    for email, components in (
        ("api-fan@example.test", ("API",)),
        ("mail-only@example.test", ("Email delivery",)),
        ("everything@example.test", ()),
    ):
        wr.bus.handle(ConfirmSubscription(email=email, components=components))
    ref = ready_to_publish(wr, Visibility.PUBLIC)
    deliver(wr)
    smtp.inbox.messages.clear()  # the customer update went to the API's subscribers only

    wr.bus.handle(pc.PublishCustomerPostmortem(ref=ref, by="lee"))
    deliver(wr)
    mails = [m for m in smtp.inbox.messages if m["Subject"].startswith("[Postmortem]")]
    # Not only the subscribers of the affected component (API): all of them.
    assert sorted(m["To"] for m in mails) == [
        "api-fan@example.test",
        "everything@example.test",
        "mail-only@example.test",
    ]
    for mail in mails:
        body = bytes(mail.get_payload(decode=True)).decode()
        assert "Logins failed for 40 minutes" in body
        assert f"https://status.example.test/status/incidents/{ref.lower()}/" in body
        assert mail["List-Unsubscribe"].startswith(
            "<https://status.example.test/status/unsubscribe?token="
        )
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    tokens = {m["List-Unsubscribe"] for m in mails}
    assert len(tokens) == 3, "each subscriber gets their own unsubscribe link"

    # Publishing twice is refused; delivering again sends nothing more (keyed outbox rows).
    with pytest.raises(RuleViolation) as again:
        wr.bus.handle(pc.PublishCustomerPostmortem(ref=ref, by="lee"))
    assert again.value.rule == "postmortem.customers.published"
    deliver(wr)
    assert len([m for m in smtp.inbox.messages if m["Subject"].startswith("[Postmortem]")]) == 3


def test_the_status_page_shows_the_published_version_safely(mailing: Warroom) -> None:
    wr = mailing
    scenario.components(wr)
    ref = ready_to_publish(wr, Visibility.PUBLIC)
    path = f"incidents/{ref.lower()}/"

    def pages() -> dict[str, bytes]:
        renderer = StatusRenderer(wr, make_environment(), subscribe_enabled=True)
        renderer.refresh()
        assert renderer.resources is not None
        return {p: r.body for p, r in renderer.resources.items()}

    assert b"Logins failed for 40 minutes" not in pages()[path], "a draft stays private"
    wr.bus.handle(pc.PublishCustomerPostmortem(ref=ref, by="lee"))
    published = pages()
    page = published[path].decode()
    assert "<h1>Failed logins on 23 November</h1>" in page
    assert "Logins failed for 40 minutes" in page
    article = page.split('id="postmortem"')[1].split("</article>")[0]
    assert active_content(article) == []
    assert "&lt;script&gt;" in article, "the raw HTML is shown as text, not run"
    assert "Read the postmortem" in published["history/"].decode()
    for doc in ("incidents.json", "summary.json"):
        assert b"Logins failed for 40 minutes" not in published[f"api/v2/{doc}"]


@pytest.mark.parametrize("visibility", [Visibility.INTERNAL, Visibility.RESTRICTED])
def test_internal_and_restricted_incidents_are_never_published(
    mailing: Warroom, smtp: SmtpServer, visibility: Visibility
) -> None:
    wr = mailing
    wr.bus.handle(ConfirmSubscription(email="everything@example.test", components=()))
    scenario.components(wr)
    ref = ready_to_publish(wr, visibility)
    with pytest.raises(RuleViolation) as refused:
        wr.bus.handle(pc.PublishCustomerPostmortem(ref=ref, by="lee"))
    assert refused.value.rule == "postmortem.customers.not_public"
    deliver(wr)
    assert smtp.inbox.messages == []


def test_postmortem_status_follows_the_customer_version(mailing: Warroom) -> None:
    """Publishing the internal postmortem leaves a resolved incident "resolved" on the
    status page and its Statuspage API; the customer version makes it "postmortem"."""
    wr = mailing
    scenario.components(wr)
    wr.bus.handle(ConfirmSubscription(email="everything@example.test", components=()))
    ref = scenario.declare(
        wr, "Logins failing", visibility=Visibility.PUBLIC, services=("auth",), severity="sev3"
    )
    wr.bus.handle(c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="Looking.", by="d"))
    wr.clock.advance(minutes=40)  # type: ignore[attr-defined]
    wr.bus.handle(c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="emily"))
    wr.bus.handle(c.ChangeStage(ref=ref, stage=Stage.RESOLVED, by="emily"))
    wr.bus.handle(c.WritePostmortem(ref=ref, by="emily"))
    wr.bus.handle(c.PublishPostmortem(ref=ref, by="emily"))
    iid = f"inc-{ref.removeprefix('INC-')}"

    def statuses() -> dict[str, str]:
        renderer = StatusRenderer(wr, make_environment(), subscribe_enabled=True)
        renderer.refresh()
        assert renderer.resources is not None
        found = {}
        for doc in ("incidents.json", "summary.json"):
            body = json.loads(renderer.resources[f"api/v2/{doc}"].body)
            found.update({f"{doc}:{i['id']}": i["status"] for i in body["incidents"]})
        return found

    assert statuses() == {f"incidents.json:{iid}": "resolved"}  # resolved leaves the summary
    with wr.read_session() as session:
        assert public_status(session, ref) == "resolved"
    assert "Status: Resolved" in mailed_update(wr, ref, "All fine since 10:40.")

    wr.bus.handle(pc.WriteCustomerPostmortem(ref=ref, by="lee", body=CUSTOMER_TEXT))
    assert statuses() == {f"incidents.json:{iid}": "resolved"}  # a draft changes nothing
    wr.bus.handle(pc.PublishCustomerPostmortem(ref=ref, by="lee"))
    assert statuses() == {f"incidents.json:{iid}": "postmortem"}
    with wr.read_session() as session:
        assert public_status(session, ref) == "postmortem"
    assert "Status: Postmortem" in mailed_update(wr, ref, "The postmortem is out.")


def mailed_update(wr: Warroom, ref: str, text: str) -> str:
    """Post a customer update; the body of the email queued for the subscriber."""
    wr.bus.handle(c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text=text, by="d"))
    with wr.db.read.connect() as conn:
        bodies = conn.execute(
            select(outbox.c.body).where(
                outbox.c.destination == "everything@example.test", outbox.c.body.contains(text)
            )
        ).scalars()
        [body] = list(bodies)
    return str(body)


def public_status(session: Any, ref: str) -> str:
    """The status the status page's read side gives the incident."""
    [found] = [
        i
        for i in status_queries.public_incidents(session.connection())
        if i["id"] == int(ref.removeprefix("INC-"))
    ]
    return str(
        incident_status(Stage(found["stage"]), postmortem_published=found["postmortem_published"])
    )

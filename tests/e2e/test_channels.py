"""Email threading (aiosmtpd), Standard Webhooks, Slack's Web API and apprise, on 127.0.0.1."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.fakes import ManualClock
from tests.support.http_receiver import Received, Receiver
from tests.support.outbox import drain, rows, timeline_texts
from tests.support.policies import without_clocks
from tests.support.smtp import SmtpServer
from warroom.adapters.notifiers.apprise_targets import AppriseNotifier
from warroom.adapters.notifiers.email import message_id, thread_root
from warroom.adapters.notifiers.slack import SlackClient, SlackConfig, SlackNotifier
from warroom.adapters.policy_file import load_policy, parse_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands
from warroom.domain.background import OutboundMessage
from warroom.domain.checklists import ChecklistStatus
from warroom.domain.directory import Person, Service, Team
from warroom.domain.enums import Audience, RoleName, Visibility
from warroom.domain.policy import Policy

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    verifier = Webhook(SECRET)

    def respond(request: Received) -> tuple[int, dict[str, Any]]:
        try:
            verifier.verify(request.body, request.headers)
        except WebhookVerificationError as exc:
            return 401, {"error": str(exc)}
        return 200, {"ok": True}

    receiver = Receiver(respond)
    receiver.start()
    yield receiver
    receiver.stop()


def standard_with_email_group() -> Policy:
    """`standard` with an email group for announcements and internal updates (document 002)."""
    text = (resources.files("warroom.policies") / "standard.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    group = "email:new-incidents-grp@example.com"
    data["declaration"]["announce"].append(group)
    data["notifications"]["internal"].append(group)
    data.pop("checklist")  # its deadline timers would be counted with the digest's
    # and so would the clocks' (cadences, SME cycle, escalation)
    # and so would the SME cycle's and escalation's; the cadence stays, templates quote it
    return without_clocks(
        parse_policy(data, source="standard.toml + email group"), keep_cadence=True
    )


def make_app(url: str, clock: ManualClock, **settings: Any) -> Warroom:
    wr = bootstrap(
        Settings(database_url=url, dev=True, **settings),
        clock=clock,
        policy=standard_with_email_group(),
        migrate=False,
    )
    with wr.bus.uow_factory() as uow:
        uow.directory.add(Person(handle="alice", email="alice@example.test"))
        uow.directory.add(Person(handle="bob", email="bob@example.test", phone="+15550001"))
        uow.directory.add(Person(handle="olive", email="olive@example.test"))
        uow.directory.add(Team(name="core", members=["alice", "bob"], email="core@example.test"))
        uow.directory.add(Service(name="auth", team="core"))
        uow.commit()
    return wr


def declare(wr: Warroom, severity: str = "sev2") -> str:
    result = wr.bus.handle(
        commands.DeclareIncident(
            title="Logging in is broken for all users",
            severity=severity,
            by="alice",
            functionality="logging in",
            state="broken",
            audience="all users",
            services=("auth",),
            force=True,
        )
    )
    ref: str = result["ref"]
    return ref


def test_emails_reach_the_right_people_threaded_per_incident(
    database_url: str, clock: ManualClock, smtp: SmtpServer
) -> None:
    wr = make_app(
        database_url,
        clock,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="warroom@example.test",
    )
    try:
        ref = declare(wr)
        wr.bus.handle(
            commands.AssignRole(ref=ref, role=RoleName.OBSERVER, person="olive", by="alice")
        )
        wr.bus.handle(
            commands.PostUpdate(
                ref=ref,
                audience=Audience.INTERNAL,
                text="We rolled back the deploy.",
                by="alice",
                template="internal_update",
            )
        )
        drain(wr, clock, rounds=1)
        clock.advance(minutes=31)  # the observers' digest and the internal update reminder
        # fall due, and the team's page escalates: nobody acknowledged it
        with wr.bus.uow_factory() as uow:
            due = sorted(kind for _, kind, at in uow.timers.pending() if at <= clock.now())
            assert due == ["clock.update", "observer_digest", "page-escalate"]
        assert wr.make_worker(name="t").fire_due_timers() == len(due)
        drain(wr, clock, rounds=1)
        texts = timeline_texts(wr, ref)
    finally:
        wr.close()
    by_rcpt: dict[str, list[Any]] = {}
    for (_, rcpts), mail in zip(smtp.inbox.envelopes, smtp.inbox.messages, strict=True):
        for rcpt in rcpts:
            by_rcpt.setdefault(rcpt, []).append(mail)
    # Paged (sev2 pages the owning team), the team list, the announcement list, the digest.
    assert set(by_rcpt) == {
        "alice@example.test",
        "bob@example.test",
        "core@example.test",
        "new-incidents-grp@example.com",
        "olive@example.test",
    }
    root = thread_root(ref, "warroom@example.test")
    for mail in smtp.inbox.messages:
        assert mail["In-Reply-To"] == root and mail["References"] == root
        subject = mail["Subject"]
        assert subject.startswith((f"[{ref}", "[warroom page")) or "UPDATE" in subject
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == len(smtp.inbox.messages)
    [digest] = by_rcpt["olive@example.test"]
    assert "Digest" in digest["Subject"] and "We rolled back the deploy." in digest.get_payload()
    [update] = [m for m in by_rcpt["new-incidents-grp@example.com"] if "UPDATE" in m["Subject"]]
    body = update.get_payload()
    assert body.startswith(
        "UPDATE: Logging in is broken for all users is still experiencing a SEV2"
    )
    assert "Expect an update on the status of this incident in 30 minutes or sooner." in body
    assert "Declaration step notify_team: done — email → bob@example.test" in texts


def test_webhooks_are_signed_per_standard_webhooks(
    sqlite_url: str, clock: ManualClock, webhook_receiver: Receiver
) -> None:
    wr = make_app(
        sqlite_url,
        clock,
        webhook_endpoints={"statuspage": webhook_receiver.url + "/hook"},
        webhook_secret=SECRET,
    )
    try:
        ref = declare(wr)
        wr.bus.handle(
            commands.PostUpdate(
                ref=ref,
                audience=Audience.CUSTOMERS,
                text="logins fail for some users.",
                by="alice",
                template="customer_update",
            )
        )
        drain(wr, clock, rounds=1)
        [row] = rows(wr, channel="webhook")
    finally:
        wr.close()
    assert row.status == "sent"
    [request] = webhook_receiver.requests
    assert request.headers["webhook-id"] == row.key
    event = request.json()
    assert event["type"] == "incident.update"
    assert event["data"]["incident"] == ref
    assert event["data"]["text"].startswith("We continue to investigate an issue where logins fail")


def test_a_wrongly_signed_webhook_is_refused_and_dead_lettered(
    sqlite_url: str, clock: ManualClock, webhook_receiver: Receiver
) -> None:
    wr = make_app(
        sqlite_url,
        clock,
        webhook_endpoints={"statuspage": webhook_receiver.url + "/hook"},
        webhook_secret="whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
    )
    try:
        ref = declare(wr)
        wr.bus.handle(
            commands.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="x", by="alice")
        )
        drain(wr, clock, rounds=1)
        [row] = rows(wr, channel="webhook")
    finally:
        wr.close()
    assert (row.status, row.attempts) == ("dead", 1), "a 401 will not get better by retrying"
    assert "answered 401" in row.last_error


# -- Slack -------------------------------------------------------------------------------------


class FakeSlack:
    """A local Slack Web API that checks the documented request shapes."""

    def __init__(self) -> None:
        self.channels: dict[str, str] = {"new-incidents": "C0NEWINC01"}
        self.messages: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.private: set[str] = set()
        self.fail_next_post_after_sending = False
        self.not_found = {"ok": False, "error": "channel_not_found"}

    def __call__(self, request: Received) -> tuple[int, dict[str, Any]]:
        method = request.path.rsplit("/", 1)[-1]
        self.calls.append(method)
        if request.headers.get("authorization") != "Bearer xoxb-test":
            return 200, {"ok": False, "error": "invalid_auth"}
        if not request.headers.get("content-type", "").startswith("application/json"):
            return 200, {"ok": False, "error": "invalid_form_data"}
        body = request.json()
        if method == "conversations.create":
            name = body["name"]
            assert name == name.lower() and len(name) <= 80 and "#" not in name
            if name in self.channels:
                return 200, {"ok": False, "error": "name_taken"}
            assert isinstance(body.get("is_private", False), bool)
            self.channels[name] = f"C{len(self.channels):09d}"
            if body.get("is_private"):
                self.private.add(name)
            return 200, {"ok": True, "channel": {"id": self.channels[name], "name": name}}
        if method in ("conversations.list", "conversations.info"):
            found = [
                {"id": i, "name": n, "is_private": n in self.private}
                for n, i in self.channels.items()
                if method == "conversations.list" or i == body["channel"]
            ]
            if method == "conversations.info":
                return 200, {"ok": True, "channel": found[0]} if found else self.not_found
            return 200, {"ok": True, "channels": found, "response_metadata": {"next_cursor": ""}}
        if method == "conversations.setTopic":
            assert set(body) == {"channel", "topic"}
            return 200, {"ok": True}
        if method == "chat.postMessage":
            # A channel id, or a user id (Slack opens the app's direct message).
            assert body["channel"] in self.channels.values() or body["channel"].startswith("U")
            assert body["text"]
            assert body["metadata"]["event_type"] == "warroom_message"
            ts = f"1700000000.{len(self.messages):06d}"
            self.messages.append({**body, "ts": ts})
            if self.fail_next_post_after_sending:
                self.fail_next_post_after_sending = False
                return 500, {"ok": False}
            return 200, {"ok": True, "ts": ts, "channel": body["channel"]}
        if method == "conversations.history":
            assert body["include_all_metadata"] is True
            found = [m for m in self.messages if m["channel"] == body["channel"]]
            return 200, {"ok": True, "messages": found}
        if method == "pins.add":
            assert set(body) == {"channel", "timestamp"}
            return 200, {"ok": True}
        if method == "conversations.invite":
            assert isinstance(body["users"], str)
            return 200, {"ok": True}
        return 200, {"ok": False, "error": "unknown_method"}


@pytest.fixture
def slack() -> Iterator[tuple[FakeSlack, Receiver]]:
    fake = FakeSlack()
    receiver = Receiver(fake)
    receiver.start()
    yield fake, receiver
    receiver.stop()


def test_slack_room_topic_pin_invite_and_announcement(
    sqlite_url: str, clock: ManualClock, slack: tuple[FakeSlack, Receiver]
) -> None:
    fake, receiver = slack
    wr = make_app(sqlite_url, clock, slack_token="xoxb-test", slack_base_url=receiver.url + "/api")
    try:
        with wr.bus.uow_factory() as uow:
            uow.directory.add(Person(handle="alice", slack_id="U0ALICE001"))
            uow.commit()
        ref = declare(wr)
        drain(wr, clock, rounds=1)
        texts = timeline_texts(wr, ref)
    finally:
        wr.close()
    channel = next(n for n in fake.channels if n.startswith("inc-"))
    assert {
        "conversations.create",
        "conversations.setTopic",
        "pins.add",
        "conversations.invite",
    } <= set(fake.calls)
    [summary] = [m for m in fake.messages if m["text"].startswith(f"[{ref}-SEV2]")]
    assert summary["channel"] == fake.channels[channel]
    assert any(
        m["channel"] == "C0NEWINC01" and m["text"].startswith("I've declared an incident")
        for m in fake.messages
    )
    assert any(t.startswith("Declaration step room: done — slack →") for t in texts)
    assert channel not in fake.private  # an internal incident's channel is public


def test_a_restricted_incident_gets_a_private_slack_channel(
    sqlite_url: str, clock: ManualClock, slack: tuple[FakeSlack, Receiver]
) -> None:
    fake, receiver = slack
    wr = make_app(sqlite_url, clock, slack_token="xoxb-test", slack_base_url=receiver.url + "/api")
    try:
        ref = wr.bus.handle(
            commands.DeclareIncident(
                title="Credentials found in a public repository",
                severity="sev2",
                by="alice",
                services=("auth",),
                visibility=Visibility.RESTRICTED,
                force=True,
            )
        )["ref"]
        drain(wr, clock, rounds=1)
        texts = timeline_texts(wr, ref)
    finally:
        wr.close()
    [channel] = [n for n in fake.channels if n.startswith("inc-")]
    assert fake.private == {channel}
    assert any(t.startswith("Declaration step room: done — slack →") for t in texts)
    assert not any(m["channel"] == "C0NEWINC01" for m in fake.messages)  # not announced


def test_delivered_declaration_steps_tick_their_checklist_items(
    sqlite_url: str, clock: ManualClock, slack: tuple[FakeSlack, Receiver]
) -> None:
    _, receiver = slack
    wr = bootstrap(
        Settings(
            database_url=sqlite_url,
            dev=True,
            slack_token="xoxb-test",
            slack_base_url=receiver.url + "/api",
        ),
        clock=clock,
        policy=without_clocks(load_policy("standard")),
        migrate=False,
    )
    try:
        with wr.bus.uow_factory() as uow:
            uow.directory.add(Team(name="core", members=["alice", "bob"]))
            uow.directory.add(Service(name="auth", team="core"))
            uow.commit()
        ref = declare(wr)
        items = ("incident-channel", "pin-summary", "notify-owning-team", "announce-incident")
        with wr.bus.uow_factory() as uow:
            incident = uow.incidents.get(ref)
            assert incident.checklist_status("video-bridge") is ChecklistStatus.DONE
            assert {incident.checklist_status(i) for i in items} == {ChecklistStatus.OPEN}
        drain(wr, clock, rounds=1)
        with wr.bus.uow_factory() as uow:
            incident = uow.incidents.get(ref)
            marks = {}
            for item in items:
                mark = incident.checklist_mark(item)
                marks[item] = (mark.status, mark.auto_event) if mark else None
    finally:
        wr.close()
    assert marks == {
        "incident-channel": (ChecklistStatus.DONE, "RoomCreated"),
        "pin-summary": (ChecklistStatus.DONE, "DeclarationStepDone"),
        "notify-owning-team": (ChecklistStatus.DONE, "DeclarationStepDone"),
        "announce-incident": (ChecklistStatus.DONE, "DeclarationStepDone"),
    }


def test_slack_retry_does_not_post_twice(slack: tuple[FakeSlack, Receiver]) -> None:
    fake, receiver = slack
    notifier = SlackNotifier(
        SlackClient(SlackConfig(token="xoxb-test", base_url=receiver.url + "/api"))
    )
    message = OutboundMessage(
        key="INC-1:update:x",
        channel="slack",
        destination="#new-incidents",
        body="Rolling back",
        payload={"op": "post"},
    )
    fake.fail_next_post_after_sending = True  # posted, but the answer was lost
    with pytest.raises(Exception, match="HTTP 500"):
        notifier.send(message)
    retried = OutboundMessage(**{**message.__dict__, "attempts": 1})
    assert notifier.send(retried) == {"channel_id": "C0NEWINC01", "ts": fake.messages[0]["ts"]}
    assert len(fake.messages) == 1
    notifier.close()


# -- apprise -----------------------------------------------------------------------------------


def test_apprise_posts_to_a_named_target_without_icons() -> None:
    got: list[Received] = []

    def respond(request: Received) -> tuple[int, dict[str, Any]]:
        got.append(request)
        return 200, {}

    receiver = Receiver(respond)
    receiver.start()
    try:
        port = receiver.url.rsplit(":", 1)[1]
        notifier = AppriseNotifier({"ops": f"json://127.0.0.1:{port}/notify"})
        message = OutboundMessage(
            key="k", channel="apprise", destination="ops", subject="INC-1", body="Declared"
        )
        notifier.send(message)
        notifier.send(message)  # a fresh Apprise object per send: no 5.5 s throttle
    finally:
        receiver.stop()
    assert len(got) == 2
    posted = json.loads(got[0].body)
    assert (posted["title"], posted["message"]) == ("INC-1", "Declared")
    assert not posted.get("image")


def test_message_ids_are_stable_per_key() -> None:
    assert message_id("a", "x@example.test") == message_id("a", "x@example.test")
    assert message_id("a", "x@example.test") != message_id("b", "x@example.test")

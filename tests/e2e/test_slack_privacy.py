"""A restricted incident's Slack room is private: a public channel that already has its
name is refused (a failed room step on the timeline), and so are room posts and
invitations into a channel that is not private. Against the local Slack fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.test_channels import FakeSlack, make_app, slack
from tests.fakes import ManualClock
from tests.support.http_receiver import Receiver
from tests.support.outbox import declare_unopened, drain, rows, timeline_texts
from warroom.adapters.notifiers.base import DeliveryError
from warroom.adapters.notifiers.slack import SlackClient, SlackConfig, SlackNotifier
from warroom.bootstrap import Warroom
from warroom.domain import commands
from warroom.domain.background import OutboundMessage
from warroom.domain.enums import Stage, Visibility

__all__ = ["slack"]  # the fixture, shared with test_channels


@pytest.fixture
def slack_app(
    sqlite_url: str, clock: ManualClock, slack: tuple[FakeSlack, Receiver]
) -> Iterator[tuple[Warroom, FakeSlack]]:
    """warroom with Slack pointed at the fake."""
    fake, receiver = slack
    wr = make_app(sqlite_url, clock, slack_token="xoxb-test", slack_base_url=receiver.url + "/api")
    yield wr, fake
    wr.close()


def declare(wr: Warroom, visibility: Visibility) -> tuple[str, str]:
    return declare_unopened(wr, "Credentials found in a public repository", visibility)


def test_a_public_namesake_is_refused_for_a_restricted_room(
    clock: ManualClock, slack_app: tuple[Warroom, FakeSlack]
) -> None:
    wr, fake = slack_app
    ref, name = declare(wr, Visibility.RESTRICTED)
    fake.channels[name] = "C0PUBLIC01"  # someone made a public channel of that name
    drain(wr, clock, rounds=1)
    wr.bus.handle(commands.ChangeStage(ref=ref, stage=Stage.IDENTIFIED, by="alice"))
    drain(wr, clock, rounds=1)
    texts = timeline_texts(wr, ref)
    room = rows(wr, channel="slack")
    assert not any(m["channel"] == "C0PUBLIC01" for m in fake.messages)
    assert "conversations.setTopic" not in fake.calls and "pins.add" not in fake.calls
    [failed] = [t for t in texts if t.startswith("Declaration step room: failed")]
    assert f"#{name} is public" in failed and "restricted incident" in failed
    # Given up at once (permanent), and so is the later room post.
    assert room and {r.status for r in room} == {"dead"}
    assert all(r.attempts == 1 and "is public" in r.last_error for r in room)


def test_a_private_namesake_is_reused_for_a_restricted_room(
    clock: ManualClock, slack_app: tuple[Warroom, FakeSlack]
) -> None:
    """The retry of a create whose answer was lost finds the private channel it made."""
    wr, fake = slack_app
    ref, name = declare(wr, Visibility.RESTRICTED)
    fake.channels[name] = "C0PRIVATE1"
    fake.private.add(name)
    drain(wr, clock, rounds=1)
    wr.bus.handle(commands.ChangeStage(ref=ref, stage=Stage.IDENTIFIED, by="alice"))
    drain(wr, clock, rounds=1)
    texts = timeline_texts(wr, ref)
    assert any(t.startswith("Declaration step room: done — slack →") for t in texts)
    posted = [m["text"] for m in fake.messages if m["channel"] == "C0PRIVATE1"]
    assert posted[0].startswith(f"[{ref}-SEV2]") and any("identified" in t for t in posted)


def test_an_internal_incident_still_reuses_a_public_namesake(
    clock: ManualClock, slack_app: tuple[Warroom, FakeSlack]
) -> None:
    wr, fake = slack_app
    ref, name = declare(wr, Visibility.INTERNAL)
    fake.channels[name] = "C0PUBLIC01"
    drain(wr, clock, rounds=1)
    texts = timeline_texts(wr, ref)
    assert any(t.startswith("Declaration step room: done — slack →") for t in texts)
    assert any(m["channel"] == "C0PUBLIC01" for m in fake.messages)
    assert "conversations.info" not in fake.calls


def test_restricted_posts_and_invites_need_a_private_channel(
    slack: tuple[FakeSlack, Receiver],
) -> None:
    fake, receiver = slack
    fake.channels |= {"inc-1-public": "C0PUBLIC01", "inc-1-private": "C0PRIVATE1"}
    fake.private.add("inc-1-private")
    notifier = SlackNotifier(
        SlackClient(SlackConfig(token="xoxb-test", base_url=receiver.url + "/api"))
    )
    restricted = {"visibility": str(Visibility.RESTRICTED)}
    try:
        for op in ({"op": "post"}, {"op": "invite", "users": ["U0ALICE001"]}):
            message = OutboundMessage(
                key=f"INC-1:{op['op']}",
                channel="slack",
                destination="#inc-1-public",
                body="the leaked key was rotated",
                payload={**op, **restricted},
            )
            with pytest.raises(DeliveryError, match="is public") as refused:
                notifier.send(message)
            assert refused.value.permanent
            private = OutboundMessage(**{**message.__dict__, "destination": "#inc-1-private"})
            assert notifier.send(private)["channel_id"] == "C0PRIVATE1"  # type: ignore[index]
    finally:
        notifier.close()
    assert [m["channel"] for m in fake.messages] == ["C0PRIVATE1"]
    assert "conversations.invite" in fake.calls

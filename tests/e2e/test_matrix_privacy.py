"""A restricted incident's Matrix room is private, against a real Synapse on 127.0.0.1.

The room alias comes from the incident's predictable channel name, so anyone on the
homeserver can take it first. For a restricted incident such a room is refused (a
failed room step on the timeline, nothing of the incident posted there — read back as
the room's maker), and so are later posts and invitations once warroom's own room is
made public or world-readable. An internal incident still uses whatever room has the
alias (unchanged).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.test_matrix import app, bot_client, room_messages, synapse, user_client
from tests.fakes import ManualClock
from tests.support.outbox import declare_unopened, drain, rows, timeline_texts
from warroom.adapters.matrix_client import INCIDENT_STATE
from warroom.bootstrap import Warroom
from warroom.domain import commands
from warroom.domain.enums import Audience, RoleName, Stage, Visibility
from warroom.entrypoints.matrix_bot import MatrixBot

pytestmark = pytest.mark.slow
__all__ = ["app", "synapse"]  # the fixtures, shared with test_matrix


def mallory(synapse: dict[str, Any]) -> str:
    """Someone else on the homeserver (registered once per server)."""
    if "mallory" not in synapse["users"]:
        synapse["users"]["mallory"] = synapse["server"].register("mallory")
    user_id: str = synapse["users"]["mallory"][0]
    return user_id


def squat(synapse: dict[str, Any], name: str, *, preset: str, **extra: Any) -> str:
    """Mallory makes a room with the alias an incident will use; returns its id."""
    mallory(synapse)
    with user_client(synapse, "mallory") as c:
        r = c.post("/createRoom", json={"room_alias_name": name, "preset": preset, **extra})
        r.raise_for_status()
        room_id: str = r.json()["room_id"]
    return room_id


def join_as_bot(synapse: dict[str, Any], room_id: str) -> None:
    client = bot_client(synapse)
    try:
        client.join(room_id)
    finally:
        client.close()


def seen_by_mallory(synapse: dict[str, Any], room_id: str) -> list[dict[str, Any]]:
    """Every event of the room's timeline, as its maker reads it."""
    with user_client(synapse, "mallory") as c:
        r = c.get(f"/rooms/{quote(room_id)}/messages", params={"dir": "b", "limit": 500})
        r.raise_for_status()
        chunk: list[dict[str, Any]] = r.json()["chunk"]
    return chunk


def work_the_incident(wr: Warroom, ref: str, clock: ManualClock) -> None:
    """Open the room, then a stage change, an update and a role (a post and an invite)."""
    drain(wr, clock, rounds=1)
    wr.bus.handle(commands.ChangeStage(ref=ref, stage=Stage.IDENTIFIED, by="alice"))
    wr.bus.handle(
        commands.PostUpdate(ref=ref, audience=Audience.INTERNAL, text="Keys rotated", by="alice")
    )
    wr.bus.handle(commands.AssignRole(ref=ref, role=RoleName.RECORDER, person="bob", by="alice"))
    drain(wr, clock, rounds=1)


def update(wr: Warroom, ref: str, text: str) -> Any:
    """Post an internal update and deliver it; returns its outbox row."""
    clock = wr.clock
    assert isinstance(clock, ManualClock)
    wr.bus.handle(commands.PostUpdate(ref=ref, audience=Audience.INTERNAL, text=text, by="alice"))
    drain(wr, clock, rounds=1)
    [row] = [r for r in rows(wr, channel="matrix") if r.body == text]
    return row


def assert_refused(wr: Warroom, ref: str, name: str, reason: str) -> None:
    """The room step failed with `reason`, and every room message of `ref` was given up."""
    texts = timeline_texts(wr, ref)
    [failed] = [t for t in texts if t.startswith("Declaration step room: failed")]
    assert f"Matrix room #{name}:warroom.test {reason}" in failed, failed
    assert "refusing to use it for a restricted incident" in failed
    room = rows(wr, channel="matrix", destination=name)
    ops = sorted(r.payload["op"] for r in room)
    assert ops == ["invite", "open_room", "post", "post"], ops
    # Permanent: given up at the first attempt, not retried for hours.
    assert {r.status for r in room} == {"dead"}
    assert all(r.attempts == 1 and reason in r.last_error for r in room), room


@pytest.mark.parametrize(
    ("history", "reason"),
    [
        ("shared", "exists but warroom is not in it"),  # its state is not readable
        ("world_readable", "is not invite-only (join rule public)"),
    ],
)
def test_a_public_room_with_the_alias_is_refused_for_a_restricted_incident(
    app: Warroom, synapse: dict[str, Any], history: str, reason: str
) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ref, name = declare_unopened(
        app, f"Salary export is open to all users ({history})", Visibility.RESTRICTED
    )
    room_id = squat(
        synapse,
        name,
        preset="public_chat",
        visibility="public",
        initial_state=[
            {
                "type": "m.room.history_visibility",
                "state_key": "",
                "content": {"history_visibility": history},
            }
        ],
    )
    work_the_incident(app, ref, clock)
    assert_refused(app, ref, name, reason)
    events = seen_by_mallory(synapse, room_id)
    bot = synapse["users"]["bot"][0]
    assert not [e for e in events if e["sender"] != mallory(synapse)], "only mallory acted"
    assert not any(ref in str(e.get("content")) for e in events)
    assert not any("Keys rotated" in str(e.get("content")) for e in events)
    assert bot not in {e.get("state_key") for e in events if e["type"] == "m.room.member"}


def test_an_invite_only_room_someone_else_made_is_refused(
    app: Warroom, synapse: dict[str, Any]
) -> None:
    """Mallory's invite-only room passes every rule but who is in it: mallory.

    The bot (`warroom matrix-bot`) joins any room it is invited to, so the room is one
    warroom is in — and one its maker reads.
    """
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ref, name = declare_unopened(
        app, "Audit log export is open to all users", Visibility.RESTRICTED
    )
    room_id = squat(synapse, name, preset="private_chat", invite=[synapse["users"]["bot"][0]])
    join_as_bot(synapse, room_id)  # as the bot's /sync loop does with an invitation
    work_the_incident(app, ref, clock)
    assert_refused(app, ref, name, f"was created by {mallory(synapse)}, not warroom")
    messages = [e for e in seen_by_mallory(synapse, room_id) if e["type"] == "m.room.message"]
    assert messages == []


def test_a_restricted_room_made_public_later_gets_no_more_posts(
    app: Warroom, synapse: dict[str, Any]
) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ref, _ = declare_unopened(app, "Signing keys are exposed to all users", Visibility.RESTRICTED)
    drain(app, clock, rounds=1)
    texts = timeline_texts(app, ref)
    assert any(t.startswith("Declaration step room: done — matrix →") for t in texts), texts
    [opened] = rows(app, key=f"{ref}:room:matrix")
    room_id = opened.result["room_id"]
    client = bot_client(synapse)
    try:
        assert client.state(room_id, "m.room.join_rules") == {"join_rule": "invite"}
        shared = {"history_visibility": "shared"}
        assert client.state(room_id, "m.room.history_visibility") == shared
        # Only warroom and moderators may invite, not every member (private_chat's 0).
        levels = client.state(room_id, "m.room.power_levels") or {}
        assert levels.get("invite") == 50, levels
        first = update(app, ref, "Investigating")  # warroom's own room passes the check
        # Someone with the power to (here warroom's own account) opens the room up.
        client.put_state(room_id, "m.room.join_rules", {"join_rule": "public"})
        refused = update(app, ref, "Rotated the signing key")
        app.bus.handle(
            commands.AssignRole(ref=ref, role=RoleName.RECORDER, person="bob", by="alice")
        )
        drain(app, clock, rounds=1)
        [invite] = [r for r in rows(app, channel="matrix") if r.payload.get("op") == "invite"]
        # History anyone may read is refused too; asked each time, so a fix takes effect.
        client.put_state(room_id, "m.room.join_rules", {"join_rule": "invite"})
        readable = {"history_visibility": "world_readable"}
        client.put_state(room_id, "m.room.history_visibility", readable)
        unreadable = update(app, ref, "Revoked the old certificates")
        client.put_state(room_id, "m.room.history_visibility", shared)
        posted = update(app, ref, "Customers told")
    finally:
        client.close()
    for row, reason in (
        (refused, "is not invite-only (join rule public)"),
        (invite, "is not invite-only (join rule public)"),
        (unreadable, "has world-readable history"),
    ):
        assert (row.status, row.attempts) == ("dead", 1), row
        assert reason in row.last_error and "restricted incident" in row.last_error
    assert (first.status, posted.status) == ("sent", "sent")
    messages = room_messages(synapse, room_id)
    assert "Investigating" in messages and "Customers told" in messages
    assert "Rotated the signing key" not in messages
    assert "Revoked the old certificates" not in messages
    with user_client(synapse, "bot") as c:
        members = c.get(f"/rooms/{quote(room_id)}/members").json()["chunk"]
    assert synapse["users"]["bob"][0] not in {m["state_key"] for m in members}


def test_an_internal_incident_still_uses_a_public_room_with_the_alias(
    app: Warroom, synapse: dict[str, Any]
) -> None:
    """Unchanged: only restricted incidents are checked.

    Warroom must be in the room and allowed to set its topic, as in a room made by hand
    for warroom; otherwise the room step keeps failing (403) and is retried.
    """
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ref, name = declare_unopened(app, "Status page is stale for all users", Visibility.INTERNAL)
    bot = synapse["users"]["bot"][0]
    room_id = squat(
        synapse,
        name,
        preset="public_chat",
        invite=[bot],
        power_level_content_override={"users": {bot: 50}},
    )
    join_as_bot(synapse, room_id)
    drain(app, clock, rounds=1)
    texts = timeline_texts(app, ref)
    assert any(t.startswith("Declaration step room: done — matrix →") for t in texts), texts
    events = seen_by_mallory(synapse, room_id)
    assert any(
        e["type"] == "m.room.message" and e["sender"] == bot and ref in e["content"]["body"]
        for e in events
    )


def test_a_room_that_names_an_incident_without_warroom_reads_none_of_it(
    app: Warroom, synapse: dict[str, Any]
) -> None:
    """Anyone can make a room, set warroom's incident state in it and invite the bot: the
    bot answers there as in no incident's room, and reads out nothing of the incident."""
    ref, _channel = declare_unopened(
        app, "Leaked signing keys in the build logs", Visibility.RESTRICTED
    )
    room_id = squat(
        synapse,
        "not-an-incident-room",
        preset="private_chat",
        invite=[synapse["users"]["bot"][0]],
        initial_state=[{"type": INCIDENT_STATE, "state_key": "", "content": {"ref": ref}}],
    )
    client = bot_client(synapse)
    bot = MatrixBot(app, client, timeout_ms=0)
    try:
        bot.sync_once(timeout_ms=0)  # joins on the invitation
        with user_client(synapse, "mallory") as c:
            c.put(
                f"/rooms/{quote(room_id)}/send/m.room.message/m1",
                json={"msgtype": "m.text", "body": "!inc status"},
            ).raise_for_status()
        for _ in range(10):
            if bot.sync_once(timeout_ms=1000):
                break
        assert bot.incident_of(room_id) is None
    finally:
        client.close()
    said = [
        e["content"].get("body", "")
        for e in seen_by_mallory(synapse, room_id)
        if e["type"] == "m.room.message" and e["sender"] != mallory(synapse)
    ]
    assert any("not an incident room" in text for text in said), said
    assert not any("Leaked signing keys" in text for text in said), said

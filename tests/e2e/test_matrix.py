"""Matrix against a real Synapse on 127.0.0.1: rooms, pins, members, `!inc` commands, retries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx2
import pytest
from sqlalchemy import update

from tests.conftest import need
from tests.fakes import ManualClock
from tests.support.outbox import drain, rows, timeline_texts
from tests.support.synapse import Synapse, synapse_available
from warroom.adapters import chat_state
from warroom.adapters.matrix_client import MatrixClient, MatrixConfig
from warroom.adapters.orm.background import outbox
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands
from warroom.domain.access import AccessRole
from warroom.domain.directory import Person, Service, Team
from warroom.domain.enums import Audience, EntryKind, RoleName
from warroom.entrypoints.matrix_bot import CURSOR, MatrixBot

pytestmark = pytest.mark.slow
CHANNEL = "inc-23-11-26-logging-in-broken-all-users"  # the standard pattern, as slugged


@pytest.fixture(scope="module")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A homeserver with a bot (admin) and three people."""
    need(synapse_available() is None, str(synapse_available()))
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    try:
        server.generate()
        server.start()
    except Exception as exc:
        need(False, f"Synapse could not start: {exc}")
    users = {
        name: server.register(name, admin=name == "bot")
        for name in ("bot", "alice", "bob", "olive")
    }
    # The announcement room of the standard policy (#new-incidents), made by hand as people do.
    bot = MatrixClient(
        MatrixConfig(homeserver=server.url, access_token=users["bot"][1], user_id=users["bot"][0])
    )
    bot.create_room(name="new-incidents", topic="New incidents", invite=[])
    bot.close()
    yield {"server": server, "users": users}
    server.stop()


def user_client(synapse: dict[str, Any], name: str) -> httpx2.Client:
    _, token = synapse["users"][name]
    return httpx2.Client(
        base_url=f"{synapse['server'].url}/_matrix/client/v3",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


@pytest.fixture
def app(synapse: dict[str, Any], sqlite_url: str, clock: ManualClock) -> Iterator[Warroom]:
    bot_id, bot_token = synapse["users"]["bot"]
    settings = Settings(
        database_url=sqlite_url,
        dev=True,
        matrix_homeserver=synapse["server"].url,
        matrix_access_token=bot_token,
        matrix_user_id=bot_id,
    )
    wr = bootstrap(settings, clock=clock, policy=load_policy("standard"), migrate=False)
    with wr.bus.uow_factory() as uow:
        for name in ("alice", "bob", "olive"):
            uow.directory.add(Person(handle=name, matrix_id=synapse["users"][name][0]))
        uow.directory.add(Team(name="core", members=["alice", "bob"]))
        uow.directory.add(Service(name="auth", team="core"))
        uow.commit()
    # alice and bob may change incidents from chat; olive, without a user, only reads.
    for name in ("alice", "bob"):
        wr.users.create(handle=name, role=AccessRole.RESPONDER, now=clock.now())
    yield wr
    wr.close()


def bot_client(synapse: dict[str, Any]) -> MatrixClient:
    bot_id, bot_token = synapse["users"]["bot"]
    return MatrixClient(
        MatrixConfig(homeserver=synapse["server"].url, access_token=bot_token, user_id=bot_id)
    )


def declare(wr: Warroom, title: str = "Logging in is broken for all users") -> str:
    functionality = title.split(" is ")[0].lower()
    result = wr.bus.handle(
        commands.DeclareIncident(
            title=title,
            severity="sev2",
            by="alice",
            functionality=functionality,
            state="broken",
            audience="all users",
            summary="Support has several tickets from customers unable to log in.",
            services=("auth",),
            force=True,
        )
    )
    ref: str = result["ref"]
    return ref


def room_messages(synapse: dict[str, Any], room_id: str) -> list[str]:
    with user_client(synapse, "bot") as c:
        chunk = c.get(
            f"/rooms/{quote(room_id)}/messages", params={"dir": "b", "limit": 200}
        ).json()["chunk"]
    return [e["content"].get("body", "") for e in chunk if e["type"] == "m.room.message"]


def test_declaring_creates_the_room(app: Warroom, synapse: dict[str, Any]) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ref = declare(app)
    app.bus.handle(commands.AssignRole(ref=ref, role=RoleName.OBSERVER, person="olive", by="alice"))
    drain(app, clock)

    client = bot_client(synapse)
    room_id = client.resolve(CHANNEL)
    assert room_id is not None, "the room alias from the policy's channel pattern exists"
    assert client.alias(CHANNEL) == f"#{CHANNEL}:warroom.test"
    assert client.state(room_id, "m.room.name") == {"name": CHANNEL}
    topic = (client.state(room_id, "m.room.topic") or {})["topic"]
    assert "Logging in is broken for all users" in topic and "SEV2" in topic
    assert client.state(room_id, "org.warroom.incident") == {"ref": ref}
    [pinned] = (client.state(room_id, "m.room.pinned_events") or {})["pinned"]
    with user_client(synapse, "bot") as c:
        event = c.get(f"/rooms/{quote(room_id)}/event/{quote(pinned)}").json()
    assert event["content"]["body"].startswith(f"[{ref}-SEV2] Logging in is broken for all users")
    assert "Impact summary: Support has several tickets" in event["content"]["body"]
    with user_client(synapse, "bot") as c:
        members = c.get(f"/rooms/{quote(room_id)}/members").json()["chunk"]
    membership = {m["state_key"]: m["content"]["membership"] for m in members}
    alice, bob, olive = (synapse["users"][n][0] for n in ("alice", "bob", "olive"))
    assert membership[alice] == "invite" and membership[bob] == "invite"
    assert olive not in membership, "observers are not invited to the working room"
    assert any("meet.jit.si" in m for m in room_messages(synapse, room_id)), "video bridge posted"
    announced = room_messages(synapse, client.require_room("new-incidents"))
    assert any(
        m.startswith("I've declared an incident about logging in is broken for all users.")
        and f"#{CHANNEL}" in m
        and "The team that is currently responding is core." in m
        for m in announced
    ), announced
    texts = timeline_texts(app, ref)
    assert any(t.startswith("Declaration step room: done — matrix →") for t in texts), texts
    assert any(
        "Declaration step video_bridge: done — https://meet.jit.si/" + CHANNEL in t for t in texts
    )
    client.close()


def test_inc_commands_typed_in_the_room(app: Warroom, synapse: dict[str, Any]) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ref = declare(app, "Checkout is slow for EU customers")
    drain(app, clock)
    client = bot_client(synapse)
    [room] = rows(app, key=f"{ref}:room:matrix")
    room_id = room.result["room_id"]
    bot = MatrixBot(app, client, timeout_ms=0)
    bot.sync_once(timeout_ms=0)  # catch up to now
    with user_client(synapse, "alice") as alice:
        assert alice.post(f"/join/{quote(room_id)}", json={}).status_code == 200
        alice.put(
            f"/rooms/{quote(room_id)}/send/m.room.message/t1",
            json={"msgtype": "m.text", "body": "!inc log Found a failing 3rd-party login metric"},
        ).raise_for_status()
        alice.put(
            f"/rooms/{quote(room_id)}/send/m.room.message/t2",
            json={"msgtype": "m.text", "body": "!inc stage identified bad deploy"},
        ).raise_for_status()
    handled = 0
    for _ in range(10):
        handled += bot.sync_once(timeout_ms=1000)
        if handled >= 2:
            break
    assert handled == 2
    with app.bus.uow_factory() as uow:
        incident = uow.incidents.get(ref)
        notes = uow.incidents.entries(incident.number, [EntryKind.NOTE])
        assert [(n.text, n.author) for n in notes] == [
            ("Found a failing 3rd-party login metric", "alice")
        ]
        assert incident.stage == "identified"
    # Replaying the same events (a crash before the cursor was saved) acts on nothing twice.
    chat_state.set_cursor(app.db.write, CURSOR, "", now=clock.now())
    bot.sync_once(timeout_ms=0)
    with app.bus.uow_factory() as uow:
        incident = uow.incidents.get(ref)
        assert len(uow.incidents.entries(incident.number, [EntryKind.NOTE])) == 1
    replies = [m for m in room_messages(synapse, room_id) if m.startswith(("Logged", ref))]
    assert f"Logged on {ref}." in replies and f"{ref} is now identified." in replies
    assert replies.count(f"Logged on {ref}.") == 1
    client.close()


def test_an_update_is_posted_once_even_when_retried(app: Warroom, synapse: dict[str, Any]) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ref = declare(app, "Search is down for all users")
    drain(app, clock)
    app.bus.handle(
        commands.PostUpdate(
            ref=ref, audience=Audience.INTERNAL, text="Rolling back 4.2.1", by="alice"
        )
    )
    drain(app, clock)
    [sent] = [
        r
        for r in rows(app, channel="matrix")
        if "update" in r.key and r.destination.startswith("inc-")
    ]
    # The worker died after sending and before recording: the message is sent again.
    with app.db.write.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.id == sent.id).values(status="pending"))
    drain(app, clock)
    [again] = [r for r in rows(app, channel="matrix") if r.id == sent.id]
    assert again.result["event_id"] == sent.result["event_id"]
    room_id = sent.result["room_id"]
    assert room_messages(synapse, room_id).count("Rolling back 4.2.1") == 1


def test_synapse_restart_mid_incident_loses_nothing(app: Warroom, synapse: dict[str, Any]) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ref = declare(app, "Payments are failing for all users")
    drain(app, clock)
    server: Synapse = synapse["server"]
    server.stop()
    texts = [f"Update {i}: still investigating" for i in range(3)]
    for text in texts:
        app.bus.handle(
            commands.PostUpdate(ref=ref, audience=Audience.INTERNAL, text=text, by="alice")
        )
    worker = app.make_worker(name="w")
    worker.deliver()
    worker.close()
    failing = [
        r
        for r in rows(app, channel="matrix")
        if "update" in r.key and r.destination.startswith("inc-")
    ]
    assert {r.status for r in failing} == {"pending"} and all(r.attempts == 1 for r in failing)
    server.start()
    drain(app, clock)
    delivered = [
        r
        for r in rows(app, channel="matrix")
        if "update" in r.key and r.destination.startswith("inc-")
    ]
    assert {r.status for r in delivered} == {"sent"}
    messages = room_messages(synapse, delivered[0].result["room_id"])
    for text in texts:
        assert messages.count(text) == 1

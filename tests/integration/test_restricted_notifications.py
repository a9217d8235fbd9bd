"""A restricted incident is not announced to shared channels, and its updates do not go
to the policy's audience lists; the same incident, internal, is."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from sqlalchemy import select

from tests.fakes import ManualClock
from tests.support.policies import without_clocks
from warroom import queries
from warroom.adapters.orm.background import outbox
from warroom.adapters.policy_file import load_policy, parse_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands
from warroom.domain.checklists import ChecklistStatus
from warroom.domain.directory import Person, Service, Team
from warroom.domain.enums import Audience, Visibility
from warroom.domain.oncall_commands import AcknowledgePage

GROUP = "everyone@example.com"


@pytest.fixture
def app(database_url: str, clock: ManualClock) -> Iterator[Warroom]:
    text = (resources.files("warroom.policies") / "standard.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    data["declaration"]["announce"].append(f"email:{GROUP}")
    data["notifications"]["internal"].append(f"email:{GROUP}")
    data["notifications"]["customers"].append(f"email:customers-{GROUP}")
    data.pop("checklist")
    policy = without_clocks(parse_policy(data, source="standard + a shared list"))
    # An SMTP host makes the email channel available; nothing is delivered (no worker).
    settings = Settings(database_url=database_url, dev=True, smtp_host="127.0.0.1", smtp_port=9)
    wr = bootstrap(settings, clock=clock, policy=policy, migrate=False)
    yield wr
    wr.close()


def _shared_messages(wr: Warroom, ref: str) -> list[str]:
    with wr.db.read.connect() as conn:
        rows = conn.execute(
            select(outbox.c.destination, outbox.c.subject).where(
                outbox.c.incident_id == int(ref.removeprefix("INC-")),
                outbox.c.destination.like(f"%{GROUP}"),
            )
        ).all()
    return sorted(f"{r.destination}: {r.subject}" for r in rows)


@pytest.mark.parametrize("visibility", [Visibility.INTERNAL, Visibility.RESTRICTED])
def test_shared_lists_hear_only_of_unrestricted_incidents(
    app: Warroom, visibility: Visibility
) -> None:
    ref = app.bus.handle(
        commands.DeclareIncident(
            title="Credentials found in a public repository",
            severity="sev2",
            by="alice",
            visibility=visibility,
            force=True,
        )
    )["ref"]
    for audience in (Audience.INTERNAL, Audience.CUSTOMERS):
        app.bus.handle(
            commands.PostUpdate(ref=ref, audience=audience, text="Keys rotated.", by="alice")
        )
    sent = _shared_messages(app, ref)
    if visibility is Visibility.RESTRICTED:
        assert sent == []
        with app.db.read.connect() as conn:
            texts = [e["text"] for e in queries.timeline(conn, int(ref.removeprefix("INC-")))]
        assert any("not announced to shared channels" in t for t in texts), texts
    else:
        assert len(sent) == 3, sent  # the announcement, the internal and the customer update
        assert any(s.startswith(f"customers-{GROUP}") for s in sent)


def _declaration_messages(wr: Warroom, ref: str) -> list[tuple[str, str, str]]:
    with wr.db.read.connect() as conn:
        rows = conn.execute(
            select(outbox.c.key, outbox.c.destination, outbox.c.payload).where(
                outbox.c.incident_id == int(ref.removeprefix("INC-"))
            )
        ).all()
    return sorted((r.key, r.destination, r.payload.get("op", "")) for r in rows)


@pytest.fixture
def team_app(database_url: str, clock: ManualClock) -> Iterator[Warroom]:
    """`standard` with the owning team's shared list and channel, and Slack for rooms."""
    settings = Settings(
        database_url=database_url,
        dev=True,
        smtp_host="127.0.0.1",
        smtp_port=9,
        slack_token="xoxb-test",
        slack_base_url="http://127.0.0.1:9/api",
    )
    policy = without_clocks(load_policy("standard"))
    wr = bootstrap(settings, clock=clock, policy=policy, migrate=False)
    with wr.bus.uow_factory() as uow:
        uow.directory.add(Person(handle="alice", email="alice@example.test", slack_id="U0ALICE01"))
        uow.directory.add(Person(handle="bob", email="bob@example.test", slack_id="U0BOB0001"))
        uow.directory.add(
            Team(
                name="core",
                members=["alice", "bob"],
                email="core@example.test",
                chat_channel="#core",
            )
        )
        uow.directory.add(Service(name="auth", team="core"))
        uow.commit()
    yield wr
    wr.close()


@pytest.mark.parametrize("visibility", [Visibility.INTERNAL, Visibility.RESTRICTED])
def test_the_owning_team_hears_of_a_restricted_incident_only_through_its_own_people(
    team_app: Warroom, visibility: Visibility
) -> None:
    ref = team_app.bus.handle(
        commands.DeclareIncident(
            title="Credentials found in a public repository",
            severity="sev2",
            by="alice",  # on the owning team; bob is too, but not on the incident
            services=("auth",),
            visibility=visibility,
            force=True,
        )
    )["ref"]
    messages = _declaration_messages(team_app, ref)
    destinations = {dest for _, dest, _ in messages}
    [room] = _room_payloads(team_app, ref)
    with team_app.bus.uow_factory() as uow:
        pages = uow.oncall.open_pages(incident_ref=ref)
    texts = _timeline(team_app, ref)
    if visibility is Visibility.RESTRICTED:
        assert not {"core@example.test", "#core", "#new-incidents"} & destinations, messages
        # Whoever is on call is paged all the same (a restricted incident must wake
        # someone), with nothing but its number and severity…
        [page] = pages
        assert page.summary == f"[{ref}-SEV2] restricted incident: acknowledge to see it"
        bodies = _bodies(team_app, ref)
        assert bodies and not [b for b in bodies if "Credentials" in b]
        assert [key for key, _, _ in messages if key.startswith("page:") and ":bob:" in key]
        assert room["invite"] == ["U0ALICE01"] and room["visibility"] == "restricted"
        assert (
            "Restricted incident: not sent to team core's shared email list and chat channel;"
            " not told: bob (not the incident's own; add them as members to let them in)"
        ) in texts
        # …and answering the page lets them in.
        team_app.bus.handle(AcknowledgePage(page_id=page.id, by="bob"))
        with team_app.bus.uow_factory() as uow:
            assert uow.incidents.has_member(int(ref.removeprefix("INC-")), "bob")
        assert f"bob added as a member: acknowledged page {page.id}" in _timeline(team_app, ref)
    else:
        assert {"core@example.test", "#core", "#new-incidents"} <= destinations, messages
        assert len(pages) == 1  # the team is paged through the service's escalation
        assert sorted(room["invite"]) == ["U0ALICE01", "U0BOB0001"]
        assert room["visibility"] == "internal"


def test_a_restricted_incident_none_of_whose_team_may_see_it_skips_the_team_step(
    team_app: Warroom,
) -> None:
    ref = team_app.bus.handle(
        commands.DeclareIncident(
            title="Credentials found in a public repository",
            severity="sev3",
            by="dora",
            services=("auth",),
            visibility=Visibility.RESTRICTED,
            force=True,
        )
    )["ref"]
    keys = [key for key, _, _ in _declaration_messages(team_app, ref)]
    assert not [k for k in keys if ":team" in k], keys
    assert (
        "Declaration step notify_team: skipped — restricted incident: not sent to team core's"
        " shared email list and chat channel; not told: alice, bob (not the incident's own;"
        " add them as members to let them in)"
    ) in _timeline(team_app, ref)
    with team_app.bus.uow_factory() as uow:
        status = uow.incidents.get(ref).checklist_status("notify-owning-team")
    assert status is ChecklistStatus.OPEN


def _bodies(wr: Warroom, ref: str) -> list[str]:
    """Subjects and bodies of the pages sent for the incident."""
    with wr.db.read.connect() as conn:
        rows = conn.execute(
            select(outbox.c.subject, outbox.c.body).where(
                outbox.c.incident_id == int(ref.removeprefix("INC-")),
                outbox.c.key.like("page:%"),
            )
        ).all()
    return [text for r in rows for text in (r.subject, r.body)]


def _room_payloads(wr: Warroom, ref: str) -> list[dict[str, Any]]:
    with wr.db.read.connect() as conn:
        rows = conn.execute(
            select(outbox.c.payload).where(
                outbox.c.incident_id == int(ref.removeprefix("INC-")),
                outbox.c.key.like(f"{ref}:room:%"),
            )
        ).all()
    return [dict(r.payload) for r in rows]


def _timeline(wr: Warroom, ref: str) -> list[str]:
    with wr.db.read.connect() as conn:
        return [e["text"] for e in queries.timeline(conn, int(ref.removeprefix("INC-")))]

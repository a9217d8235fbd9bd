"""A restricted incident is not announced to shared channels, and its updates do not go
to the policy's audience lists; the same incident, internal, is."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from importlib import resources

import pytest
from sqlalchemy import select

from tests.fakes import ManualClock
from tests.support.policies import without_clocks
from warroom import queries
from warroom.adapters.orm.background import outbox
from warroom.adapters.policy_file import parse_policy
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands
from warroom.domain.enums import Audience, Visibility

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

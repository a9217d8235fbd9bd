"""The duplicate search reads in full only the open incidents a declaration might
duplicate; the rule applied to those finds exactly what it finds over every open one."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, update

from tests.unit.test_duplicate_bounds import WORDS
from warroom.adapters.duplicate_search import (
    EDITS,
    OpenIncidents,
    duplicate_candidates,
    open_incidents,
)
from warroom.adapters.orm.base import counters
from warroom.adapters.orm.incidents import incidents
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.access import AccessRole, Principal
from warroom.domain.duplicates import Candidate, find_duplicates
from warroom.domain.enums import Stage, Visibility

SERVICES = [
    "auth",
    "Auth",
    "AUTH",
    "search",
    "DNS",
    "Überweisung",
    "überweisung",
    "\u212aafka",
    "kafka",
    "dns",
]


def every_open(wr: Warroom, seen: set[int] | None) -> list[Candidate]:
    with wr.db.read.connect() as conn:
        rows = conn.execute(select(incidents).where(incidents.c.stage != Stage.CLOSED)).all()
    return [
        Candidate(f"INC-{r.id}", r.title, list(r.services), r.channel, r.stage, r.severity)
        for r in sorted(rows, key=lambda r: r.id)
        if seen is None or r.id in seen
    ]


def test_the_search_finds_what_the_rule_finds_over_every_open_incident(wr: Warroom) -> None:
    rng = random.Random(5)
    titles: list[str] = []
    for n in range(120):
        if titles and rng.random() < 0.3:
            title = rng.choice(titles) + rng.choice(["", "!", " now", "s"])  # near repeats
        else:
            title = " ".join(rng.choices(WORDS, k=rng.randint(2, 6)))
        titles.append(title)
        number = _declare_any(wr, rng, title, services=2)
        if n % 7 == 0:
            _close(wr, number)
    bob = Principal(name="bob", role=AccessRole.RESPONDER)
    with wr.db.read.connect() as conn:  # internal ones, and the restricted ones he declared
        bobs = {
            r.id
            for r in conn.execute(
                select(incidents.c.id, incidents.c.visibility, incidents.c.declared_by)
            )
            if r.visibility != Visibility.RESTRICTED or r.declared_by == "bob"
        }
    reported = 0
    for n in range(60):
        title = rng.choice(titles) if n % 2 else " ".join(rng.choices(WORDS, k=3))
        services = rng.sample(SERVICES, rng.randint(0, 2))
        for threshold in (0.6, 0.85):
            for seen_by, visible in ((None, None), (bob, bobs)):
                with wr.db.read.connect() as conn:
                    narrowed = duplicate_candidates(
                        conn, seen_by, title=title, services=services, threshold=threshold
                    )
                expected = find_duplicates(
                    title=title,
                    services=services,
                    open_incidents=every_open(wr, visible),
                    threshold=threshold,
                )
                found = find_duplicates(
                    title=title, services=services, open_incidents=narrowed, threshold=threshold
                )
                assert found == expected, (title, services, threshold)
                assert len(narrowed) <= len(every_open(wr, visible))
                reported += len(found)
    assert reported > 100


def _declare_any(wr: Warroom, rng: random.Random, title: str, *, services: int) -> int:
    """Declare `title` by alice or bob, internal or restricted, on up to `services` of
    `SERVICES`, duplicates allowed; its number."""
    ref = wr.bus.handle(
        c.DeclareIncident(
            title=title,
            severity="sev3",
            by=rng.choice(["alice", "bob"]),
            services=tuple(rng.sample(SERVICES, rng.randint(0, services))),
            visibility=rng.choice([Visibility.INTERNAL, Visibility.RESTRICTED]),
            force=True,
        )
    )["ref"]
    return int(ref.removeprefix("INC-"))


def _visible_to_bob(wr: Warroom) -> set[int]:
    with wr.db.read.connect() as conn:
        return {
            r.id
            for r in conn.execute(
                select(incidents.c.id, incidents.c.visibility, incidents.c.declared_by)
            )
            if r.visibility != Visibility.RESTRICTED or r.declared_by == "bob"
        }


def _close(wr: Warroom, number: int) -> None:
    with wr.db.write.begin() as conn:  # set directly: the gates are not what is tested here
        conn.execute(update(incidents).where(incidents.c.id == number).values(stage=Stage.CLOSED))


def test_what_is_kept_between_declarations_finds_what_the_rule_finds(
    wr: Warroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Declarations, edits of titles and services, closings and checks interleaved; what
    is kept is looked at before each check, as the pre-check does, and swept every third
    look."""
    monkeypatch.setattr(OpenIncidents, "SWEEP", 3)
    kept = OpenIncidents()
    rng = random.Random(11)
    titles: list[str] = []
    open_numbers: list[int] = []
    bob = Principal(name="bob", role=AccessRole.RESPONDER)
    reported = 0
    edits = 0

    def some_title() -> str:
        if titles and rng.random() < 0.3:
            return rng.choice(titles) + rng.choice(["", "!", " now", "s"])
        return " ".join(rng.choices(WORDS, k=rng.randint(2, 6)))

    for n in range(150):
        titles.append(some_title())
        last = _declare_any(wr, rng, titles[-1], services=1)
        open_numbers.append(last)
        if rng.random() < 0.25:
            _close(wr, open_numbers.pop(rng.randrange(len(open_numbers))))
        if rng.random() < 0.2:  # an edit of an open incident, through the bus
            changes: dict[str, object] = (
                {"title": some_title()}
                if rng.random() < 0.5
                else {"services": rng.sample(SERVICES, rng.randint(0, 2))}
            )
            target = f"INC-{rng.choice(open_numbers)}"
            wr.bus.handle(c.EditIncident(ref=target, by="alice", changes=changes))
            edits += 1
        if n % 2:
            continue
        wanted = rng.choice(titles) if rng.random() < 0.6 else " ".join(rng.choices(WORDS, k=3))
        services = rng.sample(SERVICES, rng.randint(0, 2))
        for seen_by, visible in ((None, None), (bob, _visible_to_bob(wr))):
            with wr.db.read.connect() as conn:
                known = kept.look(conn)
                narrowed = duplicate_candidates(
                    conn, seen_by, title=wanted, services=services, threshold=0.85, known=known
                )
            assert known.through == last
            expected = find_duplicates(
                title=wanted,
                services=services,
                open_incidents=every_open(wr, visible),
                threshold=0.85,
            )
            found = find_duplicates(
                title=wanted, services=services, open_incidents=narrowed, threshold=0.85
            )
            assert found == expected, (wanted, services, n)
            reported += len(found)
    assert reported > 50
    assert edits > 20
    with wr.db.read.connect() as conn:
        for _ in range(OpenIncidents.SWEEP):
            known = kept.look(conn)
    # The sweep forgot every closed incident; nothing open was lost.
    assert sorted(known.numbers) == sorted(open_numbers)
    assert set().union(*known.services.values()) <= set(open_numbers)


def test_an_edit_is_counted_and_what_is_kept_read_again(wr: Warroom) -> None:
    for title in ("Search is slow", "Payments fail at checkout", "Email bounces"):
        wr.bus.handle(c.DeclareIncident(title=title, severity="sev3", by="alice"))
    kept = OpenIncidents()
    with wr.db.read.connect() as conn:
        assert kept.look(conn).names == [
            "search is slow",
            "payments fail at checkout",
            "email bounces",
        ]
    wr.bus.handle(c.EditIncident(ref="INC-1", by="alice", changes={"title": "Search times out"}))
    wr.bus.handle(c.EditIncident(ref="INC-2", by="alice", changes={"services": ["Pay"]}))
    wr.bus.handle(c.EditIncident(ref="INC-3", by="alice", changes={"summary": "Only this"}))
    with wr.db.read.connect() as conn:
        assert conn.scalar(select(counters.c.value).where(counters.c.name == EDITS)) == 2
        known = kept.look(conn)
    assert known.names == ["search times out", "payments fail at checkout", "email bounces"]
    assert known.services == {"pay": frozenset({2})}


def test_what_is_kept_is_read_again_when_the_database_is_not_the_one_read(wr: Warroom) -> None:
    for title in ("Search is slow", "Payments fail at checkout"):
        wr.bus.handle(c.DeclareIncident(title=title, severity="sev3", by="alice"))
    kept = OpenIncidents()
    with wr.db.read.connect() as conn:
        assert kept.look(conn).names == ["search is slow", "payments fail at checkout"]
    # As if another database had been put in its place: the last incident read differs.
    with wr.db.write.begin() as conn:
        conn.execute(update(incidents).where(incidents.c.id == 2).values(title="Email bounces"))
    with wr.db.read.connect() as conn:
        known = kept.look(conn)
    assert known.names == ["search is slow", "email bounces"]
    assert known.through == 2


def test_each_database_keeps_its_own_titles(wr: Warroom, tmp_path: Path) -> None:
    assert open_incidents(wr.db.read) is open_incidents(wr.db.read)
    other = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    assert open_incidents(other) is not open_incidents(wr.db.read)
    assert open_incidents(create_engine("sqlite://")) is None  # each connection its own database
    other.dispose()

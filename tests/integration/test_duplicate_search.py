"""The duplicate search reads in full only the open incidents a declaration might
duplicate; the rule applied to those finds exactly what it finds over every open one."""

from __future__ import annotations

import random

from sqlalchemy import select, update

from tests.unit.test_duplicate_bounds import WORDS
from warroom.adapters.duplicate_search import duplicate_candidates
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
        ref = wr.bus.handle(
            c.DeclareIncident(
                title=title,
                severity="sev3",
                by=rng.choice(["alice", "bob"]),
                services=tuple(rng.sample(SERVICES, rng.randint(0, 2))),
                visibility=rng.choice([Visibility.INTERNAL, Visibility.RESTRICTED]),
                force=True,
            )
        )["ref"]
        if n % 7 == 0:  # closed (set directly: the gates are not what is tested here)
            with wr.db.write.begin() as conn:
                number = int(ref.removeprefix("INC-"))
                conn.execute(
                    update(incidents).where(incidents.c.id == number).values(stage=Stage.CLOSED)
                )
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

"""`incident_facts` equals a recomputation from the full record after random commands.

The facts are kept by the unit of work in SQL; here they are recomputed in Python from
the aggregate and its timeline with the domain's own rules (`domain.metrics`), after a
seeded random sequence of declarations, role changes, stage moves (relapses included),
severity changes, updates, follow-ups, retrospectives and timers firing, on both
databases. The back-fill (every incident at once) must give the same rows.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from tests.support.policies import without_checklists, without_clocks
from warroom.adapters import facts
from warroom.adapters.orm.facts import AUDIENCES, incident_facts
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain import metrics as m
from warroom.domain.clock_commands import RecordRetrospective
from warroom.domain.due_clocks import RETROSPECTIVE
from warroom.domain.durations import Span
from warroom.domain.enums import (
    Audience,
    EntryKind,
    FollowUpKind,
    FollowUpStatus,
    RoleName,
    Stage,
    Visibility,
)
from warroom.domain.errors import DomainError
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy

START = datetime(2026, 10, 28, 9, 0, tzinfo=UTC)
PEOPLE = ("alice", "bob", "carol", "dave")
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
STAGES = (
    Stage.INVESTIGATING,
    Stage.IDENTIFIED,
    Stage.RESTORING,
    Stage.MONITORING,
    Stage.MITIGATED,
    Stage.RESOLVED,
    Stage.CLOSED,
)


def play(
    wr: Warroom,
    clock: ManualClock,
    rng: random.Random,
    steps: int,
    check: Callable[[], None] | None = None,
) -> list[str]:
    """Run `steps` random commands (refused ones included), calling `check` after each;
    the refs declared."""
    refs: list[str] = []

    def do(command: Any) -> None:
        with contextlib.suppress(DomainError):  # refused: changes nothing, facts included
            wr.bus.handle(command)

    def declare() -> None:
        result = wr.bus.handle(
            c.DeclareIncident(
                title=f"Broken thing {len(refs)}",
                severity=rng.choice(SEVERITIES),
                by=rng.choice(PEOPLE),
                services=tuple(rng.sample(("login", "search", "payments"), rng.randrange(0, 3))),
                visibility=rng.choice((Visibility.INTERNAL, Visibility.RESTRICTED)),
                drill=rng.random() < 0.2,
                detected_at=clock.now() - timedelta(minutes=rng.randrange(0, 40)),
                force=True,
            )
        )
        refs.append(str(result["ref"]))

    def at() -> datetime | None:
        # Now, or a little earlier (written late); never before any incident existed.
        return None if rng.random() < 0.5 else clock.now() - timedelta(minutes=rng.randrange(5))

    actions: list[Callable[[str], Any]] = [
        lambda ref: c.AssignRole(
            ref=ref,
            role=rng.choice((RoleName.COMMANDER, RoleName.WORKER, RoleName.COMMUNICATIONS)),
            person=rng.choice(PEOPLE),
            by="alice",
            occurred_at=at(),
        ),
        lambda ref: c.ChangeStage(ref=ref, stage=rng.choice(STAGES), by="alice", occurred_at=at()),
        lambda ref: c.ChangeSeverity(
            ref=ref, severity=rng.choice(SEVERITIES), by="alice", reason="re-rated"
        ),
        lambda ref: c.PostUpdate(
            ref=ref,
            audience=rng.choice(list(Audience)),
            text="Still on it",
            by="bob",
            occurred_at=at(),
        ),
        lambda ref: c.PostUpdate(
            ref=ref, audience=rng.choice(list(Audience)), text="Update", by="bob"
        ),
        lambda ref: c.AddFollowUp(
            ref=ref,
            title="Do the thing",
            kind=rng.choice(list(FollowUpKind)),
            by="alice",
            due=rng.choice((None, clock.now().date() + timedelta(days=rng.randrange(-3, 10)))),
        ),
        lambda ref: c.CloseFollowUp(
            ref=ref,
            number=rng.randrange(1, 4),
            status=rng.choice((FollowUpStatus.DONE, FollowUpStatus.NOT_DOING)),
            by="alice",
            reason="done with",
        ),
        lambda ref: RecordRetrospective(ref=ref, by="alice"),
        lambda ref: c.EditIncident(
            ref=ref,
            by="alice",
            changes={"services": rng.sample(("login", "search", "dns"), rng.randrange(0, 3))},
        ),
    ]
    actions += actions[3:5]  # updates are what most of the facts count
    actions += [  # and milestones: mostly forward
        lambda ref: c.ChangeStage(
            ref=ref,
            stage=rng.choice((Stage.MITIGATED, Stage.RESOLVED, Stage.CLOSED)),
            by="alice",
            occurred_at=at(),
        )
    ] * 2
    # Between the steps, from a generator of its own (the steps stay what they were):
    # entries that are not updates, which leave the facts as they are (no refresh), and
    # visibility changes, which do not.
    aside = random.Random(steps)
    asides: list[Callable[[str], Any]] = [
        lambda ref: c.AddTimelineEntry(
            ref=ref,
            kind=aside.choice((EntryKind.NOTE, EntryKind.HYPOTHESIS, EntryKind.MANUAL_CHANGE)),
            text="Seen in the logs",
            by="bob",
            occurred_at=None if aside.random() < 0.5 else clock.now() - timedelta(minutes=3),
        ),
        lambda ref: c.EditIncident(
            ref=ref,
            by="alice",
            changes={"visibility": aside.choice((Visibility.INTERNAL, Visibility.RESTRICTED))},
        ),
    ]
    worker = wr.make_worker()
    declare()
    for _ in range(steps):
        clock.advance(minutes=rng.randrange(1, 12))
        roll = rng.random()
        if roll < 0.05 and len(refs) < 6:
            declare()
        elif roll < 0.2:
            worker.fire_due_timers()  # reminders, overdue marks, escalations, breaches
        else:
            do(rng.choice(actions)(rng.choice(refs)))
        if check is not None:
            check()
        if aside.random() < 0.3:
            do(asides[0 if aside.random() < 0.8 else 1](aside.choice(refs)))
            if check is not None:
                check()
    return refs


def allowed(policy: Policy, severity: str, audience: Audience) -> float | None:
    level = policy.severity(severity)
    span = level.cadence.get(audience)
    if span is None:
        return None
    return float(span.seconds + (level.cadence_grace.seconds if level.cadence_grace else 0))


def expected(wr: Warroom, number: int) -> dict[str, Any]:
    """The facts of one incident recomputed from the aggregate and its timeline."""
    policy = wr.policy
    with wr.bus.uow_factory() as uow:
        incident: Incident = uow.incidents.get(f"INC-{number}")
        updates = uow.incidents.entries(
            number, [EntryKind.STATUS_UPDATE, EntryKind.CUSTOMER_UPDATE]
        )
        row: dict[str, Any] = {
            "severity": incident.severity,
            "stage": str(incident.stage),
            "drill": incident.drill,
            "restricted": incident.visibility is Visibility.RESTRICTED,
            "declared_at": incident.declared_at,
            "month": incident.declared_at.strftime("%Y-%m"),
            "mitigated_at": incident.mitigated_at,
            "resolved_at": incident.resolved_at,
            "closed_at": incident.closed_at,
        }
        times = {a: getattr(incident, a) for _, a, _, _ in m.MEASURES} | {
            b: getattr(incident, b) for _, _, b, _ in m.MEASURES
        }
        for name, value in m.durations(times).items():
            row[name] = None if value is None else round(value, 3)
        for audience in Audience:
            span = allowed(policy, incident.severity, audience)
            ends = [incident.resolved_at, incident.closed_at]
            if audience is not Audience.OBSERVERS:
                ends.insert(0, incident.mitigated_at)
            stop = next((e for e in ends if e is not None), None)
            mine = [e.occurred_at for e in updates if e.data.get("audience") == audience.value]
            in_window = [u for u in mine if stop is None or u <= stop]
            tally = (
                m.update_adherence(
                    start=incident.declared_at,
                    stop=stop or datetime.max.replace(tzinfo=UTC),
                    cadence=timedelta(seconds=span),
                    grace=timedelta(0),
                    updates=mine,
                )
                if span is not None
                else m.Adherence()
            )
            row |= {
                f"{audience}_on_time": tally.on_time,
                f"{audience}_late": tally.late,
                f"{audience}_last_update_at": max(in_window) if span and in_window else None,
                f"{audience}_allowed": span,
            }
        retro = next((k for k in incident.clocks if k.name == RETROSPECTIVE), None)
        statuses = [f.status for f in incident.followups]
        row |= {
            "retrospective_due_at": retro.due_at if retro else None,
            "retrospective_done_at": retro.done_at if retro else None,
            "followups_open": statuses.count(FollowUpStatus.OPEN),
            "followups_done": statuses.count(FollowUpStatus.DONE),
            "followups_not_doing": statuses.count(FollowUpStatus.NOT_DOING),
        }
    return row


def stored(wr: Warroom) -> dict[int, dict[str, Any]]:
    with wr.db.read.connect() as conn:
        return {
            r.incident_id: {k: v for k, v in r._mapping.items() if k != "incident_id"}
            for r in conn.execute(select(incident_facts))
        }


def normal(row: dict[str, Any]) -> dict[str, Any]:
    """Booleans as booleans (SQLite keeps 0/1 in a computed insert)."""
    return {k: bool(v) if k in ("drill", "restricted") else v for k, v in row.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_facts_equal_a_recomputation_from_the_full_record(
    database_url: str, standard: Policy, seed: int
) -> None:
    clock = ManualClock(START)
    wr = make_warroom(database_url, clock, without_checklists(standard))
    try:
        rng = random.Random(seed)

        def in_step() -> None:
            # After every command, not only at the end: a refresh skipped wrongly would
            # otherwise be mended by the next command that touches the incident.
            for number, row in stored(wr).items():
                assert normal(row) == expected(wr, number), f"INC-{number} (seed {seed})"

        refs = play(wr, clock, rng, steps=150, check=in_step)
        kept = stored(wr)
        assert sorted(kept) == sorted(int(ref.split("-")[1]) for ref in refs)
        rows = list(kept.values())
        # The sequence reached what the facts are about (else the comparison proves little).
        for outcome in ("on_time", "late"):
            assert sum(r[f"{a}_{outcome}"] for r in rows for a in AUDIENCES) > 0
        assert any(r["mttm"] is not None for r in rows)
        assert any(r["retrospective_due_at"] is not None for r in rows)
        assert any(r["followups_done"] + r["followups_not_doing"] for r in rows)
        for number, row in kept.items():
            assert normal(row) == expected(wr, number), f"INC-{number} (seed {seed})"
        # The back-fill of the migration (every incident at once) gives the same rows.
        with wr.db.write.begin() as conn:
            facts.refresh(conn, wr.policy)
        assert {n: normal(r) for n, r in stored(wr).items()} == {
            n: normal(r) for n, r in kept.items()
        }
    finally:
        wr.close()


def test_a_policy_with_other_cadences_recomputes_the_facts(
    database_url: str, standard: Policy
) -> None:
    clock = ManualClock(START)
    wr = make_warroom(database_url, clock, without_checklists(standard))
    try:
        play(wr, clock, random.Random(9), steps=30)
        with wr.db.write.begin() as conn:
            assert facts.refresh_stale(conn, wr.policy) == 0
        before = stored(wr)
        rated = before[min(before)]["severity"]
        slow = [
            replace(
                level, cadence={a: Span(seconds=s.seconds * 2) for a, s in level.cadence.items()}
            )
            if level.name == rated
            else level
            for level in wr.policy.severities
        ]
        slower = replace(wr.policy, severities=tuple(slow))
        changed = sorted(n for n, r in before.items() if r["severity"] == rated)
        with wr.db.write.begin() as conn:
            assert sorted(facts.stale(conn, slower)) == changed
            assert facts.refresh_stale(conn, slower) == len(changed)
            assert facts.refresh_stale(conn, slower) == 0
        after = stored(wr)
        for n in changed:
            assert after[n]["internal_allowed"] != before[n]["internal_allowed"]
        assert {n: r for n, r in after.items() if n not in changed} == {
            n: r for n, r in before.items() if n not in changed
        }
    finally:
        wr.close()


def test_facts_under_a_policy_without_cadences(database_url: str, standard: Policy) -> None:
    clock = ManualClock(START)
    wr = make_warroom(database_url, clock, without_clocks(without_checklists(standard)))
    try:
        play(wr, clock, random.Random(4), steps=40)
        kept = stored(wr)
        assert kept
        for number, row in kept.items():
            assert all(row[f"{a}_allowed"] is None for a in AUDIENCES)
            assert normal(row) == expected(wr, number), f"INC-{number}"
    finally:
        wr.close()


def test_an_incident_declared_and_changed_in_one_transaction_has_one_row_of_facts(
    database_url: str, standard: Policy
) -> None:
    """Group commit (alert intake) runs several commands in one transaction and refreshes
    the facts after each: the second refresh of a new incident must replace its row."""
    clock = ManualClock(START)
    wr = make_warroom(database_url, clock, without_checklists(standard))
    try:
        with wr.bus.uow_factory() as uow:
            declared, _ = wr.bus.handle_in(
                uow, c.DeclareIncident(title="Checkout fails", severity="sev3", by="alice")
            )
            ref = declared["ref"]
            wr.bus.handle_in(uow, c.ChangeSeverity(ref=ref, severity="sev1", by="alice"))
            wr.bus.handle_in(uow, c.ChangeStage(ref=ref, stage=Stage.IDENTIFIED, by="alice"))
            uow.commit()
        number = int(ref.split("-")[1])
        rows = stored(wr)
        assert list(rows) == [number]
        assert rows[number]["severity"] == "sev1" and rows[number]["stage"] == "identified"
        assert normal(rows[number]) == expected(wr, number)
    finally:
        wr.close()

"""The clock state of the Incident aggregate, on the domain alone (no storage, no timers)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.helpers import T0, at, declare, staff, walk
from warroom.domain.due_clocks import (
    OVERDUE,
    REMIND,
    RETROSPECTIVE,
    retrospective_steps,
    update_clock_name,
    update_step,
)
from warroom.domain.enums import Audience, RoleName, Stage
from warroom.domain.errors import RuleViolation
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy


def started(policy: Policy, severity: str = "sev2") -> Incident:
    inc = declare(policy, severity=severity)
    inc.sync_cadences(policy, at=T0)
    return inc


def due(inc: Incident, audience: str) -> object:
    clock = inc.due_clock(update_clock_name(audience))
    return clock.due_at if clock else None


def test_cadences_start_per_audience_from_the_severity(standard: Policy) -> None:
    inc = started(standard)
    assert due(inc, "internal") == at(30)
    assert due(inc, "customers") == at(60)
    assert due(inc, "observers") == at(120)


def test_an_update_resets_its_audience_and_a_sooner_promise_wins(standard: Policy) -> None:
    inc = started(standard)
    inc.reset_cadence(
        Audience.CUSTOMERS,
        text="Next update in 20 minutes.",
        at=at(10),
        policy=standard,
        now=at(10),
    )
    assert due(inc, "customers") == at(30)
    assert inc.new_entries[-1].text.startswith("Next customers update due Mon 23 Nov 10:00 UTC")
    inc.reset_cadence(
        Audience.CUSTOMERS, text="Next update in 3 hours.", at=at(25), policy=standard, now=at(25)
    )
    assert due(inc, "customers") == at(85)  # a later promise does not stretch the cadence
    assert due(inc, "internal") == at(30)  # other audiences are untouched


def test_an_update_recorded_late_does_not_move_the_clock_back(standard: Policy) -> None:
    inc = started(standard)
    inc.reset_cadence(Audience.INTERNAL, text="x", at=at(20), policy=standard, now=at(20))
    inc.reset_cadence(Audience.INTERNAL, text="y", at=at(5), policy=standard, now=at(21))
    assert due(inc, "internal") == at(50)


def test_reminder_then_overdue_then_reminders_every_cadence(standard: Policy) -> None:
    inc = started(standard)
    inc.assign_role(RoleName.COMMANDER, "alice", policy=standard, by="a", now=T0)
    level = standard.severity("sev2")
    clock = inc.due_clock("update:internal")
    assert clock is not None
    assert update_step(clock, level.cadence[Audience.INTERNAL], level.cadence_grace) == (
        at(30),
        REMIND,
    )
    inc.remind_update(Audience.INTERNAL, policy=standard, now=at(30))
    assert "reminded alice (commander)" in inc.new_entries[-1].text
    assert update_step(clock, level.cadence[Audience.INTERNAL], level.cadence_grace) == (
        at(40),
        OVERDUE,
    )
    inc.mark_update_overdue(Audience.INTERNAL, policy=standard, now=at(40))
    assert clock.overdue_at == at(40)
    assert update_step(clock, level.cadence[Audience.INTERNAL], level.cadence_grace) == (
        at(70),
        REMIND,
    )


def test_nobody_to_remind_is_recorded(standard: Policy) -> None:
    inc = started(standard)
    inc.remind_update(Audience.CUSTOMERS, policy=standard, now=at(60))
    assert "nobody was reminded" in inc.new_entries[-1].text
    assert inc.events[-1].person is None  # type: ignore[attr-defined]


def test_cadences_stop_at_mitigation_but_observers_until_resolved(standard: Policy) -> None:
    inc = started(standard)
    staff(inc, standard)
    walk(inc, standard, Stage.MITIGATED, now=at(50))
    inc.sync_cadences(standard, at=at(50))
    assert [c.name for c in inc.clocks] == ["update:observers"]
    walk(inc, standard, Stage.INVESTIGATING, now=at(70))
    inc.sync_cadences(standard, at=at(70))
    assert due(inc, "internal") == at(100)  # a relapse restarts the cadence from the relapse


def test_a_severity_change_replans_from_the_last_update(standard: Policy) -> None:
    inc = started(standard, "sev3")
    assert due(inc, "internal") == at(120)
    assert due(inc, "observers") is None
    inc.change_severity("sev1", policy=standard, by="a", now=at(10))
    inc.sync_cadences(standard, at=at(10))
    assert due(inc, "internal") == at(30)  # 30m from declaration, not from the change
    assert due(inc, "observers") == at(70)  # a new audience counts from the change


def test_retrospective_plan_and_record(standard: Policy) -> None:
    inc = declare(standard, severity="sev2")  # Monday 09:30 UTC; sev2: 2 working days
    staff(inc, standard)
    with pytest.raises(RuleViolation) as err:
        inc.record_retrospective(policy=standard, by="a", now=at(1))
    assert err.value.rule == "retrospective.too_early"
    walk(inc, standard, Stage.MITIGATED, now=at(60))
    inc.plan_retrospective(standard, now=at(60))
    clock = inc.due_clock(RETROSPECTIVE)
    assert clock is not None
    assert clock.due_at == T0.replace(day=25, hour=17, minute=0)
    steps = retrospective_steps(clock, standard.calendar)
    assert steps == [("remind", T0.replace(day=25, hour=9, minute=0)), ("breach", clock.due_at)]
    inc.record_retrospective(policy=standard, by="alice", now=at(60 * 24))
    assert clock.done_at == at(60 * 24)
    assert retrospective_steps(clock, standard.calendar) == []
    with pytest.raises(RuleViolation, match="already held"):
        inc.record_retrospective(policy=standard, by="alice", now=at(60 * 25))


def test_a_relapse_withdraws_the_retrospective_deadline(standard: Policy) -> None:
    inc = declare(standard, severity="sev2")
    staff(inc, standard)
    walk(inc, standard, Stage.MITIGATED, now=at(60))
    inc.plan_retrospective(standard, now=at(60))
    walk(inc, standard, Stage.INVESTIGATING, now=at(90))
    inc.plan_retrospective(standard, now=at(90))
    assert inc.due_clock(RETROSPECTIVE) is None
    assert "no longer mitigated" in inc.new_entries[-1].text


def test_role_rules_are_reported_without_raising(standard: Policy) -> None:
    inc = declare(standard, severity="sev2")
    inc.assign_role(RoleName.COMMANDER, "alice", policy=standard, by="a", now=T0)
    assert inc.role_refusal(RoleName.WORKER, "alice", standard) == "commander-not-worker"
    assert inc.role_refusal(RoleName.WORKER, "bob", standard) is None
    inc.change_severity("sev3", policy=standard, by="a", now=T0 + timedelta(minutes=1))
    assert inc.role_refusal(RoleName.WORKER, "alice", standard) is None  # rule is sev1/sev2


def test_release_everyone_keeps_the_commander(standard: Policy) -> None:
    inc = declare(standard, severity="sev2")
    staff(inc, standard)
    released = inc.release_everyone(keep=(RoleName.COMMANDER,), policy=standard, by="a", now=at(5))
    assert released == [("communications", "person1"), ("worker", "person2")]
    assert inc.holders(RoleName.COMMANDER) == ["person0"]
    assert inc.holders(RoleName.WORKER) == []

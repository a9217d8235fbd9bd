"""Update cadences on both databases: reminder, overdue, promises, reset, re-planning, stop."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from tests.support.clocks import Room, policy_setting
from tests.support.policies import without_checklists
from tests.support.testplan import pass_test_plan
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.durations import parse_span
from warroom.domain.enums import Audience
from warroom.domain.policy import Policy


@pytest.fixture
def policy(standard: Policy) -> Policy:
    """Clock rules only: checklist deadlines would add reminders of their own."""
    return without_checklists(standard)


@pytest.fixture
def room(wr: Warroom, clock: ManualClock) -> Room:
    return Room(wr, clock)


def post(room: Room, ref: str, audience: str, text: str) -> None:
    room.do(c.PostUpdate(ref=ref, audience=Audience(audience), text=text, by="carol"))


def test_reminder_overdue_promise_and_reset(room: Room) -> None:
    t0 = room.clock.now()  # Monday 23 Nov 2026 09:30 UTC
    ref = room.declare("sev2")
    room.role(ref, "commander", "alice")
    room.role(ref, "communications", "carol")
    assert room.timers(ref)[f"{ref}:update:internal"] == t0 + timedelta(minutes=30)

    room.advance(minutes=29)
    assert not any("update" in n for n in room.notes(ref))
    room.advance(minutes=1)
    assert room.notes(ref)[-1] == (
        "Internal update due Mon 23 Nov 10:00 UTC (every 30m): reminded carol (communications)"
    )
    assert room.sent()[-1] == ("carol", f"{ref}: internal update due")
    assert room.view(ref)["update_overdue"] == []

    room.advance(minutes=10)  # the grace for sev2 is 10m
    assert room.notes(ref)[-1] == (
        "Internal update overdue: it was due Mon 23 Nov 10:00 UTC; commander alice told"
    )
    assert room.sent()[-1] == ("alice", f"{ref}: internal update overdue")
    view = room.view(ref)
    assert view["update_overdue"] == ["internal"]
    assert view["updates"]["internal"]["overdue_since"] == t0 + timedelta(minutes=40)

    room.advance(minutes=5)
    post(room, ref, "internal", "Still investigating. Next update in 20 minutes.")
    view = room.view(ref)
    assert view["update_overdue"] == []
    assert view["updates"]["internal"]["due_at"] == t0 + timedelta(minutes=65)
    assert view["updates"]["internal"]["promised"] is True
    assert room.timers(ref)[f"{ref}:update:internal"] == t0 + timedelta(minutes=65)

    room.advance(minutes=20)
    assert room.notes(ref)[-1].startswith("Internal update due Mon 23 Nov 10:35 UTC")
    post(room, ref, "internal", "Fixed the config. More soon.")  # no promise: the cadence
    assert room.view(ref)["updates"]["internal"]["due_at"] == t0 + timedelta(minutes=95)


def test_while_overdue_the_reminder_repeats_every_cadence(room: Room) -> None:
    ref = room.declare("sev2")
    room.role(ref, "communications", "carol")
    room.advance(minutes=40)
    reminders = [n for n in room.notes(ref) if n.startswith("Internal update")]
    assert len(reminders) == 2  # due, then overdue
    room.advance(minutes=30)
    internal = [n for n in room.notes(ref) if n.startswith("Internal update")]
    assert internal[-1].startswith("Internal update overdue (was due Mon 23 Nov 10:00")
    assert room.sent().count(("carol", f"{ref}: internal update overdue")) == 1


def test_with_nobody_to_remind_it_is_only_recorded(room: Room) -> None:
    ref = room.declare("sev3")
    room.advance(hours=2)
    assert room.notes(ref)[-1] == (
        "Internal update due Mon 23 Nov 11:30 UTC (every 2h): "
        "nobody holds communications or commander, so nobody was reminded"
    )
    assert room.sent() == []


def test_the_commander_is_reminded_when_communications_is_unassigned(room: Room) -> None:
    ref = room.declare("sev3")
    room.role(ref, "commander", "alice")
    room.advance(hours=2)
    assert room.sent() == [("alice", f"{ref}: internal update due")]


def test_observers_summary_goes_to_the_commander(room: Room) -> None:
    ref = room.declare("sev2")
    room.role(ref, "commander", "alice")
    room.role(ref, "communications", "carol")
    post(room, ref, "internal", "x")
    post(room, ref, "customers", "x")
    room.clock.advance(minutes=30)
    post(room, ref, "internal", "x")
    room.clock.advance(minutes=30)
    post(room, ref, "internal", "x")
    post(room, ref, "customers", "x")
    room.clock.advance(minutes=30)
    post(room, ref, "internal", "x")
    room.advance(minutes=30)
    assert ("alice", f"{ref}: observers update due") in room.sent()
    assert "Observers update due Mon 23 Nov 11:30 UTC (every 2h): reminded alice (commander)" in (
        room.notes(ref)
    )


def test_a_severity_change_replans_the_cadences(room: Room) -> None:
    t0 = room.clock.now()
    ref = room.declare("sev3")
    assert f"{ref}:update:observers" not in room.timers(ref)
    room.clock.advance(minutes=10)
    room.do(c.ChangeSeverity(ref=ref, severity="sev1", by="alice"))
    timers = room.timers(ref)
    assert timers[f"{ref}:update:internal"] == t0 + timedelta(minutes=30)
    assert timers[f"{ref}:update:customers"] == t0 + timedelta(hours=1)
    assert timers[f"{ref}:update:observers"] == t0 + timedelta(minutes=70)
    room.do(c.ChangeSeverity(ref=ref, severity="sev4", by="alice"))
    assert not any(":update:" in k for k in room.timers(ref))
    assert room.view(ref)["updates"] == {}


def test_mitigation_stops_internal_and_customers_and_resolution_stops_observers(
    room: Room,
) -> None:
    ref = room.declare("sev1")
    room.stage(ref, "mitigated")
    assert sorted(k for k in room.timers(ref) if ":update:" in k) == [f"{ref}:update:observers"]
    assert list(room.view(ref)["updates"]) == ["observers"]
    room.role(ref, "commander", "alice")
    room.role(ref, "worker", "bob")
    pass_test_plan(room.do, ref, commander="alice", worker="bob")
    room.stage(ref, "resolved")
    assert not any(":update:" in k for k in room.timers(ref))
    room.advance(hours=3)
    assert not any("update due" in n for n in room.notes(ref))


def test_a_relapse_restarts_the_cadences(room: Room) -> None:
    ref = room.declare("sev2")
    room.clock.advance(minutes=20)
    room.stage(ref, "mitigated")
    room.clock.advance(minutes=20)
    room.stage(ref, "investigating")
    assert room.timers(ref)[f"{ref}:update:internal"] == room.clock.now() + timedelta(minutes=30)


@pytest.fixture
def preset_room(
    request: pytest.FixtureRequest, database_url: str, clock: ManualClock
) -> Iterator[Room]:
    wr = make_warroom(database_url, clock, request.param)
    yield Room(wr, clock)
    wr.close()


@pytest.mark.parametrize(
    ("preset_room", "severity", "audience", "every", "grace"),
    [
        ("urgent-incident", "urgent", "customers", 60, 0),
        ("p1-runbook", "p1", "internal", 30, 15),
        ("severity-levels", "level2", "observers", 120, 0),
        ("incident-response", "sev1", "internal", 30, 0),
        ("incident-management", "sev1", "customers", 30, 0),
    ],
    indirect=["preset_room"],
)
def test_presets_remind_and_flag_overdue(
    preset_room: Room, severity: str, audience: str, every: int, grace: int
) -> None:
    room = preset_room
    ref = room.declare(severity)
    room.role(ref, "commander", "im")
    room.advance(minutes=every)
    assert any(n.startswith(f"{audience.capitalize()} update due") for n in room.notes(ref))
    if grace:
        assert room.view(ref)["update_overdue"] == []
        room.advance(minutes=grace)
    assert audience in room.view(ref)["update_overdue"]
    assert ("im", f"{ref}: {audience} update overdue") in room.sent()


def test_customers_update_due_then_overdue_after_the_grace(room: Room) -> None:
    cadence = policy_setting("standard", "sev2", "cadence")["customers"]
    every = parse_span(cadence).as_timedelta()
    grace = parse_span(policy_setting("standard", "sev2", "cadence_grace")).as_timedelta()
    t0 = room.clock.now()  # Monday 23 Nov 2026 09:30 UTC
    due = t0 + every
    shown = due.strftime("%a %d %b %H:%M UTC")
    ref = room.declare("sev2")
    room.role(ref, "commander", "alice")
    room.role(ref, "communications", "carol")
    assert room.timers(ref)[f"{ref}:update:customers"] == due

    def customers_notes() -> list[str]:
        return [n for n in room.notes(ref) if n.startswith("Customers update")]

    room.at(due - timedelta(minutes=1))
    assert customers_notes() == []
    room.at(due)
    assert customers_notes() == [
        f"Customers update due {shown} (every {cadence}): reminded carol (communications)"
    ]
    assert room.sent().count(("carol", f"{ref}: customers update due")) == 1
    assert "customers" not in room.view(ref)["update_overdue"]

    room.at(due + grace - timedelta(minutes=1))
    assert len(customers_notes()) == 1
    assert "customers" not in room.view(ref)["update_overdue"]
    room.at(due + grace)
    assert customers_notes()[1:] == [
        f"Customers update overdue: it was due {shown}; commander alice told"
    ]
    assert room.sent().count(("alice", f"{ref}: customers update overdue")) == 1
    view = room.view(ref)
    assert "customers" in view["update_overdue"]
    assert view["updates"]["customers"]["overdue_since"] == due + grace

    room.at(due + every - timedelta(minutes=1))  # short of the next cadence: nothing more
    assert len(customers_notes()) == 2
    assert room.sent().count(("alice", f"{ref}: customers update overdue")) == 1

    post(room, ref, "customers", "We are still investigating. Next update within the hour.")
    view = room.view(ref)
    assert "customers" not in view["update_overdue"]
    assert view["updates"]["customers"]["overdue_since"] is None

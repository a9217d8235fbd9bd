"""The SME cycle, escalation by time and worker fatigue, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from tests.support.clocks import Room, hours_minutes, policy_span
from tests.support.policies import without_checklists
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.clock_commands import ReleaseEveryone
from warroom.domain.enums import RoleName
from warroom.domain.policy import Policy


@pytest.fixture
def policy(standard: Policy) -> Policy:
    """Clock rules only: checklist deadlines would add reminders of their own."""
    return without_checklists(standard)


@pytest.fixture
def room(wr: Warroom, clock: ManualClock) -> Room:
    return Room(wr, clock)


def workers(room: Room, ref: str) -> list[str]:
    return [r["person"] for r in room.view(ref)["roles"] if r["role"] == "worker" and r["active"]]


def test_sme_cycle_brings_in_the_next_sme_every_15_minutes_skipping_role_rules(
    room: Room,
) -> None:
    room.service("auth", ["alice", "bob", "carol"])
    ref = room.declare("sev1", services=("auth",))
    room.role(ref, "commander", "alice")  # alice may not also be a worker at sev1

    room.advance(minutes=14)
    assert workers(room, ref) == []
    room.advance(minutes=1)
    assert workers(room, ref) == ["bob"]
    assert room.notes(ref)[-1] == (
        "SME cycle: not identified within 15m; brought in bob (SME for auth) as worker; "
        "paged; skipped alice (role rule commander-not-worker)"
    )
    assert room.urgent() == ["bob"]  # sev1 pages at any hour
    assert room.sent()[-1] == ("bob", f"{ref}: you are needed as SME for auth")

    room.advance(minutes=15)
    assert workers(room, ref) == ["bob", "carol"]
    room.advance(minutes=15)
    assert room.notes(ref)[-1].startswith(
        "SME cycle: not identified within 15m, and no further SME is available (auth)"
    )
    assert workers(room, ref) == ["bob", "carol"]
    room.advance(minutes=15)  # still nobody: said once, the cycle keeps looking quietly
    assert sum("no further SME" in n for n in room.notes(ref)) == 1
    room.service("auth", ["alice", "bob", "carol", "dave"])  # the catalog changes
    room.advance(minutes=15)
    assert workers(room, ref) == ["bob", "carol", "dave"]


def test_the_cycle_stops_when_identified_and_restarts_on_a_relapse(room: Room) -> None:
    room.service("auth", ["bob", "carol"])
    ref = room.declare("sev2", services=("auth",))
    room.advance(minutes=10)
    room.stage(ref, "identified")
    assert f"{ref}:sme" not in room.timers(ref)
    room.advance(hours=1)
    assert workers(room, ref) == []
    room.stage(ref, "investigating")
    assert room.timers(ref)[f"{ref}:sme"] == room.clock.now() + timedelta(minutes=15)
    room.advance(minutes=15)
    assert workers(room, ref) == ["bob"]
    room.stage(ref, "mitigated")
    assert f"{ref}:sme" not in room.timers(ref)


def test_a_released_worker_is_not_brought_back(room: Room) -> None:
    room.service("db", ["dana", "erin"])
    ref = room.declare("sev1", services=("db",))
    room.role(ref, "worker", "dana")
    room.do(c.ReleaseRole(ref=ref, role=RoleName.WORKER, person="dana", by="alice"))
    room.advance(minutes=15)
    assert workers(room, ref) == ["erin"]


def test_urgent_incident_preset_runs_the_cycle(database_url: str, clock: ManualClock) -> None:
    wr = make_warroom(database_url, clock, "urgent-incident")
    try:
        room = Room(wr, clock)
        room.service("vms", ["sam", "sue", "sid"])
        ref = room.declare("urgent", services=("vms",))
        for _ in range(3):
            room.advance(minutes=15)
        assert workers(room, ref) == ["sam", "sue", "sid"]
    finally:
        wr.close()


def test_sev2_escalates_to_sev1_after_4_hours_unmitigated(room: Room) -> None:
    ref = room.declare("sev2")
    room.role(ref, "commander", "alice")
    room.advance(hours=3, minutes=59)
    assert room.view(ref)["severity"] == "sev2"
    room.advance(minutes=1)
    view = room.view(ref)
    assert view["severity"] == "sev1"
    assert "Severity raised sev2 → sev1: not mitigated within 4h (the policy's escalate_after)" in (
        room.entries(ref)
    )
    assert ("alice", f"{ref} escalated to sev1") in room.sent()
    assert "alice" in room.urgent()
    assert f"{ref}:escalate" not in room.timers(ref)  # sev1 has no further escalation
    assert view["updates"]["observers"]["every"] == "1h"  # cadences follow the new severity


def test_mitigation_in_time_stops_escalation(room: Room) -> None:
    ref = room.declare("sev2")
    room.advance(hours=3)
    room.stage(ref, "mitigated")
    assert f"{ref}:escalate" not in room.timers(ref)
    room.advance(hours=2)
    assert room.view(ref)["severity"] == "sev2"


def test_a_manual_severity_change_restarts_the_escalation_period(room: Room) -> None:
    ref = room.declare("sev3")
    assert f"{ref}:escalate" not in room.timers(ref)
    room.advance(hours=1)
    room.do(c.ChangeSeverity(ref=ref, severity="sev2", by="alice"))
    assert room.timers(ref)[f"{ref}:escalate"] == room.clock.now() + timedelta(hours=4)


def test_severity_levels_preset_escalates_level2_after_8_hours(
    database_url: str, clock: ManualClock
) -> None:
    wr = make_warroom(database_url, clock, "severity-levels")
    try:
        room = Room(wr, clock)
        ref = room.declare("level2")
        room.advance(hours=8)
        assert room.view(ref)["severity"] == "level1"
    finally:
        wr.close()


def test_a_tired_worker_prompts_the_commander_to_hand_off(room: Room) -> None:
    ref = room.declare("sev1")
    room.role(ref, "commander", "alice")
    room.role(ref, "worker", "bob")
    room.role(ref, "worker", "carol")
    room.advance(hours=2)
    room.do(c.ReleaseRole(ref=ref, role=RoleName.WORKER, person="carol", by="alice"))
    room.role(ref, "worker", "dan")  # carol handed off to dan
    assert f"{ref}:fatigue:carol" not in room.timers(ref)
    room.advance(hours=2)
    assert room.notes(ref)[-1] == (
        "bob has been a worker for 4h00m (limit 4h): commander alice asked to hand off or "
        "release them"
    )
    assert ("alice", f"{ref}: bob needs relief") in room.sent()
    assert not any("carol has been" in n for n in room.notes(ref))
    room.advance(hours=2)
    assert room.notes(ref)[-1].startswith("dan has been a worker for 4h00m")


def test_release_everyone_not_needed(room: Room) -> None:
    ref = room.declare("sev2")
    room.role(ref, "commander", "alice")
    room.role(ref, "worker", "bob")
    room.role(ref, "observer", "olga")
    result = room.do(ReleaseEveryone(ref=ref, by="alice"))
    assert result["released"] == [
        {"role": "worker", "person": "bob"},
        {"role": "observer", "person": "olga"},
    ]
    assert f"{ref}:fatigue:bob" not in room.timers(ref)
    assert [r["person"] for r in room.view(ref)["roles"] if r["active"]] == ["alice"]


@pytest.fixture
def levels_room(database_url: str, clock: ManualClock) -> Iterator[Room]:
    wr = make_warroom(database_url, clock, "severity-levels")
    yield Room(wr, clock)
    wr.close()


def test_severity_levels_fatigue_after_6_hours(levels_room: Room) -> None:
    room = levels_room
    ref = room.declare("level2")
    room.role(ref, "worker", "bob")
    room.advance(hours=5, minutes=59)
    assert not any("bob has been" in n for n in room.notes(ref))
    room.advance(minutes=1)
    assert room.notes(ref)[-1].startswith("bob has been a worker for 6h00m (limit 6h)")


def fatigue_prompts(room: Room, ref: str, person: str) -> list[str]:
    return [n for n in room.notes(ref) if n.startswith(f"{person} has been a worker")]


def test_sev2_worker_past_the_policys_fatigue_limit_prompts_the_commander_once(
    room: Room,
) -> None:
    limit = policy_span("standard", "sev2", "worker_fatigue_after")
    t0 = room.clock.now()
    ref = room.declare("sev2")
    room.role(ref, "commander", "alice")
    room.role(ref, "worker", "bob")
    # Mitigated, so that the escalation to sev1 (and sev1's own limit) does not step in.
    room.stage(ref, "mitigated")
    assert room.timers(ref)[f"{ref}:fatigue:bob"] == t0 + limit.as_timedelta()

    room.at(t0 + limit.as_timedelta() - timedelta(minutes=1))
    assert fatigue_prompts(room, ref, "bob") == []
    assert ("alice", f"{ref}: bob needs relief") not in room.sent()

    room.at(t0 + limit.as_timedelta())
    assert fatigue_prompts(room, ref, "bob") == [
        f"bob has been a worker for {hours_minutes(limit)} (limit {limit}): commander alice "
        "asked to hand off or release them"
    ]
    assert room.sent().count(("alice", f"{ref}: bob needs relief")) == 1

    room.at(t0 + 3 * limit.as_timedelta())
    assert len(fatigue_prompts(room, ref, "bob")) == 1
    assert room.sent().count(("alice", f"{ref}: bob needs relief")) == 1
    assert room.view(ref)["severity"] == "sev2"


def test_severity_levels_level1_fatigue_at_the_policys_limit_once(levels_room: Room) -> None:
    room = levels_room
    limit = policy_span("severity-levels", "level1", "worker_fatigue_after")
    t0 = room.clock.now()
    ref = room.declare("level1")
    room.role(ref, "commander", "ivy")
    room.role(ref, "worker", "bob")

    room.at(t0 + limit.as_timedelta() - timedelta(minutes=1))
    assert fatigue_prompts(room, ref, "bob") == []
    room.at(t0 + limit.as_timedelta())
    assert fatigue_prompts(room, ref, "bob") == [
        f"bob has been a worker for {hours_minutes(limit)} (limit {limit}): commander ivy "
        "asked to hand off or release them"
    ]
    assert room.sent().count(("ivy", f"{ref}: bob needs relief")) == 1
    room.at(t0 + 3 * limit.as_timedelta())
    assert len(fatigue_prompts(room, ref, "bob")) == 1
    assert room.sent().count(("ivy", f"{ref}: bob needs relief")) == 1

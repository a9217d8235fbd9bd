"""Quiet hours on both databases: pages held to the paged person's morning, or re-routed."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from tests.support.clocks import Room, hold_severities, policy_setting, with_changes
from tests.support.policies import without_checklists
from warroom.adapters.policy_file import load_policy
from warroom.domain.directory import Person
from warroom.domain.enums import QuietHours
from warroom.domain.policy import Policy
from warroom.service_layer.quiet_hours import page_person


def bea() -> Person:
    return Person(handle="bea", timezone="Europe/Berlin", waking_start=time(8), waking_end=time(22))


def nico() -> Person:
    return Person(handle="nico", timezone="America/New_York", waking_start=time(8))


# Saturday 24 Oct 2026, 23:15 in Berlin (CEST), 17:15 in New York; Berlin's clocks go
# back that night, New York's a week later.
SATURDAY_NIGHT = datetime(2026, 10, 24, 21, 15, tzinfo=UTC)


def night_room(database_url: str, clock: ManualClock, policy: Policy | str) -> Room:
    clock.set(SATURDAY_NIGHT)
    chosen = policy if isinstance(policy, Policy) else load_policy(policy)
    room = Room(make_warroom(database_url, clock, without_checklists(chosen)), clock)
    room.people(bea(), nico())
    room.service("auth", ["bea", "nico"])
    return room


def test_sev2_page_at_night_goes_to_the_next_person_awake(
    database_url: str, clock: ManualClock
) -> None:
    room = night_room(database_url, clock, "standard")  # sev2: waking hours, quiet "next"
    try:
        ref = room.declare("sev2", services=("auth",))
        room.advance(minutes=15)
        assert room.notes(ref)[-1] == (
            "SME cycle: not identified within 15m; brought in nico (SME for auth) as worker; "
            "paged (asleep, passed over: bea)"
        )
        assert room.urgent() == ["nico"]
    finally:
        room.wr.close()


def test_sev2_page_held_until_the_persons_morning_across_dst(
    database_url: str, clock: ManualClock, standard: Policy
) -> None:
    policy = with_changes(standard, sev2={"quiet_hours": QuietHours.HOLD})
    room = night_room(database_url, clock, policy)
    try:
        ref = room.declare("sev2", services=("auth",))
        room.advance(minutes=15)
        assert room.notes(ref)[-1] == (
            "SME cycle: not identified within 15m; brought in bea (SME for auth) as worker; "
            "page held until Sun 25 Oct 08:00 CET, the start of their waking hours"
        )
        [(key, due)] = [(k, d) for k, d in room.timers().items() if k.startswith("page:")]
        assert due == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # 08:00 CET, after the change
        assert "bea" not in room.urgent()

        room.at(datetime(2026, 10, 25, 6, 59, tzinfo=UTC))
        assert "bea" not in room.urgent()
        room.at(datetime(2026, 10, 25, 7, 0, tzinfo=UTC))
        assert "bea" in room.urgent()
        assert "Held page delivered to bea at the start of their waking hours" in room.notes(ref)
        assert key not in room.timers()
    finally:
        room.wr.close()


def test_a_held_page_is_dropped_if_the_incident_is_mitigated_by_morning(
    database_url: str, clock: ManualClock, standard: Policy
) -> None:
    policy = with_changes(standard, sev2={"quiet_hours": QuietHours.HOLD})
    room = night_room(database_url, clock, policy)
    try:
        ref = room.declare("sev2", services=("auth",))
        room.advance(minutes=15)
        room.stage(ref, "mitigated")
        room.at(datetime(2026, 10, 25, 7, 0, tzinfo=UTC))
        assert "bea" not in room.urgent()
        assert "Held page to bea dropped: INC-1 is mitigated by now" in room.notes(ref)
    finally:
        room.wr.close()


def test_page_person_holds_across_the_us_dst_change(database_url: str, clock: ManualClock) -> None:
    room = night_room(database_url, clock, "standard")
    try:
        ref = room.declare("sev3")  # waking hours, quiet "hold"
        clock.set(datetime(2026, 11, 1, 3, 30, tzinfo=UTC))  # Sat 31 Oct 23:30 EDT
        with room.wr.bus.uow_factory() as uow:
            decision = page_person(
                uow,
                room.wr.bus.context,
                "nico",
                key=f"{ref}:test-page",
                subject="wake up?",
                body="not yet",
                severity="sev3",
                incident_ref=ref,
                alternates=("bea",),
            )
            uow.commit()
        # 08:00 EST on Sunday 1 Nov, after the US clocks went back: 13:00 UTC.
        assert (decision.person, decision.held) == ("nico", True)
        assert decision.deliver_at == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)
        room.at(datetime(2026, 11, 1, 12, 59, tzinfo=UTC))
        assert "nico" not in room.urgent()
        room.at(datetime(2026, 11, 1, 13, 0, tzinfo=UTC))
        assert ("nico", "wake up?") in room.sent()
    finally:
        room.wr.close()


def test_always_pages_at_once(database_url: str, clock: ManualClock) -> None:
    room = night_room(database_url, clock, "standard")
    try:
        ref = room.declare("sev1", services=("auth",))
        room.advance(minutes=15)
        assert room.urgent() == ["bea"]  # asleep, but sev1 pages at any hour
        assert room.notes(ref)[-1].endswith("as worker; paged")
    finally:
        room.wr.close()


def test_severity_levels_preset_level2_goes_to_someone_awake_level3_holds(
    database_url: str, clock: ManualClock
) -> None:
    room = night_room(database_url, clock, "severity-levels")
    try:
        ref = room.declare("level2")
        with room.wr.bus.uow_factory() as uow:
            level2 = page_person(
                uow,
                room.wr.bus.context,
                "bea",
                key=f"{ref}:p2",
                subject="level 2",
                body="x",
                severity="level2",
                incident_ref=ref,
                alternates=("nico",),
            )
            level3 = page_person(
                uow,
                room.wr.bus.context,
                "bea",
                key=f"{ref}:p3",
                subject="level 3",
                body="x",
                severity="level3",
                incident_ref=ref,
                alternates=("nico",),
            )
            uow.commit()
        assert (level2.person, level2.held, level2.passed_over) == ("nico", False, ("bea",))
        assert (level3.person, level3.held) == ("bea", True)
        room.tick()
        assert ("nico", "level 2") in room.sent()
        assert ("bea", "level 3") not in room.sent()
    finally:
        room.wr.close()


PRESETS = [
    "urgent-incident",
    "severity-levels",
    "incident-response",
    "p1-runbook",
    "incident-management",
]
PRESET_HOLDS = [(preset, level) for preset in PRESETS for level in hold_severities(preset)]


def test_every_preset_has_a_severity_that_holds_pages() -> None:
    assert {preset for preset, _ in PRESET_HOLDS} == set(PRESETS)


@pytest.mark.parametrize(("preset", "severity"), PRESET_HOLDS)
def test_preset_holds_a_night_page_until_the_persons_morning(
    database_url: str, clock: ManualClock, preset: str, severity: str
) -> None:
    assert policy_setting(preset, severity, "paging") == "waking-hours"
    room = night_room(database_url, clock, preset)
    morning = datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # bea's 08:00 CET, after the change
    try:
        ref = room.declare(severity)
        with room.wr.bus.uow_factory() as uow:
            decision = page_person(
                uow,
                room.wr.bus.context,
                "bea",
                key=f"{ref}:held-test",
                subject="held until morning",
                body="x",
                severity=severity,
                incident_ref=ref,
                alternates=("nico",),  # awake, but a held page waits for the person paged
            )
            uow.commit()
        assert (decision.person, decision.held, decision.deliver_at) == ("bea", True, morning)
        room.tick()
        assert ("bea", "held until morning") not in room.sent()
        assert ("nico", "held until morning") not in room.sent()

        room.at(datetime(2026, 10, 25, 6, 59, tzinfo=UTC))
        assert ("bea", "held until morning") not in room.sent()
        room.at(morning)
        assert room.sent().count(("bea", "held until morning")) == 1
        room.at(datetime(2026, 10, 25, 12, 0, tzinfo=UTC))
        assert room.sent().count(("bea", "held until morning")) == 1
        assert ("nico", "held until morning") not in room.sent()
    finally:
        room.wr.close()

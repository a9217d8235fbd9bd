"""Retrospective deadlines (working days, weekend, holiday, non-UTC zone) and follow-up
reminders, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from tests.support.clocks import Room, nth_weekday_after, policy_span, with_changes
from tests.support.policies import without_checklists
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.calendar import BusinessCalendar
from warroom.domain.clock_commands import RecordRetrospective
from warroom.domain.directory import Person
from warroom.domain.enums import FollowUpKind, FollowUpStatus
from warroom.domain.errors import RuleViolation
from warroom.domain.policy import Policy
from warroom.queries import IncidentFilter, list_incidents

BERLIN_CALENDAR = BusinessCalendar(
    timezone="Europe/Berlin", holidays=frozenset({date(2026, 12, 28)})
)
# Friday 25 Dec 2026, 14:00 in Berlin. The weekend follows, and Monday 28 is a holiday.
FRIDAY = datetime(2026, 12, 25, 13, 0, tzinfo=UTC)
TUESDAY_MORNING = datetime(2026, 12, 29, 8, 0, tzinfo=UTC)  # 09:00 CET
TUESDAY_CLOSE = datetime(2026, 12, 29, 16, 0, tzinfo=UTC)  # 17:00 CET


@pytest.fixture
def policy(standard: Policy) -> Policy:
    """Clock rules only: checklist deadlines would add reminders of their own."""
    return without_checklists(standard)


@pytest.fixture
def berlin(database_url: str, clock: ManualClock, standard: Policy) -> Iterator[Room]:
    clock.set(FRIDAY)
    wr = make_warroom(database_url, clock, with_changes(standard, calendar=BERLIN_CALENDAR))
    yield Room(wr, clock)
    wr.close()


def mitigated_sev1(room: Room) -> str:
    ref = room.declare("sev1")  # the next working day (1wd)
    room.role(ref, "commander", "alice")
    room.stage(ref, "mitigated")
    return ref


def test_deadline_skips_weekend_and_holiday_then_reminds_and_breaches(berlin: Room) -> None:
    room = berlin
    ref = mitigated_sev1(room)
    assert room.notes(ref)[-1] == "Retrospective due by Tue 29 Dec 17:00 CET (1wd after mitigation)"
    retro = room.view(ref)["retrospective"]
    assert (retro["due_at"], retro["breached"], retro["within"]) == (TUESDAY_CLOSE, False, "1wd")
    assert room.timers(ref)[f"{ref}:retrospective:remind"] == TUESDAY_MORNING

    room.at(datetime(2026, 12, 28, 12, 0, tzinfo=UTC))  # the holiday: nothing yet
    assert not any("Retrospective due by Tue 29 Dec 17:00 CET:" in n for n in room.notes(ref))
    room.at(TUESDAY_MORNING)
    assert (
        room.notes(ref)[-1] == "Retrospective due by Tue 29 Dec 17:00 CET: commander alice reminded"
    )
    assert ("alice", f"{ref}: retrospective due Tue 29 Dec 17:00 CET") in room.sent()

    room.at(TUESDAY_CLOSE)
    assert (
        "Retrospective deadline missed: it was due by Tue 29 Dec 17:00 CET; commander alice told"
        in (room.notes(ref))
    )
    view = room.view(ref)
    assert view["retrospective"]["breached"] is True
    with room.wr.db.read.connect() as conn:
        [row] = list_incidents(conn, IncidentFilter())["data"]
    assert row["retrospective_breached"] is True
    assert row["retrospective_due_at"] == TUESDAY_CLOSE

    room.clock.advance(hours=1)
    room.do(RecordRetrospective(ref=ref, by="alice"))
    retro = room.view(ref)["retrospective"]
    assert retro["held_at"] == room.clock.now()
    assert retro["breached"] is True  # the breach stays on the record
    assert "Retrospective held (recorded by alice), 1h00m after its deadline" in room.entries(ref)
    with room.wr.db.read.connect() as conn:
        [row] = list_incidents(conn, IncidentFilter())["data"]
    assert row["retrospective_due_at"] is None


def test_holding_it_in_time_stops_the_clock(berlin: Room) -> None:
    room = berlin
    ref = mitigated_sev1(room)
    room.at(datetime(2026, 12, 28, 10, 0, tzinfo=UTC))
    room.do(RecordRetrospective(ref=ref, by="alice"))
    assert not any(":retrospective:" in k for k in room.timers(ref))
    room.at(TUESDAY_CLOSE)
    assert room.view(ref)["retrospective"]["breached"] is False
    assert not any("missed" in n for n in room.notes(ref))
    with pytest.raises(RuleViolation, match="already held"):
        room.do(RecordRetrospective(ref=ref, by="alice"))


def test_a_relapse_cancels_the_deadline_and_the_next_mitigation_sets_a_new_one(
    berlin: Room,
) -> None:
    room = berlin
    ref = mitigated_sev1(room)
    room.clock.advance(hours=1)
    room.stage(ref, "investigating")
    assert not any(":retrospective:" in k for k in room.timers(ref))
    assert room.view(ref)["retrospective"] is None
    room.at(datetime(2026, 12, 29, 9, 0, tzinfo=UTC))  # Tuesday 10:00 CET
    room.stage(ref, "mitigated")
    assert room.view(ref)["retrospective"]["due_at"] == datetime(2026, 12, 30, 16, 0, tzinfo=UTC)


def test_the_retrospective_cannot_precede_mitigation(berlin: Room) -> None:
    ref = berlin.declare("sev2")
    with pytest.raises(RuleViolation) as err:
        berlin.do(RecordRetrospective(ref=ref, by="alice"))
    assert err.value.rule == "retrospective.too_early"


def test_lower_severity_gets_two_working_days(berlin: Room) -> None:
    ref = berlin.declare("sev3")
    berlin.stage(ref, "mitigated")
    # Friday → Tue 29 (1), Wed 30 (2): the holiday and the weekend do not count.
    assert berlin.view(ref)["retrospective"]["due_at"] == datetime(2026, 12, 30, 16, 0, tzinfo=UTC)


def test_incident_response_preset_next_working_day(database_url: str, clock: ManualClock) -> None:
    clock.set(FRIDAY)
    wr = make_warroom(database_url, clock, "incident-response")  # UTC calendar, no holidays
    try:
        room = Room(wr, clock)
        ref = room.declare("sev2")
        room.stage(ref, "mitigated")
        assert room.view(ref)["retrospective"]["due_at"] == datetime(
            2026, 12, 28, 17, 0, tzinfo=UTC
        )
    finally:
        wr.close()


# -- follow-ups ------------------------------------------------------------------------------


def add_followup(room: Room, ref: str, owner: str | None, due: date) -> None:
    room.do(
        c.AddFollowUp(
            ref=ref,
            title="Add a second identity provider",
            kind=FollowUpKind.DURABLE_FIX,
            by="alice",
            owner=owner,
            due=due,
        )
    )


def test_follow_up_owner_reminded_at_the_start_of_their_day(room_utc: Room) -> None:
    room = room_utc
    room.people(Person(handle="bob", timezone="America/New_York", waking_start=time(7, 30)))
    ref = room.declare("sev3")
    add_followup(room, ref, "bob", date(2026, 11, 25))
    # 07:30 EST on 25 Nov is 12:30 UTC.
    assert room.timers(ref)[f"{ref}:followup:1"] == datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
    room.at(datetime(2026, 11, 25, 12, 29, tzinfo=UTC))
    assert ("bob", f"{ref}: follow-up #1 due today") not in room.sent()
    room.at(datetime(2026, 11, 25, 12, 30, tzinfo=UTC))
    assert ("bob", f"{ref}: follow-up #1 due today") in room.sent()
    assert (
        "Follow-up #1 due 2026-11-25: Add a second identity provider; reminded bob"
        in room.notes(ref)
    )
    assert room.view(ref)["followups"][0]["overdue"] is False
    room.at(datetime(2026, 11, 26, 0, 0, tzinfo=UTC))
    view = room.view(ref)
    assert view["followups"][0]["overdue"] is True
    assert view["followups_overdue"] == [1]


def test_closing_a_follow_up_cancels_its_reminder(room_utc: Room) -> None:
    room = room_utc
    ref = room.declare("sev3")
    room.role(ref, "commander", "alice")
    add_followup(room, ref, None, date(2026, 11, 25))  # no owner: the commander
    add_followup(room, ref, "carol", date(2026, 11, 25))
    room.do(c.CloseFollowUp(ref=ref, number=2, status=FollowUpStatus.DONE, by="carol"))
    room.at(datetime(2026, 11, 27, tzinfo=UTC))
    assert ("alice", f"{ref}: follow-up #1 due today") in room.sent()
    assert not any(dest == "carol" for dest, _ in room.sent())
    assert room.view(ref)["followups_overdue"] == [1]


@pytest.fixture
def room_utc(wr: Warroom, clock: ManualClock) -> Room:
    return Room(wr, clock)


# -- the retrospective deadline of other severities and presets -------------------------------

UTC_FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a weekend follows


def check_retrospective_deadline(room: Room, ref: str, commander: str, within: str) -> None:
    """Mitigated on UTC_FRIDAY: due at 17:00 UTC of the `within`-th weekday after it,
    reminded at 09:00 that day, missed at 17:00; each said once."""
    span = working_days(within)
    due_day = nth_weekday_after(UTC_FRIDAY.date(), span)
    due = datetime.combine(due_day, time(17, 0), UTC)
    remind = datetime.combine(due_day, time(9, 0), UTC)
    assert (due - UTC_FRIDAY).days >= span + 2  # the weekend is in the span, and skipped
    shown = due.strftime("%a %d %b %H:%M UTC")

    def retro_notes() -> list[str]:
        return [n for n in room.notes(ref) if n.startswith("Retrospective")]

    def mails(subject: str) -> int:
        return room.sent().count((commander, f"{ref}: {subject}"))

    assert retro_notes() == [f"Retrospective due by {shown} ({within} after mitigation)"]
    retro = room.view(ref)["retrospective"]
    assert (retro["due_at"], retro["breached"], retro["within"]) == (due, False, within)
    assert room.timers(ref)[f"{ref}:retrospective:remind"] == remind

    room.at(remind - timedelta(minutes=1))
    assert len(retro_notes()) == 1
    assert mails(f"retrospective due {shown}") == 0
    room.at(remind)
    assert retro_notes()[1:] == [f"Retrospective due by {shown}: commander {commander} reminded"]
    assert mails(f"retrospective due {shown}") == 1

    room.at(due - timedelta(minutes=1))
    assert len(retro_notes()) == 2
    assert room.view(ref)["retrospective"]["breached"] is False
    assert mails("retrospective deadline missed") == 0
    room.at(due)
    assert retro_notes()[2:] == [
        f"Retrospective deadline missed: it was due by {shown}; commander {commander} told"
    ]
    assert room.view(ref)["retrospective"]["breached"] is True
    assert mails("retrospective deadline missed") == 1

    room.at(due + timedelta(days=3))
    assert len(retro_notes()) == 3
    assert mails(f"retrospective due {shown}") == 1
    assert mails("retrospective deadline missed") == 1


def working_days(within: str) -> int:
    """The number of working days in a policy's 'Nwd'."""
    assert within.endswith("wd"), within
    return int(within.removesuffix("wd"))


def test_sev4_retrospective_working_days_across_a_weekend(room_utc: Room) -> None:
    room = room_utc
    within = str(policy_span("standard", "sev4", "retrospective_within"))
    room.clock.set(UTC_FRIDAY)
    ref = room.declare("sev4")
    room.role(ref, "commander", "alice")
    room.stage(ref, "mitigated")
    check_retrospective_deadline(room, ref, "alice", within)


def test_urgent_incident_preset_retrospective_deadline(
    database_url: str, clock: ManualClock
) -> None:
    within = str(policy_span("urgent-incident", "urgent", "retrospective_within"))
    clock.set(UTC_FRIDAY)
    # The preset's checklist deadlines are left out: they would add reminders of their own.
    wr = make_warroom(database_url, clock, without_checklists(load_policy("urgent-incident")))
    try:
        room = Room(wr, clock)
        ref = room.declare("urgent")
        room.role(ref, "commander", "ivan")
        room.stage(ref, "mitigated")
        check_retrospective_deadline(room, ref, "ivan", within)
    finally:
        wr.close()

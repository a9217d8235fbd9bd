"""Retrospective invitations through the outbox to a real SMTP server, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message

import pytest
from icalendar import Calendar

from tests.fakes import ManualClock
from tests.support.smtp import SmtpServer
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands as c
from warroom.domain import postmortem_commands as pc
from warroom.domain.directory import Person
from warroom.domain.enums import RoleName, Stage
from warroom.domain.errors import RuleViolation
from warroom.service_layer.worker import WorkerConfig

PEOPLE = {"alice": "alice@example.test", "bob": "bob@example.test"}
STARTS = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
MOVED = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


@pytest.fixture
def mailing(database_url: str, clock: ManualClock, smtp: SmtpServer) -> Iterator[Warroom]:
    settings = Settings(
        database_url=database_url,
        dev=True,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="warroom@example.test",
        public_url="https://warroom.example.test",
    )
    app = bootstrap(settings, clock=clock, migrate=False)
    yield app
    app.close()


def mitigated_incident(wr: Warroom) -> str:
    with wr.bus.uow_factory() as uow:
        for handle, email in PEOPLE.items():
            uow.directory.add(Person(handle=handle, name=handle.title(), email=email))
        uow.commit()
    ref: str = wr.bus.handle(
        c.DeclareIncident(
            title="Logging in is broken for all users",
            severity="sev3",
            by="alice",
            summary="Logins failed after a deploy.",
            force=True,
        )
    )["ref"]
    wr.bus.handle(c.AssignRole(ref=ref, role=RoleName.COMMANDER, person="alice", by="alice"))
    wr.bus.handle(c.AssignRole(ref=ref, role=RoleName.WORKER, person="bob", by="alice"))
    wr.bus.handle(c.AssignRole(ref=ref, role=RoleName.OBSERVER, person="nomail", by="alice"))
    wr.bus.handle(c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="alice"))
    return ref


def deliver(wr: Warroom) -> None:
    worker = wr.make_worker(WorkerConfig(), "w")
    while worker.tick():
        pass


def invitations(smtp: SmtpServer) -> list[tuple[Message, Calendar]]:
    found = []
    for mail in smtp.inbox.messages:
        for part in mail.walk():
            if part.get_content_type() == "text/calendar":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                found.append((mail, Calendar.from_ical(payload)))
    return found


def test_participants_get_a_calendar_request_and_a_move_updates_the_same_event(
    mailing: Warroom, smtp: SmtpServer
) -> None:
    wr = mailing
    ref = mitigated_incident(wr)
    wr.bus.handle(
        pc.ScheduleRetrospective(
            ref=ref, by="alice", starts_at=STARTS, location="Room 4", url="https://meet.test/r"
        )
    )
    deliver(wr)
    sent = invitations(smtp)
    assert sorted(mail["To"] for mail, _ in sent) == sorted(PEOPLE.values())
    uids = set()
    for mail, cal in sent:
        assert str(cal["METHOD"]) == "REQUEST"
        [event] = cal.walk("VEVENT")
        assert event.decoded("DTSTART") == STARTS
        assert event.decoded("DTEND") == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
        assert int(str(event["SEQUENCE"])) == 0
        attendees = sorted(str(a) for a in event.get("ATTENDEE"))
        assert attendees == sorted(f"mailto:{e}" for e in PEOPLE.values())
        assert str(event["LOCATION"]) == "Room 4"
        description = str(event["DESCRIPTION"])
        assert "Logins failed after a deploy." in description and "5. Questions" in description
        assert mail["Subject"].startswith(f"Retrospective {ref}:")
        uids.add(str(event["UID"]))
    assert uids == {f"retrospective-{ref.lower()}@warroom.example.test"}

    # The person with no address is still told, on the log channel of the outbox.
    with wr.bus.uow_factory() as uow:
        incident = uow.incidents.get(ref)
        assert incident.retro_meeting is not None
        assert incident.retro_meeting.participants == ["alice", "bob", "nomail"]
        mark = incident.checklist_mark("schedule-retrospective")
        assert mark is not None and mark.auto_event == "RetrospectiveScheduled"

    smtp.inbox.messages.clear()
    wr.bus.handle(pc.ScheduleRetrospective(ref=ref, by="alice", starts_at=MOVED))
    deliver(wr)
    moved = invitations(smtp)
    assert len(moved) == 2
    for mail, cal in moved:
        [event] = cal.walk("VEVENT")
        assert str(event["UID"]) in uids
        assert int(str(event["SEQUENCE"])) == 1
        assert event.decoded("DTSTART") == MOVED
        assert mail["Subject"].startswith("Moved: ")


def test_a_meeting_after_the_deadline_needs_force_and_a_reason(mailing: Warroom) -> None:
    wr = mailing
    ref = mitigated_incident(wr)
    late = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # sev3: due by Wed 25 Nov 17:00 UTC
    with pytest.raises(RuleViolation) as refused:
        wr.bus.handle(pc.ScheduleRetrospective(ref=ref, by="alice", starts_at=late))
    assert refused.value.rule == "retrospective.deadline"
    wr.bus.handle(
        pc.ScheduleRetrospective(
            ref=ref, by="alice", starts_at=late, force=True, reason="public holiday"
        )
    )
    with wr.bus.uow_factory() as uow:
        meeting = uow.incidents.get(ref).retro_meeting
        assert meeting is not None and meeting.forced_reason == "public holiday"
        assert meeting.starts_at == late

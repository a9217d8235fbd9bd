"""Checklists and customers on SQLite and PostgreSQL: storage, deadline reminders, migration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import inspect, select

from tests.fakes import ManualClock
from tests.support.policies import without_clocks
from tests.support.smtp import SmtpServer
from warroom.adapters import db as database
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import checklist_commands as cc
from warroom.domain import commands as c
from warroom.domain.checklists import ChecklistStatus
from warroom.domain.customers import ContactMethod, ContactOutcome, ReportChannel, Verification
from warroom.domain.directory import Person
from warroom.domain.enums import RoleName, Stage
from warroom.domain.policy import Policy
from warroom.service_layer.checklist_view import checklist_view
from warroom.service_layer.views import load_incident
from warroom.service_layer.worker import WorkerConfig

DEADLINED = {"incident-channel", "pin-summary", "notify-owning-team", "announce-incident"}


@pytest.fixture
def policy(standard: Policy) -> Policy:
    """Checklist rules only: update cadences would add reminders of their own."""
    return without_clocks(standard)


def declare(wr: Warroom, severity: str = "sev2") -> str:
    result = wr.bus.handle(
        c.DeclareIncident(title="Logging in is broken", severity=severity, by="dora", force=True)
    )
    return str(result["ref"])


def checklist_timers(wr: Warroom) -> dict[str, datetime]:
    with wr.bus.uow_factory() as uow:
        return {
            key.rsplit(":", 1)[1]: due
            for key, kind, due in uow.timers.pending("INC-1:checklist:")
            if kind == "checklist.overdue"
        }


def outbound(wr: Warroom) -> list[tuple[str, str, str]]:
    with wr.db.read.connect() as conn:
        rows = conn.execute(
            select(outbox.c.channel, outbox.c.destination, outbox.c.subject).order_by(outbox.c.id)
        )
        return [(r.channel, r.destination, r.subject) for r in rows]


def test_marks_arrivals_and_customers_round_trip(wr: Warroom, clock: ManualClock) -> None:
    ref = declare(wr)
    when = clock.now() + timedelta(minutes=2)
    clock.advance(minutes=10)
    wr.bus.handle(cc.CheckItem(ref=ref, item="ask-worker-help", by="alice", occurred_at=when))
    wr.bus.handle(cc.SkipItem(ref=ref, item="pin-summary", reason="no chat yet", by="alice"))
    wr.bus.handle(c.AssignRole(ref=ref, role=RoleName.WORKER, person="bob", by="alice"))
    wr.bus.handle(c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="alice"))
    wr.bus.handle(
        cc.AddCustomer(
            ref=ref,
            name="Acme",
            contact="ops@acme.test",
            tier="gold",
            by="lee",
            reported_via=ReportChannel.SUPPORT_TICKET,
        )
    )
    wr.bus.handle(
        cc.LogCustomerContact(
            ref=ref,
            number=1,
            method=ContactMethod.PHONE,
            outcome=ContactOutcome.REACHED,
            by="lee",
            note="they see 500s",
            answers=(("When did customers first notice?", "9:05"),),
        )
    )
    wr.bus.handle(
        cc.SetCustomerVerification(ref=ref, number=1, status=Verification.CONFIRMED, by="lee")
    )
    with wr.read_session() as session:
        incident = load_incident(session, ref)
        marks = {m.item_id: m for m in incident.checklist}
        assert marks["ask-worker-help"].status is ChecklistStatus.DONE
        assert marks["ask-worker-help"].at == when
        assert marks["pin-summary"].status is ChecklistStatus.SKIPPED
        assert marks["pin-summary"].reason == "no chat yet"
        assert marks["engage-worker"].auto_event == "RoleAssigned"
        assert marks["check-declared"].auto_event == "IncidentDeclared"
        arrivals = {a.stage: a.reached_at for a in incident.stage_arrivals}
        assert set(arrivals) == {
            Stage.INVESTIGATING,
            Stage.IDENTIFIED,
            Stage.RESTORING,
            Stage.MONITORING,
            Stage.MITIGATED,
        }
        assert arrivals[Stage.MITIGATED] == clock.now()
        [customer] = incident.customers
        assert (customer.name, customer.tier, customer.reported_via) == (
            "Acme",
            "gold",
            ReportChannel.SUPPORT_TICKET,
        )
        assert customer.verification is Verification.CONFIRMED
        assert customer.contacts[0].answers == [
            {"question": "When did customers first notice?", "answer": "9:05"}
        ]
        view = checklist_view(incident, wr.policy, clock.now())
    assert view["counts"]["skipped"] == 1
    wr.bus.handle(c.ChangeStage(ref=ref, stage=Stage.INVESTIGATING, by="alice"))
    with wr.read_session() as session:
        incident = load_incident(session, ref)
        assert [a.stage for a in incident.stage_arrivals] == [Stage.INVESTIGATING]


@pytest.fixture
def mailing(
    database_url: str, clock: ManualClock, smtp: SmtpServer, policy: Policy
) -> Iterator[Warroom]:
    wr = bootstrap(
        Settings(
            database_url=database_url,
            dev=True,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_from="warroom@example.test",
        ),
        clock=clock,
        policy=policy,
        migrate=False,
    )
    yield wr
    wr.close()


def test_overdue_items_remind_their_owner_once_when_the_clock_moves(
    mailing: Warroom, clock: ManualClock, smtp: SmtpServer
) -> None:
    wr = mailing
    with wr.bus.uow_factory() as uow:
        uow.directory.add(Person(handle="alice", email="alice@example.test"))
        uow.commit()
    ref = declare(wr)
    declared = clock.now()
    assert checklist_timers(wr) == dict.fromkeys(DEADLINED, declared + timedelta(minutes=15))
    wr.bus.handle(c.AssignRole(ref=ref, role=RoleName.COMMANDER, person="alice", by="dora"))
    wr.bus.handle(cc.CheckItem(ref=ref, item="pin-summary", by="alice"))
    assert set(checklist_timers(wr)) == DEADLINED - {"pin-summary"}
    worker = wr.make_worker(WorkerConfig(), "w1")
    clock.advance(minutes=14)
    worker.tick()
    assert outbound(wr) == []
    clock.advance(minutes=2)
    assert worker.fire_due_timers() == 3
    assert worker.deliver() == 3
    subjects = sorted(" ".join(m["Subject"].split()) for m in smtp.inbox.messages)
    assert subjects == [
        "[INC-1] Overdue: Announce the newly declared incident in the incidents channel "
        "(#new-incidents, #tech-outage).",
        "[INC-1] Overdue: Create a dedicated incident channel "
        "(inc-dd-mm-yy-functionality-state-audience) and invite all that are needed to help.",
        "[INC-1] Overdue: Notify the team that owns the impacted functionality; high severity "
        "incidents should always default to paging.",
    ]
    assert {m["To"] for m in smtp.inbox.messages} == {"alice@example.test"}
    body = smtp.inbox.messages[0].get_payload()
    assert "warroom check INC-1" in body and "is still open" in body
    # Nothing is sent twice: not on the next tick, nor when a stage change re-syncs deadlines.
    clock.advance(minutes=30)
    wr.bus.handle(c.ChangeStage(ref=ref, stage=Stage.IDENTIFIED, by="alice"))
    worker.tick()
    assert len(outbound(wr)) == 3
    assert checklist_timers(wr) == {}
    with wr.read_session() as session:
        view = checklist_view(load_incident(session, ref), wr.policy, clock.now())
    overdue = {i["id"] for i in view["items"] if i["overdue"]}
    assert overdue == DEADLINED - {"pin-summary"}
    assert all(i["reminded_at"] is not None for i in view["items"] if i["id"] in overdue)


def test_without_an_owner_or_commander_the_declarer_is_reminded(
    wr: Warroom, clock: ManualClock
) -> None:
    declare(wr, "sev1")
    clock.advance(minutes=6)
    wr.make_worker(WorkerConfig(), "w1").fire_due_timers()
    assert outbound(wr) == [
        ("log", "dora", "[INC-1] Overdue: Page the Incident Commander for immediate engagement."),
        (
            "log",
            "dora",
            "[INC-1] Overdue: Page the CAPCOM (communications manager) for immediate engagement.",
        ),
    ]


def test_a_waking_hours_severity_waits_for_the_owner_to_wake_up(
    wr: Warroom, clock: ManualClock
) -> None:
    with wr.bus.uow_factory() as uow:
        # 09:45 UTC is 22:45 in Auckland in November: past alice's waking hours.
        uow.directory.add(
            Person(handle="alice", timezone="Pacific/Auckland", waking_end=time(22, 0))
        )
        uow.commit()
    ref = declare(wr, "sev2")  # sev2 pages in waking hours only
    wr.bus.handle(c.AssignRole(ref=ref, role=RoleName.COMMANDER, person="alice", by="dora"))
    worker = wr.make_worker(WorkerConfig(), "w1")
    clock.advance(minutes=16)
    worker.fire_due_timers()
    assert outbound(wr) == []
    wake = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)  # 08:00 on the 24th in Auckland
    assert set(checklist_timers(wr).values()) == {wake}
    clock.set(wake)
    assert worker.fire_due_timers() == 4
    assert {d for _, d, _ in outbound(wr)} == {"alice"}


def test_closing_cancels_the_checklist_timers(wr: Warroom, clock: ManualClock) -> None:
    ref = declare(wr, "sev4")
    assert set(checklist_timers(wr)) == DEADLINED
    for stage in (Stage.RESOLVED, Stage.CLOSED):
        wr.bus.handle(c.ChangeStage(ref=ref, stage=stage, by="alice"))
    assert checklist_timers(wr) == {}


def test_the_checklist_migration_goes_down_and_up(database_url: str) -> None:
    db = database.open_database(database_url)
    tables = {
        "checklist_marks",
        "checklist_stage_arrivals",
        "affected_customers",
        "customer_contacts",
    }
    try:
        database.downgrade(db, "0003_directory")
        assert not tables & set(inspect(db.write).get_table_names())
        database.upgrade(db, "head")
        assert tables <= set(inspect(db.write).get_table_names())
    finally:
        db.dispose()

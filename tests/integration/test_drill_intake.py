"""A drill's scripted events through the real intake paths, on both databases: its alerts
become alert rows (deduplicated, grouped onto the drill, paging nobody), its customer
reports affected customers, and every message it causes says [DRILL]."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from tests.support.clocks import Room
from tests.support.policies import without_checklists
from warroom.adapters.orm.alerts import alerts, integrations
from warroom.adapters.orm.background import outbox
from warroom.adapters.orm.checklists import affected_customers
from warroom.adapters.orm.oncall import pages
from warroom.domain.checklist_commands import SetCustomerVerification
from warroom.domain.customers import ReportChannel, Verification
from warroom.domain.directory import Service, Team
from warroom.domain.drill_commands import StartDrill
from warroom.domain.drills import DrillEvent, DrillEventKind, DrillScenario
from warroom.domain.errors import RuleViolation
from warroom.domain.integrations import IntegrationKind
from warroom.domain.oncall_commands import CreateIntegration
from warroom.domain.policy import Policy

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LABELS = {"alertname": "LoginErrorRate", "severity": "critical"}


def scenario() -> DrillScenario:
    def alert(minutes: int) -> DrillEvent:
        return DrillEvent(
            at=timedelta(minutes=minutes),
            kind=DrillEventKind.ALERT,
            text="login: HTTP 5xx above 20%",
            service="login",
            labels=LABELS,
        )

    return DrillScenario(
        name="intake",
        title="Logging in is broken",
        severity="sev3",
        services=("login",),
        events=(
            alert(0),
            alert(2),  # the same alert firing again: deduplicated
            DrillEvent(
                at=timedelta(minutes=3),
                kind=DrillEventKind.CUSTOMER_REPORT,
                customer="Acme Corp",
                contact="ops@acme.example",
                reported_via=ReportChannel.PHONE,
                text="Nobody can log in.",
            ),
        ),
    )


def test_drill_alerts_and_reports_take_the_real_paths(database_url: str, standard: Policy) -> None:
    clock = ManualClock(START)
    room = Room(make_warroom(database_url, clock, without_checklists(standard)), clock)
    try:
        _real_paths(room)
    finally:
        room.wr.close()


def _real_paths(room: Room) -> None:
    with room.wr.bus.uow_factory() as uow:
        # A real alert of this service would page the team.
        uow.directory.add(Team(name="auth", members=["tess"]))
        uow.directory.add(Service(name="login", team="auth", smes=["tess"]))
        uow.commit()
    ref = room.do(StartDrill(scenario=scenario(), by="alice"))["ref"]
    other = room.do(StartDrill(scenario=scenario(), by="bob"))["ref"]
    room.tick()
    room.at(START + timedelta(minutes=2))
    room.at(START + timedelta(minutes=3))

    with room.wr.db.read.connect() as conn:
        rows = conn.execute(
            select(alerts, integrations.c.name.label("integration"))
            .join(integrations, integrations.c.id == alerts.c.integration_id)
            .order_by(alerts.c.incident_id)  # both drills fire at once: either may go first
        ).all()
        # The declaration pages the owning team (that is the process being practised,
        # and its page says [DRILL]); an alert of a drill pages nobody.
        alert_pages = conn.execute(
            select(func.count()).select_from(pages).where(pages.c.alert_id.is_not(None))
        ).scalar_one()
        customers = conn.execute(
            select(affected_customers.c.name, affected_customers.c.reported_via).where(
                affected_customers.c.incident_id == int(ref.removeprefix("INC-"))
            )
        ).all()
        messages = conn.execute(
            select(outbox.c.destination, outbox.c.subject, outbox.c.body, outbox.c.payload)
        ).all()
    # One alert per drill (the repeat counted, not duplicated), each on its own drill.
    assert [(r.integration, r.incident_id, r.count, r.status) for r in rows] == [
        ("drill", int(ref.removeprefix("INC-")), 2, "firing"),
        ("drill", int(other.removeprefix("INC-")), 2, "firing"),
    ]
    assert rows[0].labels == {**LABELS, "drill": ref, "service": "login"}
    assert rows[0].fingerprint != rows[1].fingerprint
    assert rows[0].service == "login" and rows[0].action == "page"
    assert alert_pages == 0  # the rule would page; a drill's alert pages nobody
    entries = room.entries(ref)
    assert (
        "Alert firing: login: HTTP 5xx above 20% [drill: a real alert would page the "
        "service's escalation policy; nobody paged]"
    ) in entries
    assert "Alert firing again: login: HTTP 5xx above 20% (repeat)" in entries
    assert [tuple(c) for c in customers] == [("Acme Corp", "phone")]
    assert "Customer #1 reported via phone: Nobody can log in." in entries

    assert messages, "the drills sent nothing"
    for m in messages:
        assert m.subject == "" or m.subject.startswith("[DRILL] "), m
        assert m.body.startswith("[DRILL] "), m

    # The drill over, its alert resolves (the other drill's keeps firing).
    room.do(
        SetCustomerVerification(
            ref=ref, number=1, status=Verification.CONFIRMED, by="alice", note="works"
        )
    )
    room.stage(ref, "mitigated")
    room.stage(ref, "resolved")
    with room.wr.db.read.connect() as conn:
        states = (
            conn.execute(
                select(alerts.c.status).order_by(alerts.c.incident_id)  # either alert may be older
            )
            .scalars()
            .all()
        )
    assert states == ["resolved", "firing"]
    assert "Alert resolved: login: HTTP 5xx above 20%" in room.entries(ref)


def test_the_drill_integration_name_is_reserved(database_url: str, standard: Policy) -> None:
    clock = ManualClock(START)
    wr = make_warroom(database_url, clock, standard)
    try:
        with pytest.raises(RuleViolation, match="reserved for the alerts of drills"):
            wr.bus.handle(
                CreateIntegration(name="drill", kind=IntegrationKind.ALERTMANAGER, by="root")
            )
    finally:
        wr.close()

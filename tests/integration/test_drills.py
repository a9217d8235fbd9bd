"""A whole drill on the manual clock, on both databases: scripted events at their offsets,
[DRILL] on every message, an unreachable SME, a restart mid-drill, and the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from tests.support.clocks import Room
from tests.support.policies import without_checklists
from warroom import metrics_queries, status_queries
from warroom.adapters.drill_file import load_scenario
from warroom.adapters.orm.background import outbox
from warroom.adapters.orm.incidents import incidents, timeline_entries
from warroom.domain import commands as c
from warroom.domain.access import AccessRole, Principal
from warroom.domain.drill_commands import StartDrill
from warroom.domain.enums import Audience, Stage, Visibility
from warroom.domain.errors import InvalidInput
from warroom.domain.policy import Policy
from warroom.service_layer.drill_report import drill_report

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday


def messages(room: Room, ref: str) -> list[Any]:
    number = int(ref.removeprefix("INC-"))
    with room.wr.db.read.connect() as conn:
        return list(
            conn.execute(
                select(
                    outbox.c.destination,
                    outbox.c.subject,
                    outbox.c.body,
                    outbox.c.status,
                    outbox.c.last_error,
                )
                .where(outbox.c.incident_id == number)
                .order_by(outbox.c.id)
            )
        )


def report(room: Room, ref: str) -> dict[str, Any]:
    with room.wr.read_session() as session:
        return drill_report(session, ref, room.wr.policy, room.clock.now())


def at(room: Room, minutes: float) -> None:
    room.at(START + timedelta(minutes=minutes))


def test_login_outage_drill_from_start_to_report(database_url: str, standard: Policy) -> None:
    policy = without_checklists(standard)
    clock = ManualClock(START)
    room = Room(make_warroom(database_url, clock, policy), clock)
    room.service("login", ["sam", "tess", "uma"])
    scenario = load_scenario("login-outage").to_domain()
    ref = room.do(StartDrill(scenario=scenario, by="alice"))["ref"]
    room.tick()  # the 0m events: sam unreachable, the alert
    entries = room.entries(ref)
    assert any(e.startswith("Drill: sam is unreachable") for e in entries)
    assert any(e.startswith("Alert firing: login: HTTP 5xx above 20%") for e in entries), entries
    room.role(ref, "commander", "alice")
    room.role(ref, "communications", "carl")

    # The process restarts: the scripted events are timers in the database, not memory.
    room.wr.close()
    room = Room(make_warroom(database_url, clock, policy), clock)

    at(room, 4)
    assert any(e.startswith("Customer #1 reported via phone") for e in room.entries(ref))
    at(room, 10)
    assert "Drill hint: Who is the SME for login" in room.entries(ref)[-1]
    room.do(c.PostUpdate(ref=ref, audience=Audience.INTERNAL, text="Investigating", by="carl"))
    at(room, 15)  # not identified in 15m: the SME cycle brings in sam, who cannot be reached
    at(room, 20)
    room.do(c.PostUpdate(ref=ref, audience=Audience.CUSTOMERS, text="Logins fail", by="carl"))
    at(room, 25)
    room.stage(ref, "identified")
    at(room, 38)
    room.do(c.PostUpdate(ref=ref, audience=Audience.INTERNAL, text="Rolling back", by="carl"))
    at(room, 45)
    room.stage(ref, "mitigated")
    at(room, 50)

    sent = messages(room, ref)
    assert sent, "the drill sent nothing"
    for m in sent:
        assert m.subject == "" or m.subject.startswith("[DRILL] "), m
        assert m.body.startswith("[DRILL] "), m
    to_sam = [m for m in sent if m.destination == "sam"]
    assert to_sam and all(
        (m.status, m.last_error) == ("dead", "drill: sam is unreachable") for m in to_sam
    )
    hint = [m for m in sent if m.subject == f"[DRILL] {ref}: drill hint"]
    assert [m.destination for m in hint] == ["alice", "alice", "alice"]

    r = report(room, ref)
    assert r["scenario"] == "Login outage with an unreachable SME"
    assert [e["event"] for e in r["events"]["injected"]] == [
        "sme_unreachable",
        "alert",
        "customer_report",
        "customer_report",
        "hint",
        "note",
        "hint",
        "hint",
    ]
    assert r["events"]["pending"] == 0
    assert r["unreachable"] == ["sam"]
    assert r["sme_cycle"]["brought_in"] == ["sam"]  # identified at 25m, before the 30m cycle
    checks = {ch["check"]: ch for ch in r["checks"]}
    assert checks["internal updates every 30m"]["passed"] is True
    assert checks["customers updates every 1h"]["passed"] is True
    identify = checks["identified within 15m (else the SME cycle runs)"]
    assert identify["passed"] is False
    assert identify["detail"] == "identified after 25m; SME cycle brought in sam"
    assert r["times"]["mitigate_seconds"] == 45 * 60
    assert checks["required roles filled, no role rule broken"]["passed"] is True
    assert "| identified within 15m (else the SME cycle runs) | FAIL |" in r["markdown"]

    # Off the status page (even a drill declared public) and out of the metrics.
    public = room.declare("sev1", visibility=Visibility.PUBLIC, drill=True)
    with room.wr.db.read.connect() as conn:
        shown = {i["ref"] for i in status_queries.public_incidents(conn)}
        assert ref not in shown and public not in shown
        result = metrics_queries.compute(
            conn,
            metrics_queries.MetricsFilter(),
            policy=policy,
            now=clock.now(),
            viewer=Principal(name="root", role=AccessRole.ADMIN),
        )
    assert result["incidents"]["total"] == 0
    room.wr.close()


def test_events_of_a_closed_drill_are_not_injected(database_url: str, standard: Policy) -> None:
    policy = without_checklists(standard)
    clock = ManualClock(START)
    room = Room(make_warroom(database_url, clock, policy), clock)
    scenario = load_scenario("payments-degraded").to_domain()
    ref = room.do(StartDrill(scenario=scenario, by="alice"))["ref"]
    room.tick()
    assert [e["event"] for e in report(room, ref)["events"]["injected"]] == ["alert"]
    with room.wr.bus.uow_factory() as uow:
        incident = uow.incidents.get(ref)
        incident.stage = Stage.CLOSED  # as if the team closed it early
        uow.commit()
    at(room, 60)
    events = report(room, ref)["events"]
    assert [e["event"] for e in events["injected"]] == ["alert"]  # nothing after closing
    assert events["pending"] == 0
    room.wr.close()


def test_a_real_alert_does_not_join_a_drill(database_url: str, standard: Policy) -> None:
    """The intake's 'attach to the open incident of the service' skips drills."""
    clock = ManualClock(START)
    wr = make_warroom(database_url, clock, without_checklists(standard))
    room = Room(wr, clock)
    ref = room.do(StartDrill(scenario=load_scenario("login-outage").to_domain(), by="alice"))["ref"]
    with wr.bus.uow_factory() as uow:
        assert uow.alerts.open_incident_for_service("login") is None
    real = room.declare("sev2", services=("login",))
    with wr.bus.uow_factory() as uow:
        assert uow.alerts.open_incident_for_service("login") == real
    assert real != ref
    wr.close()


def injected_times(room: Room, ref: str) -> dict[int, datetime]:
    """Scripted event index → the true time its timeline entry carries."""
    number = int(ref.removeprefix("INC-"))
    t = timeline_entries.c
    with room.wr.db.read.connect() as conn:
        rows = conn.execute(
            select(t.occurred_at, t.data).where(t.incident_id == number).order_by(t.id)
        ).all()
    return {
        int(r.data["index"]): r.occurred_at for r in rows if (r.data or {}).get("index") is not None
    }


def test_a_drill_recorded_after_the_fact_keeps_its_times(
    database_url: str, standard: Policy
) -> None:
    policy = without_checklists(standard)
    clock = ManualClock(START)
    room = Room(make_warroom(database_url, clock, policy), clock)
    room.service("login", ["sam", "tess", "uma"])
    scenario = load_scenario("login-outage").to_domain()
    began = START - timedelta(hours=2)
    result = room.do(StartDrill(scenario=scenario, by="alice", occurred_at=began))
    ref = result["ref"]
    assert datetime.fromisoformat(result["started_at"]) == began
    view = room.view(ref)
    assert view["declared_at"] == began
    room.tick()  # every event is past: all injected at once, each at its scripted time
    times = injected_times(room, ref)
    assert times == {i: began + e.at for i, e in enumerate(scenario.events)}
    assert report(room, ref)["events"]["pending"] == 0
    assert report(room, ref)["started_at"] == began
    room.wr.close()


def test_a_drill_cannot_start_in_the_future(database_url: str, standard: Policy) -> None:
    clock = ManualClock(START)
    room = Room(make_warroom(database_url, clock, without_checklists(standard)), clock)
    scenario = load_scenario("login-outage").to_domain()
    with pytest.raises(InvalidInput) as refused:
        room.do(StartDrill(scenario=scenario, by="alice", occurred_at=START + timedelta(hours=1)))
    assert refused.value.field == "occurred_at"
    with pytest.raises(InvalidInput) as slow:
        room.do(StartDrill(scenario=scenario, by="alice", speed=0))
    assert slow.value.field == "speed"
    with room.wr.db.read.connect() as conn:  # nothing was declared
        assert conn.execute(select(func.count()).select_from(incidents)).scalar_one() == 0
    room.wr.close()


def test_speed_divides_the_offsets(database_url: str, standard: Policy) -> None:
    clock = ManualClock(START)
    room = Room(make_warroom(database_url, clock, without_checklists(standard)), clock)
    room.service("login", ["sam", "tess", "uma"])
    scenario = load_scenario("login-outage").to_domain()
    ref = room.do(StartDrill(scenario=scenario, by="alice", speed=5))["ref"]
    due = {k: v for k, v in room.timers(ref).items() if ":drill:" in k}
    assert due == {f"{ref}:drill:{i}": START + e.at / 5 for i, e in enumerate(scenario.events)}
    at(room, 9)  # the 45m hint, at 5x, comes at 9m
    assert any(e.startswith("Drill hint: Rolling back the deploy") for e in room.entries(ref))
    assert report(room, ref)["events"]["pending"] == 0
    room.wr.close()

"""Repositories, units of work and migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select, text

from tests.fakes import ManualClock
from warroom.adapters import db as database
from warroom.adapters.orm.incidents import incident_services, timeline_entries
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.enums import EntryKind, ExperimentStatus, FollowUpKind, RoleName, Stage
from warroom.domain.errors import GateBlocked, NotFound
from warroom.service_layer.messagebus import IdempotencyKey
from warroom.service_layer.views import load_incident


def _declare(wr: Warroom, **kw: Any) -> str:
    kw.setdefault("severity", "sev2")
    kw.setdefault("force", True)
    kw.setdefault("title", "Logging in is broken")
    ref: str = wr.bus.handle(c.DeclareIncident(by="alice", **kw))["ref"]
    return ref


def test_round_trip_of_the_whole_aggregate(wr: Warroom, clock: ManualClock) -> None:
    ref = _declare(
        wr,
        functionality="logging in",
        state="broken",
        audience="all users",
        services=("auth", "sso"),
        customers_affected=40,
    )
    bus = wr.bus
    bus.handle(c.AssignRole(ref=ref, role=RoleName.COMMANDER, person="alice", by="a"))
    bus.handle(c.AssignRole(ref=ref, role=RoleName.COMMANDER, person="bob", by="a"))
    bus.handle(c.AssignRole(ref=ref, role=RoleName.WORKER, person="emily", by="a"))
    bus.handle(
        c.StartExperiment(
            ref=ref, hypothesis="IdP", action="fail over", by="a", time_box_minutes=15
        )
    )
    bus.handle(
        c.ConcludeExperiment(
            ref=ref, number=1, status=ExperimentStatus.CONFIRMED, result="yes", by="a"
        )
    )
    bus.handle(
        c.AddFollowUp(
            ref=ref,
            title="Second IdP",
            kind=FollowUpKind.DURABLE_FIX,
            by="a",
            owner="carol",
            due=datetime(2026, 12, 1).date(),
        )
    )
    bus.handle(c.AddWhy(ref=ref, text="the IdP is a single point of failure", by="a"))
    bus.handle(c.WritePostmortem(ref=ref, by="a"))
    with wr.read_session() as session:
        inc = load_incident(session, ref)
        assert inc.services == ["auth", "sso"]
        assert [(a.role, a.person, a.active) for a in inc.roles] == [
            (RoleName.COMMANDER, "alice", False),
            (RoleName.COMMANDER, "bob", True),
            (RoleName.WORKER, "emily", True),
        ]
        assert inc.experiments[0].status is ExperimentStatus.CONFIRMED
        assert inc.followups[0].due == datetime(2026, 12, 1).date()
        assert inc.whys[0].text.startswith("the IdP")
        assert inc.postmortem is not None and inc.postmortem.body.startswith("# Postmortem INC-1")
        assert inc.declared_at == clock.now()
        assert inc.declared_at.tzinfo is not None
        rows = session.execute(select(incident_services.c.service).order_by("service")).scalars()
        assert list(rows) == ["auth", "sso"]


def test_times_are_utc_to_the_microsecond(wr: Warroom, clock: ManualClock) -> None:
    when = datetime(2026, 11, 23, 10, 34, 5, 123456, tzinfo=UTC)
    clock.set(when + timedelta(hours=2))
    ref = _declare(wr, occurred_at=when.astimezone(ZoneInfo("America/New_York")))
    with wr.read_session() as session:
        inc = load_incident(session, ref)
    assert inc.declared_at == when
    assert inc.declared_at.utcoffset() == timedelta(0)


def test_editing_services_rewrites_the_index(wr: Warroom) -> None:
    ref = _declare(wr, services=("auth",))
    wr.bus.handle(c.EditIncident(ref=ref, by="a", changes={"services": ["billing", "auth"]}))
    with wr.db.read.connect() as conn:
        rows = conn.execute(select(incident_services.c.service).order_by("service")).scalars()
        assert list(rows) == ["auth", "billing"]


def test_a_refused_command_changes_nothing(wr: Warroom) -> None:
    ref = _declare(wr)
    wr.bus.handle(c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="a"))
    wr.bus.handle(c.AddFollowUp(ref=ref, title="fix", kind=FollowUpKind.DURABLE_FIX, by="a"))
    with wr.db.read.connect() as conn:
        before = conn.execute(select(timeline_entries.c.id)).all()
    with pytest.raises(GateBlocked):
        wr.bus.handle(c.ChangeStage(ref=ref, stage=Stage.RESOLVED, by="a", note="done?"))
    with wr.read_session() as session:
        assert load_incident(session, ref).stage is Stage.MITIGATED
    with wr.db.read.connect() as conn:
        assert conn.execute(select(timeline_entries.c.id)).all() == before


def test_unknown_refs(wr: Warroom) -> None:
    with pytest.raises(NotFound):
        wr.bus.handle(c.AddTimelineEntry(ref="INC-404", kind=EntryKind.NOTE, text="x", by="a"))


def test_numbers_are_unique_under_concurrent_declarations(wr: Warroom) -> None:
    refs: list[str] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for j in range(5):
                refs.append(_declare(wr, title=f"incident {i}-{j}"))
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(refs, key=lambda r: int(r[4:])) == [f"INC-{n}" for n in range(1, 31)]


def test_idempotency_keys_persist_with_the_effect(wr: Warroom) -> None:
    key = IdempotencyKey("emily", "abc", "fp")
    cmd = c.DeclareIncident(title="x", severity="sev2", by="emily")
    first = wr.bus.handle_idempotent(cmd, key)
    wr.bus.save_response(key, 201, '{"ref": "INC-1"}')
    again = wr.bus.handle_idempotent(cmd, key)
    assert again.replayed and again.result == first.result
    assert (again.status_code, again.response) == (201, '{"ref": "INC-1"}')
    with wr.db.read.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incidents")).scalar_one() == 1


def test_migrations_go_down_and_up_again(database_url: str) -> None:
    db = database.open_database(database_url)
    try:
        database.downgrade(db, "base")
        assert set(inspect(db.write).get_table_names()) <= {"alembic_version"}
        database.upgrade(db, "head")
        assert {"incidents", "timeline_entries", "api_tokens"} <= set(
            inspect(db.write).get_table_names()
        )
        with db.write.connect() as conn:
            assert conn.execute(text("SELECT value FROM counters")).scalar_one() == 0
    finally:
        db.dispose()


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    db = database.open_database(sqlite_url)
    try:
        with db.write.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        db.dispose()

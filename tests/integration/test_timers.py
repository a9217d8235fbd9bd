"""Durable timers: keyed scheduling, firing once, retries, leases — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.fakes import ManualClock
from tests.support.timer_effects import HANDLERS, KIND, machinery_policy
from warroom.adapters import background
from warroom.adapters.orm.background import timers
from warroom.adapters.orm.incidents import timeline_entries
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain import commands as c
from warroom.service_layer.worker import Worker, WorkerConfig


@pytest.fixture
def app(database_url: str, clock: ManualClock, standard: object) -> Iterator[Warroom]:
    wr = bootstrap(
        Settings(database_url=database_url, dev=True),
        clock=clock,
        policy=machinery_policy(),
        migrate=False,
        timer_handlers=HANDLERS,
    )
    # sev4 starts no clocks of its own, so the only timers are the ones a test makes.
    wr.bus.handle(c.DeclareIncident(title="Timers", severity="sev4", by="t"))
    yield wr
    wr.close()


def worker(app: Warroom, name: str = "w1", **config: object) -> Worker:
    return app.make_worker(WorkerConfig(lease=timedelta(seconds=30), **config), name)  # type: ignore[arg-type]


def schedule(app: Warroom, key: str, minutes: float, kind: str = KIND, n: int = 0) -> None:
    with app.bus.uow_factory() as uow:
        uow.timers.schedule(
            key,
            kind=kind,
            due_at=app.clock.now() + timedelta(minutes=minutes),
            now=app.clock.now(),
            payload={"n": n},
            incident_ref="INC-1",
        )
        uow.commit()


def notes(app: Warroom) -> list[str]:
    with app.db.read.connect() as conn:
        return list(
            conn.execute(
                select(timeline_entries.c.text)
                .where(timeline_entries.c.author == "timer")
                .order_by(timeline_entries.c.id)
            ).scalars()
        )


def timer_count(app: Warroom) -> int:
    with app.db.read.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(timers)).scalar_one())


def test_a_timer_fires_once_when_due(app: Warroom, clock: ManualClock) -> None:
    schedule(app, "t:1", 5, n=1)
    w = worker(app)
    assert w.tick() == 0
    clock.advance(minutes=5)
    assert w.tick() == 1
    assert notes(app) == ["timer 1"]
    assert timer_count(app) == 0
    assert w.tick() == 0
    assert notes(app) == ["timer 1"]


def test_rescheduling_a_key_replaces_the_timer(app: Warroom, clock: ManualClock) -> None:
    schedule(app, "t:1", 5, n=1)
    schedule(app, "t:1", 30, n=2)
    assert timer_count(app) == 1
    clock.advance(minutes=10)
    assert worker(app).tick() == 0
    clock.advance(minutes=20)
    worker(app).tick()
    assert notes(app) == ["timer 2"]


def test_cancel_by_key_and_prefix(app: Warroom, clock: ManualClock) -> None:
    for key in ("INC-1:cadence:internal", "INC-1:cadence:customers", "INC-10:cadence:internal"):
        schedule(app, key, 1)
    with app.bus.uow_factory() as uow:
        uow.timers.cancel_prefix("INC-1:")
        uow.commit()
    with app.bus.uow_factory() as uow:
        assert [k for k, _, _ in uow.timers.pending()] == ["INC-10:cadence:internal"]


def test_a_handler_that_reschedules_itself_keeps_one_timer(
    app: Warroom, clock: ManualClock
) -> None:
    schedule(app, "t:repeat", 1, kind="test.repeat", n=7)
    w = worker(app)
    for _ in range(3):
        clock.advance(minutes=1)
        assert w.tick() == 1
    assert notes(app) == ["timer 7"] * 3
    assert timer_count(app) == 1


def test_a_failing_handler_backs_off_then_dies(app: Warroom, clock: ManualClock) -> None:
    schedule(app, "t:fail", 0, kind="test.fail")
    w = worker(app, max_timer_attempts=3)
    assert w.tick() == 1
    with app.db.read.connect() as conn:
        row = conn.execute(select(timers)).one()
    assert row.attempts == 1
    assert "always fails" in row.last_error
    assert row.due_at > clock.now()  # backed off
    assert row.locked_by is None
    for _ in range(2):
        clock.advance(minutes=30)
        w.tick()
    with app.db.read.connect() as conn:
        row = conn.execute(select(timers)).one()
    assert row.attempts == 3
    assert row.dead_at is not None
    clock.advance(days=1)
    assert w.tick() == 0


def test_a_dead_workers_claims_return_after_the_lease(app: Warroom, clock: ManualClock) -> None:
    schedule(app, "t:1", 0, n=1)
    claimed = background.claim_timers(
        app.db.write, worker="crashed", now=clock.now(), limit=10, lease=timedelta(seconds=30)
    )
    assert len(claimed) == 1
    other = worker(app, "w2")
    assert other.tick() == 0  # still leased to the crashed worker
    clock.advance(seconds=31)
    assert other.tick() == 1
    assert notes(app) == ["timer 1"]


def test_a_late_firing_by_a_worker_that_lost_its_lease_does_nothing(
    app: Warroom, clock: ManualClock
) -> None:
    schedule(app, "t:1", 0, n=1)
    slow = background.claim_timers(
        app.db.write, worker="slow", now=clock.now(), limit=10, lease=timedelta(seconds=30)
    )[0]
    clock.advance(seconds=31)
    worker(app, "fast").tick()
    result = app.bus.handle(c.FireTimer(timer_id=slow.id, worker="slow", due_at=slow.due_at))
    assert result == {"fired": False}
    assert notes(app) == ["timer 1"]


def test_due_timers_fire_in_order_of_due_time(app: Warroom, clock: ManualClock) -> None:
    for n, minutes in ((3, 3), (1, 1), (2, 2)):
        schedule(app, f"t:{n}", minutes, n=n)
    clock.advance(minutes=5)
    worker(app).tick()
    assert notes(app) == ["timer 1", "timer 2", "timer 3"]
    assert background.next_due(app.db.write) is None


def test_a_timer_moved_while_a_worker_holds_it_fires_at_its_new_time(
    app: Warroom, clock: ManualClock
) -> None:
    schedule(app, "t:1", 0, n=1)
    [held] = background.claim_timers(
        app.db.write, worker="slow", now=clock.now(), limit=10, lease=timedelta(seconds=30)
    )
    schedule(app, "t:1", 10 / 60, n=2)  # a command moves it 10 s on, under the 30 s lease
    result = app.bus.handle(c.FireTimer(timer_id=held.id, worker="slow", due_at=held.due_at))
    assert result == {"fired": False}  # the old time is void
    clock.advance(seconds=11)  # the new time: the old lease does not hold it back
    assert worker(app, "w2").tick() == 1
    assert notes(app) == ["timer 2"]


def test_a_failure_does_not_undo_a_move_made_meanwhile(app: Warroom, clock: ManualClock) -> None:
    schedule(app, "t:1", 0, kind="test.fail")
    [held] = background.claim_timers(
        app.db.write, worker="w1", now=clock.now(), limit=10, lease=timedelta(seconds=30)
    )
    schedule(app, "t:1", 90, kind="test.fail")  # moved while its handler was failing
    background.fail_timer(
        app.db.write, held, worker="w1", now=clock.now(), error="boom", max_attempts=5
    )
    with app.db.read.connect() as conn:
        row = conn.execute(select(timers)).one()
    assert row.due_at == clock.now() + timedelta(minutes=90)
    assert row.attempts == 0


def test_a_command_that_fails_leaves_no_timer(app: Warroom, clock: ManualClock) -> None:
    before = timer_count(app)

    def fails() -> None:
        with app.bus.uow_factory() as uow:
            uow.timers.schedule(
                "t:gone", kind=KIND, due_at=clock.now(), now=clock.now(), incident_ref="INC-1"
            )
            uow.flush()  # written in the transaction…
            assert timer_count(app) == before  # (not seen outside it)
            raise RuntimeError("…which then fails")

    with pytest.raises(RuntimeError):
        fails()
    assert timer_count(app) == before


def test_timers_scheduled_in_one_unit_of_work_are_seen_before_they_are_written(
    app: Warroom, clock: ManualClock
) -> None:
    with app.bus.uow_factory() as uow:
        for n in range(5):
            uow.timers.schedule(
                f"t:{n}",
                kind=KIND,
                due_at=clock.now() + timedelta(minutes=5 - n),
                now=clock.now(),
                incident_ref="INC-1",
            )
        uow.timers.schedule(
            "t:0", kind=KIND, due_at=clock.now() + timedelta(minutes=9), now=clock.now()
        )
        uow.timers.cancel("t:3")
        assert [key for key, _, _ in uow.timers.pending("t:")] == ["t:4", "t:2", "t:1", "t:0"]
        assert uow.timers.due_at("t:0") == clock.now() + timedelta(minutes=9)
        assert uow.timers.due_at("t:3") is None
        uow.commit()
    with app.db.read.connect() as conn:
        rows = conn.execute(select(timers.c.key, timers.c.due_at).order_by(timers.c.key)).all()
    assert [(k, d - clock.now()) for k, d in rows] == [
        ("t:0", timedelta(minutes=9)),
        ("t:1", timedelta(minutes=4)),
        ("t:2", timedelta(minutes=3)),
        ("t:4", timedelta(minutes=1)),
    ]

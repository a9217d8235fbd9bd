"""The idle worker sleeps until the next timer falls due, never longer than its poll."""

from __future__ import annotations

from datetime import timedelta

from tests.fakes import ManualClock
from warroom.bootstrap import Warroom
from warroom.service_layer.worker import WorkerConfig


def schedule(wr: Warroom, key: str, seconds: float) -> None:
    with wr.bus.uow_factory() as uow:
        now = wr.clock.now()
        uow.timers.schedule(key, kind="x", due_at=now + timedelta(seconds=seconds), now=now)
        uow.commit()


def test_idle_wait_is_the_poll_or_the_time_to_the_next_timer(
    wr: Warroom, clock: ManualClock
) -> None:
    worker = wr.make_worker(WorkerConfig(poll_seconds=0.5), "w")
    assert worker.idle_wait() == 0.5
    schedule(wr, "later", 30)
    assert worker.idle_wait() == 0.5
    schedule(wr, "soon", 0.125)
    assert worker.idle_wait() == 0.125
    schedule(wr, "due", -1)  # due already: being fired or leased, not a reason to spin
    assert worker.idle_wait() == 0.125
    worker.close()

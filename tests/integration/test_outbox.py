"""The outbox: idempotent enqueue, delivery, retries with backoff, dead letters, admin retry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.fakes import ManualClock
from warroom.adapters.notifiers.base import DeliveryError
from warroom.adapters.orm.background import outbox
from warroom.adapters.outbox_outcomes import backoff
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.background import OutboundMessage
from warroom.service_layer.worker import WorkerConfig


class Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.failures: list[Exception] = []

    def send(self, message: OutboundMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message.key)

    def close(self) -> None:
        pass


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app(database_url: str, clock: ManualClock, recorder: Recorder) -> Iterator[Warroom]:
    wr = bootstrap(
        Settings(database_url=database_url, dev=True),
        clock=clock,
        migrate=False,
        notifiers={"test": recorder},
    )
    yield wr
    wr.close()


def enqueue(app: Warroom, *keys: str, channel: str = "test") -> None:
    with app.bus.uow_factory() as uow:
        for key in keys:
            uow.outbox.enqueue(
                OutboundMessage(key=key, channel=channel, destination="ops", body=f"body {key}"),
                now=app.clock.now(),
            )
        uow.commit()


def rows(app: Warroom) -> dict[str, tuple[str, int]]:
    with app.db.read.connect() as conn:
        return {r.key: (r.status, r.attempts) for r in conn.execute(select(outbox))}


def work(app: Warroom, **config: object) -> int:
    return app.make_worker(WorkerConfig(**config), "w").deliver()  # type: ignore[arg-type]


def test_enqueue_is_idempotent_and_delivery_marks_sent(app: Warroom, recorder: Recorder) -> None:
    enqueue(app, "m1", "m2")
    enqueue(app, "m1")
    assert work(app) == 2
    assert sorted(recorder.sent) == ["m1", "m2"]
    assert rows(app) == {"m1": ("sent", 0), "m2": ("sent", 0)}
    assert work(app) == 0


def test_failures_back_off_then_dead_letter_then_admin_retry(
    app: Warroom, recorder: Recorder, clock: ManualClock
) -> None:
    enqueue(app, "m1")
    recorder.failures = [ConnectionError("smtp down")] * 3
    assert work(app, max_delivery_attempts=3) == 1
    assert rows(app) == {"m1": ("pending", 1)}
    assert work(app, max_delivery_attempts=3) == 0  # not yet: backing off
    for _ in range(2):
        clock.advance(minutes=15)
        work(app, max_delivery_attempts=3)
    assert rows(app) == {"m1": ("dead", 3)}
    with app.db.read.connect() as conn:
        assert "smtp down" in conn.execute(select(outbox.c.last_error)).scalar_one()
    with app.db.read.connect() as conn:
        message_id = conn.execute(select(outbox.c.id)).scalar_one()
    with app.bus.uow_factory() as uow:
        assert uow.outbox.retry(message_id, now=clock.now())
        uow.commit()
    assert work(app) == 1
    assert rows(app) == {"m1": ("sent", 0)}
    assert recorder.sent == ["m1"]


def test_permanent_errors_dead_letter_at_once(app: Warroom, recorder: Recorder) -> None:
    enqueue(app, "m1")
    recorder.failures = [DeliveryError("no such mailbox", permanent=True)]
    work(app)
    assert rows(app) == {"m1": ("dead", 1)}


def test_unknown_channel_is_retried_not_lost(app: Warroom, clock: ManualClock) -> None:
    enqueue(app, "m1", channel="carrier-pigeon")
    work(app)
    status, attempts = rows(app)["m1"]
    assert (status, attempts) == ("pending", 1)
    with app.db.read.connect() as conn:
        assert "no notifier is configured" in conn.execute(select(outbox.c.last_error)).scalar_one()


def test_backoff_grows_and_is_capped() -> None:
    for attempt, ceiling in ((1, 2), (2, 4), (5, 32), (20, 600)):
        for _ in range(20):
            delay = backoff(attempt)
            assert timedelta(seconds=ceiling / 2) <= delay <= timedelta(seconds=ceiling)

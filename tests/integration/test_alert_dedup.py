"""Deduplication under concurrency: many identical alerts at once, through two app
instances (as two processes would be) and both write paths → one alert, exact count."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from warroom.adapters.orm.alerts import alerts
from warroom.domain.alerts import AlertEvent, EventAction
from warroom.domain.integrations import IntegrationKind
from warroom.domain.oncall_commands import CreateIntegration, IngestAlerts

THREADS, EACH = 8, 25


def test_concurrent_identical_alerts_make_one_alert(database_url: str, clock: ManualClock) -> None:
    first = make_warroom(database_url, clock)
    second = make_warroom(database_url, clock)
    try:
        made = first.bus.handle(
            CreateIntegration(name="am", kind=IntegrationKind.ALERTMANAGER, by="t")
        )
        events = tuple(
            AlertEvent(fingerprint=f"fp-{n}", action=EventAction.TRIGGER, title=f"alert {n}")
            for n in range(3)
        )
        command = IngestAlerts(
            integration_id=made["id"], integration="am", service=None, events=events
        )

        def hammer(worker: int) -> int:
            app = first if worker % 2 else second
            for n in range(EACH):
                if n % 2:
                    assert app.intake is not None
                    app.intake.writer.submit(command).result(timeout=60)
                else:
                    app.bus.handle(command)
            return EACH

        with ThreadPoolExecutor(THREADS) as pool:
            assert sum(pool.map(hammer, range(THREADS))) == THREADS * EACH
        with first.db.read.connect() as conn:
            rows = conn.execute(
                select(alerts.c.fingerprint, alerts.c.count).order_by(alerts.c.fingerprint)
            ).all()
            assert [(r.fingerprint, r.count) for r in rows] == [
                (f"fp-{n}", THREADS * EACH) for n in range(3)
            ]
            assert conn.execute(select(func.count()).select_from(alerts)).scalar_one() == 3
    finally:
        first.close()
        second.close()

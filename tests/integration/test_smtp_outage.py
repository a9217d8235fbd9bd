"""The SMTP server is down for 60 s while 500 notifications are queued: all arrive, once each."""

from __future__ import annotations

from collections import Counter

from tests.fakes import ManualClock
from tests.support.outbox import drain, rows
from tests.support.smtp import SmtpServer
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.service_layer.customer_updates import send_customer_update


def test_smtp_down_for_a_minute_then_everything_once(
    database_url: str, clock: ManualClock, smtp: SmtpServer
) -> None:
    wr = bootstrap(
        Settings(database_url=database_url, dev=True, smtp_host="127.0.0.1", smtp_port=smtp.port),
        clock=clock,
        migrate=False,
    )
    try:
        smtp.stop()
        recipients = [f"subscriber{i}@example.test" for i in range(500)]
        with wr.bus.uow_factory() as uow:
            queued = send_customer_update(
                uow,
                wr.bus.context,
                update_id="u1",
                subject="Logging in",
                body="Fixed.",
                recipients=recipients,
            )
            uow.commit()
        assert queued == 500
        worker = wr.make_worker(name="w")
        down_until = clock.now().timestamp() + 60
        while clock.now().timestamp() < down_until:  # the worker keeps trying while it is down
            worker.deliver()
            clock.advance(seconds=5)
        worker.close()
        assert {r.status for r in rows(wr)} == {"pending"}
        assert min(r.attempts for r in rows(wr)) >= 2
        smtp.start()
        drain(wr, clock, rounds=30, step_minutes=2)
        assert {r.status for r in rows(wr)} == {"sent"}
    finally:
        wr.close()
    delivered = Counter(rcpt for _, rcpts in smtp.inbox.envelopes for rcpt in rcpts)
    assert set(delivered) == set(recipients)
    assert max(delivered.values()) == 1, "nobody gets the update twice"
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == 500

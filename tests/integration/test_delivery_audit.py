"""The worker audits every ordinary delivery outcome (not only declaration steps): one
row per message, as `warroom` on channel `worker`, with the message's status and attempts
before and after, written with the outcome in the wave's one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select

from tests.fakes import ManualClock
from tests.integration.test_outbox import Recorder, enqueue, rows, work
from warroom.adapters import outbox_outcomes
from warroom.adapters.notifiers.base import DeliveryError
from warroom.adapters.orm.audit import audit_log
from warroom.adapters.orm.background import outbox
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.background import OutboundMessage
from warroom.domain.notify_commands import RecordDelivery
from warroom.service_layer import audit, deliveries


class Answering(Recorder):
    """Sends, answering with what the channel gave back (a room id, an event id)."""

    def send(self, message: OutboundMessage) -> Any:
        super().send(message)
        return {"event_id": f"$ev-{message.key}"}


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app(database_url: str, clock: ManualClock, recorder: Recorder) -> Iterator[Warroom]:
    wr = bootstrap(
        Settings(database_url=database_url, dev=True),
        clock=clock,
        migrate=False,
        notifiers={"test": recorder, "answering": Answering()},
    )
    yield wr
    wr.close()


def delivery_rows(app: Warroom) -> dict[int, dict[str, Any]]:
    """The worker's RecordDelivery audit rows by message id."""
    with app.db.read.connect() as conn:
        found = conn.execute(select(audit_log).where(audit_log.c.command == "RecordDelivery")).all()
    return {r.fields["message_id"]: r._asdict() for r in found}


def ids(app: Warroom) -> dict[str, int]:
    with app.db.read.connect() as conn:
        return {r.key: r.id for r in conn.execute(select(outbox.c.key, outbox.c.id))}


def test_a_sent_message_leaves_an_audit_row(app: Warroom, clock: ManualClock) -> None:
    enqueue(app, "m1")
    enqueue(app, "m2", channel="answering")
    assert work(app) == 2
    audited = delivery_rows(app)
    by_key = ids(app)
    assert set(audited) == set(by_key.values())
    for message_id in by_key.values():
        row = audited[message_id]
        assert (row["actor"], row["channel"], row["role"]) == ("warroom", "worker", None)
        assert row["at"] == clock.now()
        assert row["fields"] == audit.command_fields(
            RecordDelivery(
                message_id=message_id,
                worker="w",
                result=row["fields"]["result"],
                error=None,
                permanent=False,
                max_attempts=12,
            )
        )
        assert row["changes"] == [
            {
                "entity": "outbox",
                "target": str(message_id),
                "op": "update",
                "before": {"status": "pending", "attempts": 0},
                "after": {"status": "sent", "attempts": 0},
            }
        ]
    assert audited[by_key["m2"]]["fields"]["result"] == {"event_id": "$ev-m2"}


def test_a_failed_message_leaves_an_audit_row_each_attempt(
    app: Warroom, recorder: Recorder, clock: ManualClock
) -> None:
    enqueue(app, "m1")
    recorder.failures = [ConnectionError("smtp down"), DeliveryError("no mailbox", permanent=True)]
    work(app)
    [retry] = delivery_rows(app).values()
    assert retry["changes"][0]["before"] == {"status": "pending", "attempts": 0}
    assert retry["changes"][0]["after"] == {"status": "pending", "attempts": 1}
    assert retry["fields"] == audit.command_fields(
        RecordDelivery(
            message_id=retry["fields"]["message_id"],
            worker="w",
            result=None,
            error="ConnectionError: smtp down",
            permanent=False,
            max_attempts=12,
        )
    )
    clock.advance(minutes=15)
    work(app)
    assert rows(app) == {"m1": ("dead", 2)}
    with app.db.read.connect() as conn:
        changes = [
            r.changes[0]
            for r in conn.execute(
                select(audit_log.c.changes)
                .where(audit_log.c.command == "RecordDelivery")
                .order_by(audit_log.c.id)
            )
        ]
    assert [(c["before"], c["after"]) for c in changes] == [
        ({"status": "pending", "attempts": 0}, {"status": "pending", "attempts": 1}),
        ({"status": "pending", "attempts": 1}, {"status": "dead", "attempts": 2}),
    ]


def test_a_wave_is_marked_and_audited_in_one_transaction(app: Warroom) -> None:
    enqueue(app, *(f"m{i}" for i in range(10)))
    statements: list[str] = []
    commits: list[int] = []
    engine = app.db.write
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    listener = event.listens_for(engine, "before_cursor_execute")(
        lambda _c, _cur, statement, *_a: statements.append(statement)
    )
    try:
        assert work(app, send_concurrency=16) == 10
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(commits) == 2  # the claim, then the wave's outcomes with their audit rows
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO AUDIT_LOG")]
    assert len(inserts) == 1
    assert len(delivery_rows(app)) == 10


def test_no_outcome_is_kept_without_its_audit_row(
    app: Warroom, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    enqueue(app, "m1", "m2")
    recorder.failures = [ConnectionError("smtp down")]

    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("audit row refused")

    monkeypatch.setattr(deliveries, "_row", broken)
    work(app)  # logged; the leases run out and both are sent again, same keys
    with app.db.read.connect() as conn:
        left = {r.key: (r.status, r.attempts, r.locked_by) for r in conn.execute(select(outbox))}
    assert left == {"m1": ("pending", 0, "w"), "m2": ("pending", 0, "w")}
    assert delivery_rows(app) == {}


def test_a_message_taken_over_by_another_worker_gets_no_row(
    app: Warroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    enqueue(app, "m1")
    real = outbox_outcomes.mark_sent

    def after_takeover(conn: Any, message_ids: list[int], **kwargs: Any) -> list[int]:
        conn.execute(outbox.update().values(locked_by="another"))  # its lease ran out
        return real(conn, message_ids, **kwargs)

    monkeypatch.setattr(deliveries, "mark_sent", after_takeover)
    work(app)
    assert delivery_rows(app) == {}

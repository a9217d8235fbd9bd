"""Timer and outbox storage: claiming for workers (scheduling timers inside a unit of work
is `timer_repository`), outbox messages queued and claimed.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers take
disjoint batches; SQLite ignores the clause and serialises writers instead. A claim
sets a lease (`locked_until`): a worker that dies mid-batch loses its claims when the
lease runs out, and another worker picks them up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Engine, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from warroom.adapters.drill_marks import DrillMarks
from warroom.adapters.orm.background import outbox, timers
from warroom.adapters.outbox_outcomes import backoff, mark_failed, mark_sent
from warroom.adapters.repository import parse_ref
from warroom.domain.background import DeliveryStatus, DueTimer, OutboundMessage


def _upsert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _incident_id(ref: str | None) -> int | None:
    return parse_ref(ref) if ref else None


def _due_timer(row: Any) -> DueTimer:
    return DueTimer(
        id=row.id,
        key=row.key,
        kind=row.kind,
        due_at=row.due_at,
        payload=dict(row.payload),
        incident_ref=f"INC-{row.incident_id}" if row.incident_id is not None else None,
        attempts=row.attempts,
    )


def _claimable(table: Any, time_column: Any, now: datetime) -> Any:
    return and_(
        time_column <= now,
        or_(table.c.locked_until.is_(None), table.c.locked_until < now),
    )


def claim_timers(
    engine: Engine, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[DueTimer]:
    """Lease up to `limit` due timers to `worker`, soonest first."""
    with engine.begin() as conn:
        ids = list(
            conn.execute(
                select(timers.c.id)
                .where(_claimable(timers, timers.c.due_at, now), timers.c.dead_at.is_(None))
                .order_by(timers.c.due_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if not ids:
            return []
        conn.execute(
            update(timers)
            .where(timers.c.id.in_(ids))
            .values(locked_until=now + lease, locked_by=worker)
        )
        rows = conn.execute(select(timers).where(timers.c.id.in_(ids))).all()
    return sorted((_due_timer(r) for r in rows), key=lambda t: t.due_at)


def fail_timer(
    engine: Engine, timer: DueTimer, *, worker: str, now: datetime, error: str, max_attempts: int
) -> None:
    """A handler raised: retry later with backoff, or park the timer as dead."""
    attempts = timer.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_error": error[:2000],
        "locked_until": None,
        "locked_by": None,
    }
    if attempts >= max_attempts:
        values["dead_at"] = now
    else:
        values["due_at"] = now + backoff(attempts)
    with engine.begin() as conn:
        conn.execute(
            update(timers)
            .where(timers.c.id == timer.id, timers.c.locked_by == worker)
            .values(**values)
        )


def next_due(engine: Engine, *, after: datetime | None = None) -> datetime | None:
    """When the soonest live timer falls due (for sleeping just long enough); with
    `after`, the soonest one still in the future (due ones are being fired or leased)."""
    stmt = select(timers.c.due_at).where(timers.c.dead_at.is_(None))
    if after is not None:
        stmt = stmt.where(timers.c.due_at > after)
    with engine.connect() as conn:
        value: datetime | None = conn.execute(
            stmt.order_by(timers.c.due_at).limit(1)
        ).scalar_one_or_none()
    return value


# -- outbox -------------------------------------------------------------------------------------


class OutboxRepository:
    """Messages written in the same transaction as the change they announce."""

    def __init__(self, session: Session, marks: DrillMarks | None = None) -> None:
        self.session = session
        self.marks = marks

    def _row(self, message: OutboundMessage, now: datetime) -> dict[str, Any]:
        number = _incident_id(message.incident_ref)
        withheld = ""
        if self.marks is not None:
            message, withheld = self.marks.apply(message, number)
        return {
            "key": message.key,
            "channel": message.channel,
            "destination": message.destination,
            "subject": message.subject,
            "body": message.body,
            "payload": message.payload,
            "incident_id": number,
            # A message a drill withholds is dead on arrival: the page "failed".
            "status": (DeliveryStatus.DEAD if withheld else DeliveryStatus.PENDING).value,
            "last_error": withheld or None,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }

    def enqueue(self, message: OutboundMessage, *, now: datetime) -> None:
        """Queue `message`; a second message with the same key is ignored."""
        stmt = _upsert(self.session.get_bind().dialect.name)(outbox).values(
            **self._row(message, now)
        )
        self.session.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))

    def enqueue_many(self, messages: list[OutboundMessage], *, now: datetime) -> None:
        """Queue many messages in one statement (a customer update to every subscriber)."""
        if not messages:
            return
        rows = [self._row(m, now) for m in messages]
        stmt = _upsert(self.session.get_bind().dialect.name)(outbox)
        self.session.execute(stmt.on_conflict_do_nothing(index_elements=["key"]), rows)

    def retry(self, message_id: int, *, now: datetime) -> bool:
        """Put a dead (or failing) message back in the queue at once."""
        result: CursorResult[Any] = self.session.execute(  # type: ignore[assignment]
            update(outbox)
            .where(outbox.c.id == message_id, outbox.c.status != DeliveryStatus.SENT.value)
            .values(
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                locked_until=None,
                locked_by=None,
            )
        )
        return bool(result.rowcount)

    def get(self, message_id: int) -> tuple[OutboundMessage, str] | None:
        """The message and its status."""
        row = self.session.execute(select(outbox).where(outbox.c.id == message_id)).one_or_none()
        return (_message(row), row.status) if row is not None else None

    def get_claimed(self, message_id: int, worker: str) -> OutboundMessage | None:
        """The message if `worker` still holds its lease (locked until the unit of work ends)."""
        row = self.session.execute(
            select(outbox)
            .where(outbox.c.id == message_id, outbox.c.locked_by == worker)
            .with_for_update()
        ).one_or_none()
        return _message(row) if row is not None else None

    def mark_sent(
        self,
        message: OutboundMessage,
        *,
        worker: str,
        now: datetime,
        result: dict[str, Any] | None,
    ) -> None:
        mark_sent(
            self.session.connection(), [message.id or 0], worker=worker, now=now, result=result
        )

    def mark_failed(
        self,
        message: OutboundMessage,
        *,
        worker: str,
        now: datetime,
        error: str,
        max_attempts: int,
        permanent: bool,
    ) -> bool | None:
        return mark_failed(
            self.session.connection(),
            message,
            worker=worker,
            now=now,
            error=error,
            max_attempts=max_attempts,
            permanent=permanent,
        )


def _message(row: Any) -> OutboundMessage:
    return OutboundMessage(
        id=row.id,
        key=row.key,
        channel=row.channel,
        destination=row.destination,
        subject=row.subject,
        body=row.body,
        payload=dict(row.payload),
        incident_ref=f"INC-{row.incident_id}" if row.incident_id is not None else None,
        attempts=row.attempts,
    )


def claim_messages(
    engine: Engine, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[OutboundMessage]:
    """Lease up to `limit` pending messages to `worker`, oldest first."""
    with engine.begin() as conn:
        ids = list(
            conn.execute(
                select(outbox.c.id)
                .where(
                    outbox.c.status == DeliveryStatus.PENDING.value,
                    _claimable(outbox, outbox.c.next_attempt_at, now),
                )
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if not ids:
            return []
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(locked_until=now + lease, locked_by=worker)
        )
        rows = conn.execute(select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id)).all()
    return [_message(r) for r in rows]

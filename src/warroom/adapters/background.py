"""Timer and outbox storage: scheduling inside a unit of work, claiming for workers.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers take
disjoint batches; SQLite ignores the clause and serialises writers instead. A claim
sets a lease (`locked_until`): a worker that dies mid-batch loses its claims when the
lease runs out, and another worker picks them up.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import CursorResult, Engine, and_, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from warroom.adapters.core_changes import record_row, untracked
from warroom.adapters.drill_marks import DrillMarks
from warroom.adapters.orm.background import outbox, timers
from warroom.adapters.outbox_outcomes import backoff, mark_failed, mark_sent
from warroom.adapters.repository import parse_ref
from warroom.domain.background import DeliveryStatus, DueTimer, OutboundMessage


def _upsert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _incident_id(ref: str | None) -> int | None:
    return parse_ref(ref) if ref else None


class TimerRepository:
    """Timers written in the same transaction as the change that causes them.

    An incident's timers have keys that start with its reference and a colon
    (`clock_plans.clock_key`, `checklists.timer_key`). `fresh` names the incidents
    declared in this transaction: none of their timers can be in the table yet, so reading
    or deleting them is skipped (a declaration arms and cancels a dozen).
    """

    def __init__(self, session: Session, fresh: Callable[[], Collection[int]] = tuple) -> None:
        self.session = session
        self._fresh = fresh
        # Due times set by `schedule` in this transaction, so `complete` knows whether
        # the handler moved the timer it is firing without asking the database.
        self.moved: dict[str, datetime] = {}
        # Timers scheduled, and keys cancelled, not yet written: a declaration arms half a
        # dozen timers and cancels as many, written (and audited) in one statement each
        # when the unit of work flushes, or before anything here locks or deletes timers.
        self._queued: dict[str, dict[str, Any]] = {}
        self._cancelled: set[str] = set()

    def schedule(
        self,
        key: str,
        *,
        kind: str,
        due_at: datetime,
        now: datetime,
        payload: dict[str, Any] | None = None,
        incident_ref: str | None = None,
    ) -> None:
        """Create the timer, or move it if `key` exists (never two timers for one key).

        A moved timer is free to be claimed again at its new time: a worker's lease on
        the old one is void (its firing finds the due time changed and does nothing)."""
        self._cancelled.discard(key)
        self._queued[key] = {
            "key": key,
            "kind": kind,
            "due_at": due_at,
            "payload": payload or {},
            "incident_id": _incident_id(incident_ref),
            "attempts": 0,
            "created_at": now,
        }
        self.moved[key] = due_at

    def flush(self) -> None:
        """Write the cancellations and the timers scheduled since the last flush (a key is
        in one or the other), one statement each."""
        if self._cancelled:
            keys = sorted(self._cancelled)
            self._cancelled.clear()
            self.session.execute(delete(timers).where(timers.c.key.in_(keys)))
        if self._queued:
            rows = [self._queued[key] for key in sorted(self._queued)]  # rows locked in order
            self._queued.clear()
            new, rows = _split(rows, lambda row: self._is_fresh(row["key"].partition(":")[0]))
            if new:
                self._insert_new(new)
            if rows:
                statement = _schedule_statement(self.session.get_bind().dialect.name)
                self.session.execute(statement, rows[0] if len(rows) == 1 else rows)

    def _insert_new(self, rows: list[dict[str, Any]]) -> None:
        """Timers of incidents declared in this unit of work: no row with their keys can
        exist, so a plain insert returning the rows written, recorded for the audit as the
        upsert's before/after reads would have recorded them, without those reads."""
        with untracked(self.session):
            written = self.session.execute(_insert_returning(), rows).all()
        for row in sorted(written, key=lambda r: str(r.key)):
            record_row(self.session, timers, dict(row._mapping))

    def cancel(self, key: str) -> None:
        self.moved.pop(key, None)
        self._queued.pop(key, None)
        if not self._is_fresh(key.partition(":")[0]):
            self._cancelled.add(key)

    def _is_fresh(self, ref: str) -> bool:
        fresh = self._fresh()
        if not fresh or not ref.startswith("INC-"):
            return False
        number = ref.removeprefix("INC-")
        return number.isdecimal() and int(number) in fresh

    def cancel_prefix(self, prefix: str, *, incident_ref: str | None = None) -> None:
        """Cancel every timer whose key starts with `prefix` (e.g. all of one incident's);
        with `incident_ref`, among that incident's timers (found by index, not by a scan
        of every key: SQLite's LIKE with an escape uses no index)."""
        for key in [k for k in self._queued if k.startswith(prefix)]:
            del self._queued[key]
        self._cancelled = {k for k in self._cancelled if not k.startswith(prefix)}
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = delete(timers).where(timers.c.key.like(f"{escaped}%", escape="\\"))
        if incident_ref is not None:
            stmt = stmt.where(timers.c.incident_id == _incident_id(incident_ref))
        self.session.execute(stmt)

    def due_at(self, key: str) -> datetime | None:
        queued = self._queued.get(key)
        if queued is not None:
            return queued["due_at"]  # type: ignore[no-any-return]
        if key in self._cancelled:
            return None
        value: datetime | None = self.session.execute(
            select(timers.c.due_at).where(timers.c.key == key, timers.c.dead_at.is_(None))
        ).scalar_one_or_none()
        return value

    def pending(
        self, prefix: str = "", *, incident_ref: str | None = None
    ) -> list[tuple[str, str, datetime]]:
        """(key, kind, due_at) of live timers, soonest first (those still queued too); with
        `incident_ref`, among that incident's timers (see `cancel_prefix`)."""
        stmt = select(timers.c.key, timers.c.kind, timers.c.due_at).where(
            timers.c.dead_at.is_(None)
        )
        if prefix:
            stmt = stmt.where(timers.c.key.startswith(prefix, autoescape=True))
        if incident_ref is not None:
            stmt = stmt.where(timers.c.incident_id == _incident_id(incident_ref))
        found: dict[str, tuple[str, str, datetime]] = {}
        if incident_ref is None or not self._is_fresh(incident_ref):
            # Timers are written here, by statements, never by the ORM's flush: nothing
            # pending in the session can change this answer, so do not force a flush.
            with self.session.no_autoflush:
                found = {r.key: (r.key, r.kind, r.due_at) for r in self.session.execute(stmt)}
        for key in self._cancelled:
            found.pop(key, None)
        for key, row in self._queued.items():
            if key.startswith(prefix) and (
                incident_ref is None or row["incident_id"] == _incident_id(incident_ref)
            ):
                found[key] = (key, row["kind"], row["due_at"])
        return sorted(found.values(), key=lambda timer: timer[2])

    def get_claimed(self, timer_id: int, worker: str) -> DueTimer | None:
        """The timer if `worker` still holds it, read without a lock (to learn its incident
        before locking in the commands' order: incident, then timer; see `lock_claimed`)."""
        self.flush()
        row = self.session.execute(
            select(timers).where(timers.c.id == timer_id, timers.c.locked_by == worker)
        ).one_or_none()
        return _due_timer(row) if row is not None else None

    def lock_claimed(self, timer_id: int, worker: str, due_at: datetime) -> DueTimer | None:
        """The claimed timer, its row locked for this transaction; None if no longer ours.

        Holding the row lock keeps another worker from claiming it when our lease runs
        out mid-handler (its `SKIP LOCKED` claim passes over it), so the effects commit
        once: either ours, or — if it was claimed away before we got here — theirs.
        """
        self.flush()
        row = self.session.execute(
            select(timers)
            .where(timers.c.id == timer_id, timers.c.locked_by == worker, timers.c.due_at == due_at)
            .with_for_update()
        ).one_or_none()
        return _due_timer(row) if row is not None else None

    def complete(self, timer: DueTimer) -> None:
        """Done: delete the timer, unless its handler moved it to a new time (then unlock it)."""
        self.flush()
        moved = self.moved.get(timer.key)
        if moved is not None and moved != timer.due_at:
            self.session.execute(
                update(timers)
                .where(timers.c.id == timer.id)
                .values(locked_until=None, locked_by=None)
            )
            return
        self.session.execute(
            delete(timers).where(timers.c.id == timer.id, timers.c.due_at == timer.due_at)
        )


_SCHEDULE: dict[str, Any] = {}


def _split(
    rows: list[dict[str, Any]], test: Callable[[dict[str, Any]], bool]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    yes: list[dict[str, Any]] = []
    no: list[dict[str, Any]] = []
    for row in rows:
        (yes if test(row) else no).append(row)
    return yes, no


@cache
def _insert_returning() -> Any:
    return insert(timers).returning(*timers.c)


def _schedule_statement(dialect: str) -> Any:
    """The upsert of one timer or many (built once per dialect): a new time resets the
    attempts, the error, a death and any worker's lease."""
    statement = _SCHEDULE.get(dialect)
    if statement is None:
        insert = _upsert(dialect)(timers)
        fresh = ("kind", "due_at", "payload", "incident_id", "attempts")
        cleared = ("last_error", "dead_at", "locked_by", "locked_until")
        statement = _SCHEDULE[dialect] = insert.on_conflict_do_update(
            index_elements=["key"],
            set_={name: insert.excluded[name] for name in fresh} | dict.fromkeys(cleared),
        )
    return statement


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

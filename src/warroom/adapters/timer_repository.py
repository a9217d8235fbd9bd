"""Timers scheduled inside a unit of work: queued, then written when it flushes.

Claiming and firing them is the worker's side (`background.claim_timers`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from warroom.adapters.background import _due_timer, _incident_id, _upsert
from warroom.adapters.core_changes import record_row, untracked
from warroom.adapters.orm.background import timers
from warroom.domain.background import DueTimer


class TimerRepository:
    """Timers written in the same transaction as the change that causes them.

    An incident's timers have keys that start with its reference and a colon
    (`clock_plans.clock_key`, `checklists.timer_key`). `fresh` names the incidents
    declared in this transaction: until a flush writes some, none of their timers can be in
    the table, so reading or deleting them is skipped (a declaration arms and cancels a
    dozen).
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
        # Incidents of `fresh` whose timers a flush has written: no longer absent from the
        # table (group commit runs several commands, and flushes, in one transaction).
        self._written: set[str] = set()

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
                self._written.update(row["key"].partition(":")[0] for row in new)
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
        if not fresh or not ref.startswith("INC-") or ref in self._written:
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
        found: dict[str, tuple[str, str, datetime]] = {}
        if incident_ref is None or not self._is_fresh(incident_ref):
            stmt = select(timers.c.key, timers.c.kind, timers.c.due_at).where(
                timers.c.dead_at.is_(None)
            )
            if prefix:
                stmt = stmt.where(timers.c.key.startswith(prefix, autoescape=True))
            if incident_ref is not None:
                stmt = stmt.where(timers.c.incident_id == _incident_id(incident_ref))
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

"""One unit of work per command: everything it changes commits together or not at all."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import Session

from warroom.adapters import facts
from warroom.adapters.alert_repository import AlertRepository
from warroom.adapters.audit_log import AuditLogRepository, ChangeTracker
from warroom.adapters.background import OutboxRepository
from warroom.adapters.core_changes import untracked
from warroom.adapters.directory import DirectoryRepository
from warroom.adapters.drill_marks import DrillMarks
from warroom.adapters.oncall_repository import OnCallRepository
from warroom.adapters.repository import IdempotencyRepository, IncidentRepository
from warroom.adapters.status_repository import StatusRepository
from warroom.adapters.timer_repository import TimerRepository
from warroom.domain.events import Event
from warroom.domain.policy import Policy
from warroom.service_layer.audit import jsonable


class UnitOfWork(abc.ABC):
    """The transaction boundary and the repositories that work inside it."""

    incidents: IncidentRepository
    idempotency: IdempotencyRepository
    timers: TimerRepository
    outbox: OutboxRepository
    directory: DirectoryRepository
    status: StatusRepository
    alerts: AlertRepository
    oncall: OnCallRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self.close()

    def commit(self) -> None:
        self.flush()
        self._commit()

    def collect_new_events(self) -> Iterator[Event]:
        """Events recorded by the aggregates touched so far, each handed out once."""
        for incident in self.incidents.seen:
            while incident.events:
                yield incident.events.pop(0)

    def whole_incidents(self) -> dict[str, Any]:
        """The incidents this unit of work added that can be read once it has ended,
        without a query (by reference); none by default."""
        return {}

    def refresh_facts(  # noqa: B027 - optional hook
        self, policy: Policy, changes: list[dict[str, Any]] | None = None
    ) -> None:
        """Recompute the metrics' facts of the incidents touched so far (of those `changes`
        move, when given: the command's audited changes); storage without a read side
        ignores it."""

    def audit_changes(self) -> list[dict[str, Any]]:
        """What the work so far has changed (flushed first), each change handed out once."""
        return []

    def append_audit(self, **row: Any) -> None:  # noqa: B027 - optional hook
        """Append a row to the audit log in this transaction; storage without one ignores it."""

    @abc.abstractmethod
    def flush(self) -> None: ...

    @abc.abstractmethod
    def _commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources; nothing to do by default."""


class SqlAlchemyUnitOfWork(UnitOfWork):
    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        self.incidents = IncidentRepository(self.session)
        self.idempotency = IdempotencyRepository(self.session)
        self.timers = TimerRepository(self.session, fresh=self.incidents.added)
        incidents = self.incidents  # not `self`: a unit of work left in a reference cycle
        # is freed only by the cyclic garbage collector, whose passes then stop the server
        self.outbox = OutboxRepository(
            self.session, DrillMarks(self.session, lambda: incidents.seen)
        )
        self.directory = DirectoryRepository(self.session)
        self.status = StatusRepository(self.session)
        self.alerts = AlertRepository(self.session)
        self.oncall = OnCallRepository(self.session)
        self.audit = AuditLogRepository(self.session)
        self._changes = ChangeTracker(self.session, jsonable)
        self._facts_written: set[int] = set()
        return super().__enter__()

    def audit_changes(self) -> list[dict[str, Any]]:
        self.incidents.flush_pending()
        self.timers.flush()
        return self._changes.take()

    def append_audit(self, **row: Any) -> None:
        self.audit.append(**row)

    def whole_incidents(self) -> dict[str, Any]:
        return dict(self.incidents.whole())

    def refresh_facts(self, policy: Policy, changes: list[dict[str, Any]] | None = None) -> None:
        self.incidents.flush_pending()
        moved = None if changes is None else facts.moved_by(changes)
        numbers = self.incidents.numbers() if moved is None else sorted(moved)
        if numbers:
            # A projection recomputed from the record, after the command's audit row was
            # written: reading its rows before and after for the audit was wasted work.
            with untracked(self.session):
                # Declared here and not yet given facts: no row to delete. (Group
                # commit refreshes one transaction's incidents again after each command.)
                new = [n for n in self.incidents.added() if n not in self._facts_written]
                facts.refresh(self.session.connection(), policy, numbers, new=new)
                self._facts_written.update(numbers)

    def flush(self) -> None:
        self.incidents.flush_pending()
        self.timers.flush()
        self.alerts.flush_counts()
        self.audit.flush()

    def _commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def close(self) -> None:
        self.session.close()

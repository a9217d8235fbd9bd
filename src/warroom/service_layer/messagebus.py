"""The message bus: a command runs in one unit of work, with the reactions to its events.

Event handlers registered here run inside the same transaction as the command that
raised the events, so durable consequences (timers, outbox messages) commit with the
state change or not at all. Listeners run after the commit for in-process, best-effort
effects (live page refreshes, cache invalidation).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from warroom.adapters.audit_log import incident_refs
from warroom.adapters.clock import Clock
from warroom.domain.commands import Command
from warroom.domain.errors import DomainError, RuleViolation
from warroom.domain.events import Event
from warroom.domain.policy import Policy
from warroom.service_layer import audit
from warroom.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


@dataclass
class Context:
    """What handlers need besides the unit of work."""

    policy: Policy
    clock: Clock
    # Names of the notification channels that have a notifier configured.
    channels: frozenset[str] = frozenset({"log"})
    # Where people reach this warroom (links in emails), without a trailing slash.
    public_url: str = "http://127.0.0.1:8000"
    # Signs links in notifications (e.g. a page's acknowledge link); empty: no links.
    secret_key: str = ""


CommandHandler = Callable[..., Any]
# A check a command passes on a read connection before its write transaction begins (it
# may refuse the command, or return it with what it found for the handler).
Precheck = Callable[[Any, Connection, "Context"], Any]
EventHandler = Callable[..., None]
Listener = Callable[[Event], None]


@dataclass(frozen=True)
class IdempotencyKey:
    principal: str
    key: str
    fingerprint: str

    @staticmethod
    def fingerprint_of(method: str, path: str, body: bytes) -> str:
        return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


@dataclass(frozen=True)
class Outcome:
    result: Any
    replayed: bool = False
    status_code: int | None = None
    response: str | None = None
    # Incidents the command declared, as committed and wholly in memory (by reference): a
    # response can be rendered from them instead of reading them back.
    incidents: Mapping[str, Any] = field(default_factory=dict)


class MessageBus:
    def __init__(
        self,
        *,
        uow_factory: Callable[[], UnitOfWork],
        context: Context,
        command_handlers: dict[type[Command], CommandHandler],
        event_handlers: dict[type[Event], list[EventHandler]],
        listeners: list[Listener] | None = None,
        prechecks: dict[type[Command], Precheck] | None = None,
        read: Engine | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.prechecks = prechecks or {}
        self.read = read
        self.context = context
        self.command_handlers = command_handlers
        self.event_handlers = event_handlers
        self.listeners = listeners if listeners is not None else []

    def handle(self, command: Command) -> Any:
        """Run `command` in its own transaction and return its handler's result."""
        return self.handle_idempotent(command, None).result

    def handle_idempotent(self, command: Command, key: IdempotencyKey | None) -> Outcome:
        """Run `command` once per idempotency key; a repeat returns the first outcome."""
        handler = self.command_handlers[type(command)]
        try:
            command = self._precheck(command)
        except DomainError:
            if key is None:
                raise
            # A repeated request is answered as the first one was, which the pre-check
            # cannot know: the handler, after the replay lookup, checks in full.
        try:
            with self.uow_factory() as uow:
                if key is not None:
                    previous = self._previous(uow, key)
                    if previous is not None:
                        return previous
                result = handler(command, uow=uow, ctx=self.context)
                events = self._react(uow)
                changes = self._audit(uow, command)
                uow.refresh_facts(self.context.policy, changes)
                if key is not None:
                    uow.idempotency.add(
                        key.principal, key.key, key.fingerprint, result, self.context.clock.now()
                    )
                uow.commit()
                whole = uow.whole_incidents()
        except IntegrityError:
            if key is None:
                raise
            # A concurrent request with the same key committed first: answer as it did.
            with self.uow_factory() as uow:
                previous = self._previous(uow, key)
            if previous is None:
                raise
            return previous
        self._notify(events)
        return Outcome(result=result, incidents=whole)

    def _precheck(self, command: Command) -> Command:
        """Run the command's read-side check, if any, outside the write transaction: on
        SQLite there is one writer at a time, and everyone waits for what it does."""
        check = self.prechecks.get(type(command))
        if check is None or self.read is None:
            return command
        with self.read.connect() as conn:
            checked: Command = check(command, conn, self.context)
        return checked

    def handle_in(self, uow: UnitOfWork, command: Command) -> tuple[Any, list[Event]]:
        """Run `command` and its event handlers in a transaction the caller commits.

        For group commit (alert intake): many commands share one transaction; the caller
        commits, then passes the events to `notify`.
        """
        result = self.command_handlers[type(command)](command, uow=uow, ctx=self.context)
        events = self._react(uow)
        uow.refresh_facts(self.context.policy, self._audit(uow, command))
        return result, events

    def notify(self, events: list[Event]) -> None:
        """Run the after-commit listeners for events of a transaction committed elsewhere."""
        self._notify(events)

    def save_response(self, key: IdempotencyKey, status_code: int, response: str) -> None:
        """Remember the exact response given for `key`, so a replay repeats it byte for byte."""
        with self.uow_factory() as uow:
            uow.idempotency.save_response(key.principal, key.key, status_code, response)
            uow.commit()

    def _previous(self, uow: UnitOfWork, key: IdempotencyKey) -> Outcome | None:
        row = uow.idempotency.get(key.principal, key.key)
        if row is None:
            return None
        if row.fingerprint != key.fingerprint:
            raise RuleViolation(
                "idempotency.key_reused",
                "this Idempotency-Key was already used for a different request",
            )
        return Outcome(
            result=row.result, replayed=True, status_code=row.status_code, response=row.response
        )

    def _audit(self, uow: UnitOfWork, command: Command) -> list[dict[str, Any]]:
        """Append the command's audit row: who, when, what, from where, before and after;
        return the changes it lists."""
        changes = uow.audit_changes()
        uow.append_audit(
            **audit.row(
                type(command).__name__,
                audit.command_fields(command),
                changes,
                at=self.context.clock.now(),
                actor=audit.actor_of(command, audit.current()),
                refs=audit.refs_of(command, incident_refs(changes)),
            )
        )
        return changes

    def _react(self, uow: UnitOfWork) -> list[Event]:
        """Run the in-transaction event handlers until no new events appear."""
        handled: list[Event] = []
        pending = list(uow.collect_new_events())
        while pending:
            event = pending.pop(0)
            handled.append(event)
            for handler in self.event_handlers.get(type(event), []):
                handler(event, uow=uow, ctx=self.context)
            pending.extend(uow.collect_new_events())
        return handled

    def _notify(self, events: list[Event]) -> None:
        for event in events:
            for listener in self.listeners:
                try:
                    listener(event)
                except Exception:  # a listener must never undo a committed command
                    log.exception("listener_failed", event=type(event).__name__)

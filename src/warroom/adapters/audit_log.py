"""The audit log's write side: changes seen by the session, and the append-only rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, event, insert, inspect
from sqlalchemy.orm import Session

from warroom.adapters.core_changes import PAUSE_KEY, SESSION_KEY, CoreChanges
from warroom.adapters.orm.audit import audit_log
from warroom.adapters.redaction import scrub

# Columns that only repeat what the entity key already says.
_SKIP = frozenset({"id", "incident_id"})


class ChangeTracker:
    """Collects what a session inserts, updates and deletes: ORM objects at every flush,
    and the Core statements repositories run on its connection (`core_changes`).

    Attribute history is read in `before_flush`, the last moment it is there; keys are
    resolved when the changes are taken, after the flush has assigned them.
    """

    def __init__(self, session: Session, jsonable: Any) -> None:
        self._jsonable = jsonable
        self._pending: list[tuple[str, Any, dict[str, Any], dict[str, Any]]] = []
        pending = self._pending

        def record(change: dict[str, Any]) -> None:
            """Add a change made outside the ORM: `{entity, target, op, before, after}`."""
            pending.append(("core", None, change, {}))

        # A function of the list, not a bound method: kept by `core`, a bound method would
        # make the tracker a reference cycle, freed only by the cyclic garbage collector
        # (see `unit_of_work`).
        self.record = record
        self.core = CoreChanges(record, jsonable)
        session.info[SESSION_KEY] = record
        session.info[PAUSE_KEY] = self.core
        # The session events are listened to once for every session (below); registering
        # listeners on each unit of work's session cost 7 % of a write request.
        session.info[TRACKER_KEY] = self

    def inserted(self, obj: Any, target: str, after: dict[str, Any] | None = None) -> None:
        """A mapped object written by a statement instead of the flush: its insert, as the
        flush would have recorded it (`after`: its columns as `columns` read them before
        the statement, if they have changed since)."""
        table = inspect(obj).mapper.local_table.name
        if after is None:
            after = self.columns(obj)
        self.record(
            {"entity": table, "target": target, "op": "insert", "before": {}, "after": after}
        )

    def _after_begin(self, _session: Session, _transaction: Any, connection: Any) -> None:
        self.core.watch(connection)

    def _after_flush(self, _session: Session, _context: Any) -> None:
        self.core.paused = False

    def _before_flush(self, session: Session, _context: Any, _instances: Any) -> None:
        self.core.paused = True  # the flush's own statements are read from history here
        for obj in session.new:
            self._pending.append(("insert", obj, {}, self.columns(obj)))
        for obj in session.dirty:
            before, after = self._history(obj)
            if before or after:
                self._pending.append(("update", obj, before, after))
        for obj in session.deleted:
            self._pending.append(("delete", obj, self.columns(obj), {}))

    def columns(self, obj: Any) -> dict[str, Any]:
        """The object's columns as an insert records them."""
        state = inspect(obj)
        values = {}
        for attr in state.mapper.column_attrs:
            if attr.key in _SKIP:
                continue
            value = state.dict.get(attr.key)
            if value is not None and value != "":
                values[attr.key] = self._jsonable(value)
        return values

    def _history(self, obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        state = inspect(obj)
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for attr in state.mapper.column_attrs:
            history = state.attrs[attr.key].history
            if not history.added and not history.deleted:
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
            before[attr.key] = self._jsonable(old)
            after[attr.key] = self._jsonable(new)
        return before, after

    def take(self) -> list[dict[str, Any]]:
        """The changes collected since the last call, one entry per object and operation."""
        merged: dict[tuple[str, str, int], dict[str, Any]] = {}
        for op, obj, before, after in self._pending:
            if op == "core":  # the same dict: a deferred write may complete it later
                merged[("", "core", len(merged))] = before
                continue
            table = inspect(obj).mapper.local_table.name
            slot = (table, op, id(obj))
            entry = merged.get(slot)
            if entry is None:
                merged[slot] = {
                    "entity": table,
                    "target": target_of(obj),
                    "op": op,
                    "before": before,
                    "after": after,
                }
            else:  # flushed twice: keep the first before and the last after
                entry["before"] = {**before, **entry["before"]}
                entry["after"] = {**entry["after"], **after}
        self._pending.clear()
        changes = list(merged.values())
        for change in changes:
            change["before"] = scrub(change["before"])
            change["after"] = scrub(change["after"])
        return changes


TRACKER_KEY = "warroom.change_tracker"


@event.listens_for(Session, "before_flush")
def _tracker_before_flush(session: Session, context: Any, instances: Any) -> None:
    tracker: ChangeTracker | None = session.info.get(TRACKER_KEY)
    if tracker is not None:
        tracker._before_flush(session, context, instances)


@event.listens_for(Session, "after_flush_postexec")
def _tracker_after_flush(session: Session, context: Any) -> None:
    tracker: ChangeTracker | None = session.info.get(TRACKER_KEY)
    if tracker is not None:
        tracker._after_flush(session, context)


@event.listens_for(Session, "after_begin")
def _tracker_after_begin(session: Session, transaction: Any, connection: Any) -> None:
    tracker: ChangeTracker | None = session.info.get(TRACKER_KEY)
    if tracker is not None:
        tracker._after_begin(session, transaction, connection)


def record_insert(
    session: Session, obj: Any, target: str, after: dict[str, Any] | None = None
) -> None:
    """See `ChangeTracker.inserted`; nothing when the session has no tracker."""
    tracker: ChangeTracker | None = session.info.get(TRACKER_KEY)
    if tracker is not None:
        tracker.inserted(obj, target, after)


def snapshot(session: Session, obj: Any) -> dict[str, Any] | None:
    """The object's columns as the tracker records an insert; None without a tracker."""
    tracker: ChangeTracker | None = session.info.get(TRACKER_KEY)
    return None if tracker is None else tracker.columns(obj)


def target_of(obj: Any) -> str:
    """The audit's key of an object that has its identity (`INC-3`, `INC-3/17`)."""
    number = getattr(obj, "number", None)
    if type(obj).__name__ == "Incident" and isinstance(number, int):
        return f"INC-{number}"
    incident_id = getattr(obj, "incident_id", None)
    identity = inspect(obj).identity
    own = "/".join(str(part) for part in identity) if identity else "new"
    if isinstance(incident_id, int):
        return f"INC-{incident_id}/{own}"
    return own


def incident_refs(changes: list[dict[str, Any]]) -> list[str]:
    """The incidents named by the keys of `changes`, in order of appearance."""
    refs = []
    for change in changes:
        target = str(change["target"])
        if target.startswith("INC-"):
            refs.append(target.split("/", 1)[0])
    return list(dict.fromkeys(refs))


class AuditLogRepository:
    """Appends audit rows in the unit of work's transaction; there is no update or delete.

    Rows are kept until the unit of work flushes and then inserted in one statement, so
    a batch of commands (group commit) costs one round trip, not one per command.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: list[dict[str, Any]] = []

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        role: str | None,
        channel: str,
        client_ip: str | None,
        user_agent: str | None,
        command: str,
        refs: str,
        fields: dict[str, Any],
        changes: list[dict[str, Any]],
    ) -> None:
        self._rows.append(
            {
                "at": at,
                "actor": actor[:500],
                "role": role,
                "channel": channel[:20],
                "client_ip": (client_ip or None) and client_ip[:100],
                "user_agent": (user_agent or None) and user_agent[:500],
                "command": command[:100],
                "refs": refs[:2000],
                "fields": fields,
                "changes": changes,
            }
        )

    def flush(self) -> None:
        """Insert the rows appended so far (called before the transaction commits)."""
        if self._rows:
            rows, self._rows = self._rows, []
            self.session.execute(insert(audit_log), rows)


# (command, fields, changes, actor) -> the values of one audit row (`audit.row_builder`).
RowBuilder = Callable[[str, Mapping[str, Any], list[dict[str, Any]], str | None], dict[str, Any]]


class AuditedWrites:
    """Transactions for the writes made outside the message bus: people, API tokens and
    console sessions. Each transaction records the Core statements it runs (as a unit of
    work does) and appends one audit row before it commits, so the change and its row
    commit together or not at all.
    """

    def __init__(self, engine: Engine, row: RowBuilder, jsonable: Callable[[Any], Any]) -> None:
        self.engine = engine
        self._row = row
        self._jsonable = jsonable

    @contextmanager
    def begin(
        self, command: str, fields: Mapping[str, Any], *, actor: str | None = None
    ) -> Iterator[Connection]:
        """A transaction audited as `command` with `fields` (secrets are hidden by name);
        `actor` names who acts when the request has no signed-in caller (a sign-in)."""
        with self.engine.begin() as conn:
            changes: list[dict[str, Any]] = []
            CoreChanges(changes.append, self._jsonable).watch(conn)
            yield conn
            for change in changes:
                change["before"] = scrub(change["before"])
                change["after"] = scrub(change["after"])
            conn.execute(insert(audit_log).values(**self._values(command, fields, changes, actor)))

    def record(self, command: str, fields: Mapping[str, Any], *, actor: str | None = None) -> None:
        """An audit row for something that changed nothing (a refused sign-in)."""
        with self.engine.begin() as conn:
            conn.execute(insert(audit_log).values(**self._values(command, fields, [], actor)))

    def _values(
        self,
        command: str,
        fields: Mapping[str, Any],
        changes: list[dict[str, Any]],
        actor: str | None,
    ) -> dict[str, Any]:
        values = self._row(command, fields, changes, actor)
        return {
            **values,
            "actor": values["actor"][:500],
            "channel": values["channel"][:20],
            "client_ip": (values["client_ip"] or None) and values["client_ip"][:100],
            "user_agent": (values["user_agent"] or None) and values["user_agent"][:500],
            "command": command[:100],
        }

"""Before and after of the writes a unit of work makes with Core statements.

The ORM's changes are read from attribute history (`audit_log.ChangeTracker`); repositories
that write plain tables with `insert()`/`update()`/`delete()` are seen here instead, by
listening on the unit of work's connection: an UPDATE or DELETE reads the rows its WHERE
matches before it runs (and an UPDATE reads them again after), an INSERT is recorded
with the values it wrote and the key it got, an upsert with the row before and after.
Statements run while the session flushes are the ORM's own and are left to its tracker.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, event, select
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase
from sqlalchemy.sql.elements import BindParameter

# Bookkeeping that is not the change itself: the audit rows, replay records of requests, and
# the counter that hands out incident numbers (each new incident's own insert shows its number).
UNTRACKED = frozenset({"audit_log", "idempotency_keys", "counters"})
# Columns that only repeat what the entity key already says.
SKIP = frozenset({"id", "incident_id"})

Record = Callable[[dict[str, Any]], None]
SESSION_KEY = "warroom.record_change"


PAUSE_KEY = "warroom.core_changes"


def record_change(session: Any, change: dict[str, Any]) -> None:
    """For a write made below SQLAlchemy (on the driver's cursor) or completed later (at
    flush): record it by hand. The dict is kept as given, so it can be filled in until
    the unit of work writes its audit rows."""
    record: Record | None = session.info.get(SESSION_KEY)
    if record is not None:
        record(change)


@contextmanager
def untracked(session: Any) -> Iterator[None]:
    """Run statements whose changes the caller records itself."""
    core: CoreChanges | None = session.info.get(PAUSE_KEY)
    if core is None:
        yield
        return
    paused, core.paused = core.paused, True
    try:
        yield
    finally:
        core.paused = paused


def _param_sets(multiparams: Any, params: Any) -> list[dict[str, Any]]:
    if multiparams:
        sets = [p for p in multiparams if isinstance(p, dict)]
        if sets:
            return sets
    return [dict(params)] if params else [{}]


def _plain(table: Table, row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def target_of(table: Table, values: dict[str, Any]) -> str:
    """The entity key as the ORM tracker writes it: `INC-<incident id>/<pk>` or `<pk>`."""
    pk = [values.get(c.name) for c in table.primary_key.columns]
    own = "/".join(str(p) for p in pk) if all(p is not None for p in pk) else "new"
    incident = values.get("incident_id")
    return f"INC-{incident}/{own}" if isinstance(incident, int) else own


def diff(
    before: dict[str, Any], after: dict[str, Any], jsonable: Callable[[Any], Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    old, new = {}, {}
    for name in sorted(set(before) | set(after)):
        if name in SKIP or before.get(name) == after.get(name):
            continue
        old[name] = jsonable(before.get(name))
        new[name] = jsonable(after.get(name))
    return old, new


def columns(values: dict[str, Any], jsonable: Callable[[Any], Any]) -> dict[str, Any]:
    return {
        k: jsonable(v) for k, v in values.items() if k not in SKIP and v is not None and v != ""
    }


class CoreChanges:
    """Listens on one connection; hands each change to `record` as it is made."""

    def __init__(self, record: Record, jsonable: Callable[[Any], Any]) -> None:
        self.record = record
        self.jsonable = jsonable
        self.paused = False  # while the ORM flushes
        self._before: list[tuple[Any, list[dict[str, Any]]]] = []

    def watch(self, connection: Connection) -> None:
        """See `connection`'s statements (its engine's listeners find us by connection)."""
        install(connection.engine)  # done by `open_database`; here for any other engine
        _WATCHING[connection] = self

    # -- events -------------------------------------------------------------------------------

    def _tracked(self, statement: Any) -> Table | None:
        if self.paused or not isinstance(statement, UpdateBase):
            return None
        table = statement.table
        if not isinstance(table, Table) or table.name in UNTRACKED:
            return None
        return table

    def _before_execute(
        self, conn: Connection, statement: Any, multiparams: Any, params: Any, _options: Any
    ) -> None:
        table = self._tracked(statement)
        if table is None:
            return
        rows: list[dict[str, Any]] = []
        if isinstance(statement, Update | Delete):
            where = statement.whereclause
            query = select(table) if where is None else select(table).where(where)
            for values in _param_sets(multiparams, params):
                rows.extend(_plain(table, r) for r in conn.execute(query, values))
        elif isinstance(statement, Insert):
            rows.extend(self._conflicting(conn, statement, table, multiparams, params))
        self._before.append((statement, rows))

    def _after_execute(
        self,
        conn: Connection,
        statement: Any,
        multiparams: Any,
        params: Any,
        _options: Any,
        result: Any,
    ) -> None:
        table = self._tracked(statement)
        if table is None or not self._before or self._before[-1][0] is not statement:
            return
        _statement, before = self._before.pop()
        if isinstance(statement, Delete):
            for row in before:
                self._emit(table, "delete", row, columns(row, self.jsonable), {})
        elif isinstance(statement, Update):
            literal = _literal_values(statement, multiparams, params)
            after = (
                [{**row, **literal} for row in before]
                if literal is not None
                else self._reread(conn, table, before)
            )
            for old, new in zip(before, after, strict=True):
                was, now = diff(old, new, self.jsonable)
                if was or now:
                    self._emit(table, "update", new, was, now)
        else:
            self._inserted(conn, table, statement, before, result)

    # -- inserts ------------------------------------------------------------------------------

    def _conflicting(
        self, conn: Connection, statement: Insert, table: Table, multiparams: Any, params: Any
    ) -> list[dict[str, Any]]:
        """The rows an upsert may meet (`ON CONFLICT`), found by its conflict target: one
        query per row, or one per few hundred rows when the target is one column."""
        clause = getattr(statement, "_post_values_clause", None)
        names = [
            getattr(e, "key", e) for e in getattr(clause, "inferred_target_elements", None) or ()
        ]
        if clause is None or not names:
            return []
        sets = [
            v for v in self._values(statement, multiparams, params) if all(n in v for n in names)
        ]
        if len(names) == 1 and len(sets) > 1:
            return list(_fetch_in(conn, table, names[0], [v[names[0]] for v in sets]).values())
        rows: list[dict[str, Any]] = []
        for values in sets:
            query = select(table).where(and_(*(table.c[n] == values[n] for n in names)))
            rows.extend(_plain(table, r) for r in conn.execute(query))
        return rows

    @staticmethod
    def _values(statement: Insert, multiparams: Any, params: Any) -> list[dict[str, Any]]:
        own = {
            getattr(k, "key", k): getattr(v, "value", v)
            for k, v in (getattr(statement, "_values", None) or {}).items()
        }
        return [{**own, **p} for p in _param_sets(multiparams, params)]

    def _inserted(
        self,
        conn: Connection,
        table: Table,
        statement: Insert,
        before: list[dict[str, Any]],
        result: Any,
    ) -> None:
        compiled = list(getattr(result.context, "compiled_parameters", None) or [{}])
        known = {c.name for c in table.columns}
        keyed = _natural_keys(table)
        upsert = bool(before) or getattr(statement, "_post_values_clause", None) is not None
        # Many rows upserted at once (a customer update to every subscriber): read them
        # back a few hundred at a time by a one-column unique key they all carry.
        key = next(
            (
                k[0]
                for k in keyed
                if upsert
                and len(compiled) > 1
                and len(k) == 1
                and all(p.get(k[0]) is not None for p in compiled)
            ),
            None,
        )
        written = _fetch_in(conn, table, key, [p[key] for p in compiled]) if key else {}
        by_pk = {_pk(b, table): b for b in before}
        for params in compiled:
            values = {k: v for k, v in params.items() if k in known}
            if upsert:
                found = written.get(values[key]) if key else None
                if found is None:
                    found = self._reread_by(conn, table, values, keyed)
                old = by_pk.get(_pk(found, table)) if found else None
                if found is None or (old is not None and old == found):
                    continue  # ON CONFLICT DO NOTHING met a row, or nothing was written
                if old is not None:
                    was, now = diff(old, found, self.jsonable)
                    self._emit(table, "update", found, was, now)
                    continue
                self._emit(table, "insert", found, {}, columns(found, self.jsonable))
                continue
            if not all(values.get(c.name) is not None for c in table.primary_key.columns):
                if len(compiled) == 1 and not statement._returning:
                    pk = result.inserted_primary_key
                    values.update(
                        {c.name: v for c, v in zip(table.primary_key.columns, pk, strict=True)}
                    )
                else:
                    found = self._reread_by(conn, table, values, keyed)
                    values = found if found is not None else values
            self._emit(table, "insert", values, {}, columns(values, self.jsonable))

    def _reread_by(
        self, conn: Connection, table: Table, values: dict[str, Any], keyed: list[list[str]]
    ) -> dict[str, Any] | None:
        """The row just written, found by a unique key it was given, else by its values."""
        names = next((k for k in keyed if all(values.get(n) is not None for n in k)), None)
        if names is None:
            names = [
                c.name
                for c in table.columns
                if values.get(c.name) is not None
                and not isinstance(values[c.name], dict | list)  # JSON: not comparable in SQL
            ]
        if not names:
            return None
        query = select(table).where(and_(*(table.c[n] == values[n] for n in names)))
        pk = list(table.primary_key.columns)
        row = conn.execute(query.order_by(*(c.desc() for c in pk)).limit(1)).first()
        return _plain(table, row) if row is not None else None

    def _reread(
        self, conn: Connection, table: Table, rows: Iterable[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        pk = list(table.primary_key.columns)
        out = []
        for row in rows:
            query = select(table).where(and_(*(c == row[c.name] for c in pk)))
            found = conn.execute(query).first()
            out.append(_plain(table, found) if found is not None else {})
        return out

    def _emit(
        self,
        table: Table,
        op: str,
        row: dict[str, Any],
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> None:
        self.record(
            {
                "entity": table.name,
                "target": target_of(table, row),
                "op": op,
                "before": before,
                "after": after,
            }
        )


# Engines whose connections are listened to once, by the engine, instead of each unit of
# work registering listeners on its connection (which cost more than the statements).
_INSTALLED: weakref.WeakSet[Engine] = weakref.WeakSet()
_WATCHING: weakref.WeakKeyDictionary[Connection, CoreChanges] = weakref.WeakKeyDictionary()


def install(engine: Engine) -> None:
    """Listen to every connection of `engine`, once; connections opened before may not be
    seen on an engine with no other listener, so `open_database` installs at creation."""
    if engine in _INSTALLED:
        return
    event.listen(engine, "before_execute", _before_execute)
    event.listen(engine, "after_execute", _after_execute)
    _INSTALLED.add(engine)


def _before_execute(conn: Connection, *args: Any) -> None:
    core = _WATCHING.get(conn)
    if core is not None:
        core._before_execute(conn, *args)


def _after_execute(conn: Connection, *args: Any) -> None:
    core = _WATCHING.get(conn)
    if core is not None:
        core._after_execute(conn, *args)


def _literal_values(statement: Update, multiparams: Any, params: Any) -> dict[str, Any] | None:
    """What a single UPDATE sets when every value is a plain value (no SQL expression, no
    parameter given at execution): the rows after are then known without reading them."""
    if multiparams or params:
        return None
    values = {}
    for key, value in (getattr(statement, "_values", None) or {}).items():
        if not isinstance(value, BindParameter) or value.callable is not None:
            return None
        values[getattr(key, "key", key)] = value.value
    return values


def record_row(session: Any, table: Table, values: dict[str, Any]) -> None:
    """Record an INSERT whose statement ran untracked (its caller knows the key)."""
    core: CoreChanges | None = session.info.get(PAUSE_KEY)
    if core is not None:
        core._emit(table, "insert", values, {}, columns(values, core.jsonable))


def _natural_keys(table: Table) -> list[list[str]]:
    keys = [[c.name for c in table.primary_key.columns]]
    for constraint in table.constraints:
        cols = getattr(constraint, "columns", None)
        if cols is not None and constraint.__class__.__name__ == "UniqueConstraint":
            keys.append([c.name for c in cols])
    for index in table.indexes:
        if index.unique:
            keys.append([c.name for c in index.columns])
    return keys


def _fetch_in(
    conn: Connection, table: Table, column: str, keys: list[Any]
) -> dict[Any, dict[str, Any]]:
    """The rows whose `column` (unique) is one of `keys`, by that column's value."""
    found: dict[Any, dict[str, Any]] = {}
    for start in range(0, len(keys), 500):
        query = select(table).where(table.c[column].in_(keys[start : start + 500]))
        for r in conn.execute(query):
            row = _plain(table, r)
            found[row[column]] = row
    return found


def _pk(row: dict[str, Any], table: Table) -> tuple[Any, ...]:
    return tuple(row.get(c.name) for c in table.primary_key.columns)

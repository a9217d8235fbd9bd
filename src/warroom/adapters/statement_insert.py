"""New rows written by INSERT statements rather than by the ORM's flush.

A declaration's transaction holds SQLite's one write slot, and every other write waits
for it. The ORM's flush of a new incident with its checklist marks, stage arrival and
clocks (sorting the unit of work, collecting each object's parameters, syncing keys,
fetching defaults) cost more than the statements it ran. A new aggregate is written here
instead: one INSERT per table, the values read off the objects as the flush reads them,
each row recorded in the audit exactly as the flush's tracker would have recorded it. The
objects are then attached to the session as persistent, as after a flush, so what a later
command of the same transaction changes on them is flushed as an UPDATE.

Anything this does not handle the same way as the flush (joined tables, version
counters, server-side or callable defaults, a relationship that is not parent to
children) is left to the flush, untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Select, Table, func, insert, inspect, select
from sqlalchemy.orm import Mapper, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import UnmappedColumnError
from sqlalchemy.orm.interfaces import ONETOMANY

from warroom.adapters.audit_log import record_insert, snapshot, target_of
from warroom.adapters.core_changes import untracked

_MISSING = object()


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Insert `rows` into `table`, whose key is one integer column handed out by the
    database; return the keys, in the order of `rows`. Several rows go in one statement:
    on SQLite numbered here from the highest key (the caller's transaction holds the one
    write lock, so no other writer can take the same numbers), elsewhere with the keys
    returned in the order given."""
    if len(rows) == 1:
        return [conn.execute(_returning(table), rows[0]).scalar_one()]
    if conn.dialect.name == "sqlite":
        (key,) = table.primary_key.columns
        top = conn.execute(_last_key(table)).scalar_one() or 0
        keys = list(range(top + 1, top + 1 + len(rows)))
        numbered = [{**row, key.name: k} for row, k in zip(rows, keys, strict=True)]
        conn.execute(insert(table), numbered)
        return keys
    return list(conn.execute(_returning(table, ordered=True), rows).scalars())


@cache
def _returning(table: Table, *, ordered: bool = False) -> Insert:
    (key,) = table.primary_key.columns
    return insert(table).returning(key, sort_by_parameter_order=ordered)


@cache
def _last_key(table: Table) -> Select[Any]:
    (key,) = table.primary_key.columns
    return select(func.max(key))


def insert_aggregate(session: Session, root: Any) -> bool:
    """Write `root`, pending in `session`, and the pending children its relationships
    hold (and theirs) by statement, then attach them as persistent. False, with nothing
    done, when the aggregate has a shape left to the flush."""
    levels = _levels(root)
    if levels is None:
        return False
    # Before anything is set on the objects: the flush's tracker reads them before the
    # flush too, when keys and defaults are not filled in yet.
    audited = [(obj, snapshot(session, obj)) for level in levels for obj, _ in level]
    session.expunge(root)  # with its children: transient again, until attached below
    conn = session.connection()
    with untracked(session):
        for level in levels:
            _insert_level(conn, level)
    for obj, after in audited:
        make_transient_to_detached(obj)
        _empty_children(obj)
        if after is not None:
            record_insert(session, obj, target_of(obj), after)
    session.add(root)  # and, by cascade, the children: persistent, nothing to flush
    return True


def _empty_children(obj: Any) -> None:
    """A collection of children never touched on a new object is known to be empty (no
    row could refer to a key that did not exist): loaded as such rather than left to a
    query, so the aggregate can be read whole once its session is gone."""
    state = inspect(obj)
    unloaded = state.unloaded
    for rel in state.mapper.relationships:
        if rel.key in unloaded and _keyed_on_parent(rel):
            set_committed_value(obj, rel.key, [] if rel.uselist else None)


@cache
def _keyed_on_parent(rel: Any) -> bool:
    """Children that refer to their parent's own key (and nothing else does)."""
    if rel.direction is not ONETOMANY or rel.secondary is not None:
        return False
    keys = set(rel.parent.local_table.primary_key.columns)
    return all(parent_col in keys for parent_col, _ in rel.synchronize_pairs)


def fully_loaded(root: Any) -> bool:
    """Whether every attribute of the aggregate is in memory: it can then be read after
    its session has closed, without a query."""
    pending = [root]
    while pending:
        state = inspect(pending.pop())
        if state.unloaded or state.expired:
            return False
        for rel in state.mapper.relationships:
            value = state.dict.get(rel.key)
            if value is not None:
                pending.extend(value if rel.uselist else [value])
    return True


# One level of the aggregate: each object with how to set its parent's key on it.
Level = list[tuple[Any, list[tuple[str, Any, str]]]]


def _levels(root: Any) -> list[Level] | None:
    """The aggregate's pending objects, parents before children; None when any of them
    has a shape this module leaves to the flush."""
    state = inspect(root)
    if not state.pending or not _simple(state.mapper):
        return None
    levels: list[Level] = [[(root, [])]]
    while True:
        children: Level = []
        for parent, _ in levels[-1]:
            found = _children(parent)
            if found is None:
                return None
            children.extend(found)
        if not children:
            return levels
        levels.append(children)


def _children(parent: Any) -> Level | None:
    state = inspect(parent)
    found: Level = []
    for rel in state.mapper.relationships:
        value = state.dict.get(rel.key)
        if value is None:
            continue
        if not (rel.cascade.save_update and rel.cascade.expunge):
            return None
        items = list(value) if rel.uselist else [value]
        if not items:
            continue
        if rel.direction is not ONETOMANY or rel.secondary is not None:
            return None
        links = []
        for parent_col, child_col in rel.synchronize_pairs:
            child_key = rel.mapper.get_property_by_column(child_col).key
            parent_key = state.mapper.get_property_by_column(parent_col).key
            links.append((child_key, parent, parent_key))
        for item in items:
            child = inspect(item)
            if not child.pending or not _simple(child.mapper):
                return None
            found.append((item, links))
    return found


@cache
def _simple(mapper: Mapper[Any]) -> bool:
    """A mapper whose rows this module writes as the flush would."""
    table = mapper.local_table
    if not isinstance(table, Table) or mapper.persist_selectable is not table:
        return False
    if mapper.inherits is not None or mapper.version_id_col is not None:
        return False
    if len(table.primary_key.columns) != 1:
        return False
    for column in table.columns:
        if column.server_default is not None or column.server_onupdate is not None:
            return False
        if column.default is not None and not column.default.is_scalar:
            return False
    return True


@cache
def _columns(mapper: Mapper[Any]) -> tuple[tuple[Any, str], ...]:
    """(column, attribute) for every column the mapping writes."""
    out = []
    for column in mapper.local_table.columns:
        try:
            out.append((column, mapper.get_property_by_column(column).key))
        except UnmappedColumnError:  # excluded from the mapping: its default applies
            continue
    return tuple(out)


def _insert_level(conn: Connection, level: Level) -> None:
    by_mapper: dict[Mapper[Any], list[Any]] = {}
    for obj, links in level:
        for child_key, parent, parent_key in links:
            setattr(obj, child_key, getattr(parent, parent_key))
        by_mapper.setdefault(inspect(obj).mapper, []).append(obj)
    for mapper, objs in by_mapper.items():
        table: Table = mapper.local_table  # type: ignore[assignment]
        (key_column,) = table.primary_key.columns
        key_attr = mapper.get_property_by_column(key_column).key
        rows = [_row(mapper, obj) for obj in objs]
        if all(row.get(key_column.name) is not None for row in rows):
            conn.execute(insert(table), rows)
        else:
            for row in rows:
                row.pop(key_column.name, None)
            for obj, key in zip(objs, insert_rows(conn, table, rows), strict=True):
                setattr(obj, key_attr, key)


def _row(mapper: Mapper[Any], obj: Any) -> dict[str, Any]:
    """The values the flush would insert; a column left unset or None that has a default
    gets the default, and the object is given the value written (as the flush does)."""
    values = inspect(obj).dict
    row = {}
    for column, attr in _columns(mapper):
        value = values.get(attr, _MISSING)
        if value is None or value is _MISSING:
            if column.default is not None:
                value = column.default.arg
                setattr(obj, attr, value)
            elif value is _MISSING:
                if column.primary_key:
                    continue
                value = None
                setattr(obj, attr, None)
        row[column.name] = value
    return row

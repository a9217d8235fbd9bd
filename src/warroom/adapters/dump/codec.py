"""The dump format: a header line, one `{"table": …, "row": {…}}` line per row, a footer line."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import orjson
from sqlalchemy import Connection, Date, Table, Time, inspect, text

from warroom.adapters.orm import metadata
from warroom.adapters.orm.types import UTCDateTime

FORMAT = "warroom-dump"
VERSION = 1

Decoder = Callable[[Any], Any]


class DumpError(Exception):
    """A line of a dump cannot be read or stored; names the line and, when known, the table."""

    def __init__(self, message: str, *, line: int, table: str | None = None) -> None:
        where = f"line {line}" + (f" (table {table})" if table else "")
        super().__init__(f"{where}: {message}")
        self.line = line
        self.table = table


def tables() -> list[Table]:
    """Every table of the schema, parents before children (the order rows are written in)."""
    return list(metadata.sorted_tables)


def revision(conn: Connection) -> str | None:
    """The Alembic revision the database is at, or None when it was never migrated."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(heads)) or None


def _fallback(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to a dump")


def encode(obj: dict[str, Any]) -> bytes:
    """One line of the dump (UTF-8, newline-terminated)."""
    try:
        return orjson.dumps(obj) + b"\n"
    except TypeError:
        # orjson refuses integers beyond 64 bits and lone surrogates; json writes both.
        return json.dumps(obj, default=_fallback, ensure_ascii=True).encode() + b"\n"


def decode(raw: bytes) -> Any:
    """A line read back (json: orjson turns integers beyond 64 bits into floats)."""
    return json.loads(raw)


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed


def _typed(parse: Callable[[str], Any]) -> Decoder:
    def decoder(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError(f"expected an ISO 8601 string, got {value!r}")
        return parse(value)

    return decoder


def decoders(table: Table) -> dict[str, Decoder]:
    """Per column, how a JSON value becomes what the column type binds (only where it differs)."""
    found: dict[str, Decoder] = {}
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            found[column.name] = _typed(_aware)
        elif isinstance(column.type, Date):
            found[column.name] = _typed(date.fromisoformat)
        elif isinstance(column.type, Time):
            found[column.name] = _typed(time.fromisoformat)
    return found

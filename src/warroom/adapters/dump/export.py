"""Write every table to a dump, streaming, from one consistent snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import Column, Connection, Table, func, select, text

from warroom.adapters.db import Database
from warroom.adapters.dump import codec

BATCH = 5000


def _order(table: Table) -> list[Column[Any]]:
    return list(table.primary_key.columns) or list(table.columns)


def _python_lines(conn: Connection, table: Table, batch: int) -> Iterator[tuple[bytes, int]]:
    """Rows read through the column types and written by orjson (SQLite)."""
    # Keys are plain str: orjson refuses str subclasses (quoted_name) as keys.
    names = [str(c.name) for c in table.columns]
    query = select(table).order_by(*_order(table))
    for rows in conn.execution_options(yield_per=batch).execute(query).partitions(batch):
        lines = (
            codec.encode({"table": table.name, "row": dict(zip(names, row, strict=True))})
            for row in rows
        )
        yield b"".join(lines), len(rows)


def _postgresql_lines(conn: Connection, table: Table, batch: int) -> Iterator[tuple[bytes, int]]:
    """Lines written whole by PostgreSQL (row_to_json) and streamed out with COPY."""
    # With the session in UTC, timestamps come out as 2026-11-23T10:00:00.5+00:00, JSON
    # columns as JSON, booleans as true/false: the same values the Python path writes.
    # CSV with control characters as delimiter and quote copies each line verbatim: JSON
    # escapes every control character and newline inside its strings.
    order = ", ".join(f'"{c.name}"' for c in _order(table))
    line = f"""'{{"table":"{table.name}","row":' || row_to_json(t)::text || '}}'"""
    sql = (
        f'COPY (SELECT {line} FROM "{table.name}" AS t ORDER BY {order}) '
        "TO STDOUT (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')"
    )
    raw = conn.connection.driver_connection
    assert raw is not None  # a live connection inside the export's transaction
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        pending: list[bytes] = []
        for data in copy:
            pending.append(bytes(data))
            if len(pending) >= batch:
                chunk = b"".join(pending)
                yield chunk, chunk.count(b"\n")
                pending = []
        if pending:
            chunk = b"".join(pending)
            yield chunk, chunk.count(b"\n")


def _noop(_: int) -> None:
    return None


def export(
    db: Database,
    out: BinaryIO,
    *,
    now: datetime,
    on_total: Callable[[int], None] = _noop,
    on_rows: Callable[[int], None] = _noop,
    batch: int = BATCH,
) -> dict[str, int]:
    """Write the header, every row of every table and a footer; return the rows per table."""
    with db.read.connect() as conn:
        if not db.is_sqlite:
            # One snapshot for every table: rows written while the export runs are not half in.
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if not db.is_sqlite:
                conn.execute(text("SET LOCAL TIME ZONE 'UTC'"))
            return _write(conn, out, now=now, on_total=on_total, on_rows=on_rows, batch=batch)


def _write(
    conn: Connection,
    out: BinaryIO,
    *,
    now: datetime,
    on_total: Callable[[int], None],
    on_rows: Callable[[int], None],
    batch: int,
) -> dict[str, int]:
    tables = codec.tables()
    header = {
        "format": codec.FORMAT,
        "version": codec.VERSION,
        "revision": codec.revision(conn),
        "dialect": conn.dialect.name,
        "exported_at": now.isoformat(),
        "tables": [t.name for t in tables],
    }
    out.write(codec.encode(header))
    on_total(sum(conn.scalar(select(func.count()).select_from(t)) or 0 for t in tables))
    counts: dict[str, int] = {}
    lines = _postgresql_lines if conn.dialect.name == "postgresql" else _python_lines
    for table in tables:
        written = 0
        for chunk, n in lines(conn, table, batch):
            out.write(chunk)
            written += n
            on_rows(n)
        counts[str(table.name)] = written
    out.write(codec.encode({"end": True, "rows": counts}))
    out.flush()
    return counts

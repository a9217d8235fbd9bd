"""Read a dump into an empty database at the same revision, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Insert,
    Integer,
    Table,
    bindparam,
    delete,
    exists,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import SQLAlchemyError

from warroom.adapters.db import Database
from warroom.adapters.dump import codec
from warroom.adapters.orm.base import counters

BATCH = 1000


class ImportRefused(Exception):
    """The target database cannot take this dump (not empty, another revision)."""


def _noop(_: int) -> None:
    return None


def load(
    db: Database,
    lines: Iterable[bytes],
    *,
    on_bytes: Callable[[int], None] = _noop,
    batch: int = BATCH,
) -> dict[str, int]:
    """Insert every row of the dump; all or nothing. Returns the rows per table."""
    with db.write.begin() as conn:
        loader = _Loader(conn, batch=batch)
        for number, raw in enumerate(lines, start=1):
            loader.line(number, raw)
            on_bytes(len(raw))
        counts = loader.finish()
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
    return counts


def _insert(table: Table) -> Insert:
    """An INSERT whose JSON columns store None as SQL NULL (as the application writes it)."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if isinstance(column.type, JSON):  # JSONType: JSON with a JSONB variant
            null_json = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
            values[column.name] = bindparam(column.name, type_=null_json)
    return table.insert().values(values) if values else table.insert()


class _Loader:
    """Checks the header, then batches rows per table and inserts them in file order."""

    def __init__(self, conn: Connection, *, batch: int) -> None:
        self.conn = conn
        self.batch = batch
        self.by_name = {t.name: t for t in codec.tables()}
        self.decoders = {t.name: codec.decoders(t) for t in codec.tables()}
        self.columns = {t.name: frozenset(c.name for c in t.columns) for t in codec.tables()}
        self.inserts: dict[str, Insert] = {}
        self.header_seen = False
        self.footer: dict[str, Any] | None = None
        self.table: str | None = None
        self.pending: list[tuple[int, dict[str, Any]]] = []
        self.counts: dict[str, int] = {}
        self.last_line = 0

    def line(self, number: int, raw: bytes) -> None:
        self.last_line = number
        if not raw.strip():
            return
        if self.footer is not None:
            raise codec.DumpError("a line after the footer line", line=number)
        try:
            item = codec.decode(raw)
        except ValueError as exc:
            raise codec.DumpError(f"not JSON ({exc})", line=number) from None
        if not isinstance(item, dict):
            raise codec.DumpError("expected a JSON object", line=number)
        if not self.header_seen:
            self._header(number, item)
        elif "table" in item:
            self._row(number, item)
        elif item.get("end") is True:
            self._flush()
            self.footer = item
        else:
            raise codec.DumpError('expected {"table": …, "row": {…}} or the footer', line=number)

    def _header(self, number: int, item: dict[str, Any]) -> None:
        if item.get("format") != codec.FORMAT:
            raise codec.DumpError(
                "not a warroom dump: the first line must be the header "
                f'{{"format": "{codec.FORMAT}", …}}',
                line=number,
            )
        if item.get("version") != codec.VERSION:
            raise codec.DumpError(
                f"dump format version {item.get('version')!r}; this warroom reads version "
                f"{codec.VERSION}",
                line=number,
            )
        _check_target(self.conn, item.get("revision"))
        # The migrations seed the counters with zeros; the dump brings the real values.
        self.conn.execute(delete(counters))
        self.header_seen = True

    def _row(self, number: int, item: dict[str, Any]) -> None:
        name = item["table"]
        table = self.by_name.get(name) if isinstance(name, str) else None
        if table is None:
            raise codec.DumpError(f"unknown table {name!r}", line=number)
        row = item.get("row")
        if not isinstance(row, dict):
            raise codec.DumpError('"row" must be a JSON object', line=number, table=name)
        expected = self.columns[name]
        if row.keys() != expected:
            unknown = sorted(row.keys() - expected)
            missing = sorted(expected - row.keys())
            problem = f"unknown columns {unknown}" if unknown else f"missing columns {missing}"
            raise codec.DumpError(problem, line=number, table=name)
        for column, decoder in self.decoders[name].items():
            try:
                row[column] = decoder(row[column])
            except ValueError as exc:
                raise codec.DumpError(f"column {column}: {exc}", line=number, table=name) from None
        if name != self.table:
            self._flush()
            if name in self.counts:
                raise codec.DumpError(
                    "rows of a table must be together, parents before children",
                    line=number,
                    table=name,
                )
            self.table = name
            self.counts[name] = 0
        self.pending.append((number, row))
        if len(self.pending) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if not self.pending or self.table is None:
            return
        name = self.table
        if name not in self.inserts:
            self.inserts[name] = _insert(self.by_name[name])
        statement = self.inserts[name]
        try:
            with self.conn.begin_nested():
                self.conn.execute(statement, [row for _, row in self.pending])
        except SQLAlchemyError:
            self._blame(statement, name)
            raise
        self.counts[name] += len(self.pending)
        self.pending = []

    def _blame(self, statement: Insert, name: str) -> None:
        """Insert the failed batch row by row to name the line the database refuses."""
        for number, row in self.pending:
            try:
                with self.conn.begin_nested():
                    self.conn.execute(statement, [row])
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise codec.DumpError(
                    f"the database refuses the row: {reason}", line=number, table=name
                ) from None

    def finish(self) -> dict[str, int]:
        if not self.header_seen:
            raise codec.DumpError("empty file: no header line", line=self.last_line)
        self._flush()
        if self.footer is None:
            raise codec.DumpError(
                "the file ends without its footer line: the dump is truncated",
                line=self.last_line,
            )
        announced = self.footer.get("rows")
        got = {name: count for name, count in self.counts.items() if count}
        if not isinstance(announced, dict) or {k: v for k, v in announced.items() if v} != got:
            raise codec.DumpError(
                f"the footer announces {announced} rows but the file holds {got}",
                line=self.last_line,
            )
        return self.counts


def _check_target(conn: Connection, wanted: Any) -> None:
    """Refuse a database at another revision or with any data in it."""
    current = codec.revision(conn)
    if current is None:
        raise ImportRefused(
            f"the database has no schema: run `warroom db upgrade {wanted}` on it first"
        )
    if current != wanted:
        raise ImportRefused(
            f"the dump is at schema revision {wanted} but the database is at {current}: import "
            f"into a new database migrated with `warroom db upgrade {wanted}`, then run "
            "`warroom db upgrade`"
        )
    # The counters last: an incident row names the problem better than its counter.
    for table in sorted(codec.tables(), key=lambda t: t is counters):
        query = exists().select_from(table)
        if table is counters:
            query = query.where(counters.c.value != 0)
        if conn.scalar(select(query)):
            raise ImportRefused(
                f"the database is not empty (table {table.name} has rows): import only into a "
                "new database, just migrated"
            )


def _reset_sequences(conn: Connection) -> None:
    """Move each serial column's sequence past the imported ids, so new rows do not collide."""
    for table in codec.tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        sequence = conn.scalar(select(func.pg_get_serial_sequence(table.name, pk[0].name)))
        if sequence is None:
            continue
        highest = select(func.coalesce(func.max(pk[0]), 0)).scalar_subquery()
        conn.execute(select(func.setval(sequence, highest + 1, False)))

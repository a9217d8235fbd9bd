"""`epoch(ts)`: seconds since 1970 of a stored UTC time, as a float, on both databases.

Durations are then plain subtraction in SQL, without dialect-specific interval types.
SQLite keeps times as text and `julianday` parses it (resolution ~20 µs: callers compare
with a millisecond of slack); PostgreSQL's EXTRACT returns numeric, cast to a float.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch(FunctionElement[float]):  # noqa: N801 - used like a SQL function
    type = Float()
    inherit_cache = True
    name = "epoch"


@compiles(epoch)
def _default(element: epoch, compiler: Any, **kw: Any) -> str:
    return (
        f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"
    )


@compiles(epoch, "sqlite")
def _sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


class seconds_ms(FunctionElement[float]):  # noqa: N801 - used like a SQL function
    """A float of seconds rounded to milliseconds (SQLite's julianday is not exact)."""

    type = Float()
    inherit_cache = True
    name = "seconds_ms"


@compiles(seconds_ms)
def _default_ms(element: seconds_ms, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CAST(ROUND(CAST({value} AS NUMERIC), 3) AS DOUBLE PRECISION)"


@compiles(seconds_ms, "sqlite")
def _sqlite_ms(element: seconds_ms, compiler: Any, **kw: Any) -> str:
    return f"ROUND({compiler.process(element.clauses, **kw)}, 3)"


class year_month(FunctionElement[str]):  # noqa: N801 - used like a SQL function
    """'YYYY-MM' of a stored UTC time."""

    type = String()
    inherit_cache = True
    name = "year_month"


@compiles(year_month)
def _default_month(element: year_month, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM')"


@compiles(year_month, "sqlite")
def _sqlite_month(element: year_month, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"

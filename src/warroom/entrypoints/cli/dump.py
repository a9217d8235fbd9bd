"""`warroom export` / `warroom import`: every table as JSON Lines, straight on the database."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.exc import OperationalError

from warroom.adapters import db as database
from warroom.adapters.clock import SystemClock
from warroom.adapters.dump import codec
from warroom.adapters.dump.export import export
from warroom.adapters.dump.load import ImportRefused, load
from warroom.config import Settings
from warroom.entrypoints.cli.client import EXIT_INPUT, EXIT_RULE, EXIT_UNREACHABLE

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="Database to use (default: WARROOM_DATABASE_URL)."),
]


def _fail(message: str, code: int) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _progress(*columns: ProgressColumn) -> Progress:
    # On stderr, so that `warroom export` can write the dump to stdout.
    return Progress(
        TextColumn("{task.description}"),
        *columns,
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )


@contextmanager
def _opened(url: str | None) -> Iterator[database.Database]:
    db = database.open_database(url or Settings().database_url, pool_size=1)
    try:
        yield db
    except OperationalError as exc:
        first = str(exc.orig or exc).strip().splitlines()[0]
        raise _fail(f"cannot use the database: {first}", EXIT_UNREACHABLE) from None
    finally:
        db.dispose()


def export_command(
    out: Annotated[
        str, typer.Option("--out", "-o", help="File to write, or - for standard output.")
    ] = "-",
    database_url: DatabaseUrl = None,
) -> None:
    """Write every table as JSON Lines (a backup, or the way from SQLite to PostgreSQL)."""
    with _opened(database_url) as db, _progress(BarColumn(), MofNCompleteColumn()) as bar:
        task = bar.add_task("export rows", total=None)
        target: BinaryIO = sys.stdout.buffer if out == "-" else Path(out).open("wb")  # noqa: SIM115
        try:
            counts = export(
                db,
                target,
                now=SystemClock().now(),
                on_total=lambda total: bar.update(task, total=total),
                on_rows=lambda n: bar.advance(task, n),
            )
        finally:
            if target is not sys.stdout.buffer:
                target.close()
    typer.echo(f"exported {sum(counts.values())} rows of {len(counts)} tables", err=True)


def import_command(
    file: Annotated[str, typer.Argument(help="A file written by `warroom export`, or -.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Load a dump into a new, migrated, empty database (all or nothing)."""
    if file == "-":
        source: BinaryIO = sys.stdin.buffer
        size = None
    else:
        path = Path(file)
        if not path.is_file():
            raise _fail(f"FILE: {file} is not a readable file", EXIT_INPUT)
        source = path.open("rb")
        size = os.fstat(source.fileno()).st_size
    try:
        with _opened(database_url) as db, _progress(BarColumn(), DownloadColumn()) as bar:
            task = bar.add_task("import", total=size)
            counts = load(db, source, on_bytes=lambda n: bar.advance(task, n))
    except ImportRefused as exc:
        raise _fail(f"import refused: {exc}", EXIT_RULE) from None
    except codec.DumpError as exc:
        raise _fail(f"{file}: {exc}; nothing was imported", EXIT_INPUT) from None
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    typer.echo(f"imported {sum(counts.values())} rows into {len(counts)} tables", err=True)


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
    app.command("import")(import_command)

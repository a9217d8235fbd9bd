"""What every CLI command receives: how to reach the API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import typer

from warroom.entrypoints.cli.client import ApiClient, ClientFactory, CliError

T = TypeVar("T")


@dataclass
class CliState:
    client_factory: ClientFactory


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


@contextmanager
def failing_cleanly() -> Iterator[None]:
    """Turn CliError into a message on stderr and the documented exit code."""
    try:
        yield
    except CliError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(exc.code) from None


def call(ctx: typer.Context, action: Callable[[ApiClient], T]) -> T:
    """Run `action` with an API client, mapping failures to exit codes."""
    with failing_cleanly():
        return action(state(ctx).client_factory())


def clean(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}

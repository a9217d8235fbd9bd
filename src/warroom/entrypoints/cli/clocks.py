"""Clock commands: the pending clocks, recording the retrospective, releasing people."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.entrypoints.cli import clock_output, output
from warroom.entrypoints.cli.incidents import At, Json
from warroom.entrypoints.cli.state import call, clean

Ref = Annotated[str, typer.Argument(help="INC-12")]


def clocks(ctx: typer.Context, ref: Ref, json_: Json = False) -> None:
    """What is due when: update countdowns, the retrospective, every pending clock."""
    data = call(ctx, lambda c: c.get(f"/incidents/{ref}/clocks"))
    if json_:
        output.emit_json(data)
        return
    clock_output.clocks_section({**data, "clocks": data["data"]})


def retrospective(ctx: typer.Context, ref: Ref, at: At = None, json_: Json = False) -> None:
    """Record that the retrospective was held (stops its deadline)."""
    inc = call(ctx, lambda c: c.post(f"/incidents/{ref}/retrospective", clean(occurred_at=at)))
    if json_:
        output.emit_json(inc)
        return
    typer.echo(f"Retrospective of {inc['ref']} recorded as held")


def release_all(
    ctx: typer.Context,
    ref: Ref,
    keep: Annotated[
        list[str] | None, typer.Option(help="A role whose holder stays (repeat; commander).")
    ] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    """Release everyone no longer needed: every role but the kept ones."""
    body = clean(keep=keep or ["commander"], occurred_at=at)
    result = call(ctx, lambda c: c.post(f"/incidents/{ref}/release-everyone", body))
    if json_:
        output.emit_json(result)
        return
    released = result["released"]
    if not released:
        typer.echo(f"Nobody to release on {result['ref']}")
    for r in released:
        typer.echo(f"Released {r['person']} from {r['role']} on {result['ref']}")


def register(app: typer.Typer) -> None:
    app.command()(clocks)
    app.command()(retrospective)
    app.command("release-all")(release_all)

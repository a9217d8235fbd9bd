"""Checklists, next steps and the roles matrix from the terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from warroom.adapters.policy_file import PolicyError, load_policy
from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.client import EXIT_INPUT
from warroom.entrypoints.cli.incidents import At, Json
from warroom.entrypoints.cli.state import call, clean
from warroom.service_layer.checklist_text import checklist_text
from warroom.service_layer.matrix import matrix_html, matrix_markdown, roles_matrix
from warroom.service_layer.on_duty import NoOnCall

Ref = Annotated[str, typer.Argument(help="INC-12")]
Item = Annotated[str, typer.Argument(help="The item's id, as `warroom checklist REF` shows it.")]


def checklist(
    ctx: typer.Context,
    ref: Ref,
    role: Annotated[str | None, typer.Option(help="Only the items this role owns.")] = None,
    later: Annotated[bool, typer.Option(help="Also list the steps of later stages.")] = False,
    json_: Json = False,
) -> None:
    """The incident's checklist: done, skipped, to do, overdue, by stage."""
    view = call(ctx, lambda c: c.get(f"/incidents/{ref}/checklist", role=role))
    if json_:
        output.emit_json(view)
    else:
        typer.echo(checklist_text(view, show_later=later))


def _changed(view: dict[str, Any], item: str, verb: str) -> str:
    found = next((i for i in view["items"] if i["id"] == item), None)
    title = f": {found['title']}" if found else ""
    return f"{view['ref']} {item} {verb}{title}"


def check(
    ctx: typer.Context,
    ref: Ref,
    item: Item,
    note: Annotated[str, typer.Option(help="A note for the timeline.")] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    """Tick a checklist item (with --at for when it was really done)."""
    view = call(
        ctx,
        lambda c: c.post(
            f"/incidents/{ref}/checklist/{item}/check", clean(note=note, occurred_at=at)
        ),
    )
    output.emit_json(view) if json_ else typer.echo(_changed(view, item, "ticked"))


def skip(
    ctx: typer.Context,
    ref: Ref,
    item: Item,
    reason: Annotated[str, typer.Option(help="Why it is not being done (required).")],
    at: At = None,
    json_: Json = False,
) -> None:
    """Skip a checklist item, with a reason."""
    view = call(
        ctx,
        lambda c: c.post(
            f"/incidents/{ref}/checklist/{item}/skip", clean(reason=reason, occurred_at=at)
        ),
    )
    output.emit_json(view) if json_ else typer.echo(_changed(view, item, "skipped"))


def uncheck(
    ctx: typer.Context,
    ref: Ref,
    item: Item,
    reason: Annotated[str, typer.Option(help="Why it goes back on the list.")] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    """Reopen a ticked or skipped checklist item."""
    view = call(
        ctx,
        lambda c: c.post(
            f"/incidents/{ref}/checklist/{item}/reopen", clean(reason=reason, occurred_at=at)
        ),
    )
    output.emit_json(view) if json_ else typer.echo(_changed(view, item, "reopened"))


def next_(
    ctx: typer.Context,
    ref: Annotated[
        str | None, typer.Argument(help="One incident (all of yours if omitted).")
    ] = None,
    person: Annotated[str | None, typer.Option(help="Someone else's (default: you).")] = None,
    json_: Json = False,
) -> None:
    """Your next steps: the open items your roles own, soonest deadline first."""
    data: dict[str, Any]
    if ref:
        one = call(ctx, lambda c: c.get(f"/incidents/{ref}/next-steps", person=person))
        data = {"person": person, "data": [one], "count": 1}
    else:
        data = call(ctx, lambda c: c.get("/me/next-steps", person=person))
    if json_:
        output.emit_json(data)
        return
    if not data["data"]:
        typer.echo("No open incident where you hold a role.")
    for inc in data["data"]:
        roles = ", ".join(inc["roles"]) or "no role"
        typer.echo(f"{inc['ref']} {inc['severity']} {inc['stage']} — {inc['title']} ({roles})")
        if not inc["steps"]:
            typer.echo("  nothing to do on the checklist now")
        for step in inc["steps"]:
            due = ""
            if step["due_at"]:
                due = f" — {'OVERDUE, was due' if step['overdue'] else 'due'} "
                due += output.short_time(step["due_at"])
            typer.echo(f"  [ ] {step['id']}: {step['title']}{due}")


class MatrixFormat(StrEnum):
    MD = "md"
    JSON = "json"
    HTML = "html"


def matrix(
    ctx: typer.Context,
    policy: Annotated[
        str | None,
        typer.Option(
            help="A preset or policy file, rendered here without on-call "
            "(default: the server's, with who is on duty)."
        ),
    ] = None,
    format_: Annotated[MatrixFormat, typer.Option("--format", help="md, json or html.")] = (
        MatrixFormat.MD
    ),
) -> None:
    """Print the roles and responsibilities matrix (Markdown by default, to print)."""
    if policy is not None:
        try:
            loaded = load_policy(policy)
        except PolicyError as exc:
            typer.secho(str(exc), err=True, fg=typer.colors.RED)
            raise typer.Exit(EXIT_INPUT) from None
        # Rendered here, away from the server's on-call schedules: nobody is known to be on
        # duty. Without --policy the server renders it, with its on-call (RotationsOnDuty).
        data: dict[str, Any] = roles_matrix(loaded, on_duty=NoOnCall(), now=datetime.now(UTC))
    else:
        data = call(ctx, lambda c: c.get("/matrix"))
    if format_ is MatrixFormat.JSON:
        output.emit_json(data)
    elif format_ is MatrixFormat.HTML:
        typer.echo(matrix_html(data), nl=False)
    else:
        typer.echo(matrix_markdown(data), nl=False)


def register(app: typer.Typer) -> None:
    app.command()(checklist)
    app.command()(check)
    app.command()(skip)
    app.command()(uncheck)
    app.command("next")(next_)
    app.command()(matrix)

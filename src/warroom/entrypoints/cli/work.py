"""Follow-ups, experiments, the five whys and the postmortem."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.client import ApiClient
from warroom.entrypoints.cli.incidents import At, Json
from warroom.entrypoints.cli.state import call, clean

Ref = Annotated[str, typer.Argument(help="INC-12")]

followup_app = typer.Typer(help="Follow-up tickets: add, done, not-doing.", no_args_is_help=True)
experiment_app = typer.Typer(help="Experiments: start and conclude.", no_args_is_help=True)


@followup_app.command("add")
def followup_add(
    ctx: typer.Context,
    ref: Ref,
    title: Annotated[str, typer.Argument(help="What needs doing.")],
    kind: Annotated[str, typer.Option(help="durable-fix, prevention, test or cleanup.")],
    owner: Annotated[str | None, typer.Option(help="Who will do it.")] = None,
    due: Annotated[str | None, typer.Option(help="Due date, YYYY-MM-DD.")] = None,
    ticket: Annotated[str | None, typer.Option(help="Link to the ticket.")] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    """Add a follow-up to an incident."""
    inc = call(
        ctx,
        lambda c: c.post(
            f"/incidents/{ref}/followups",
            clean(title=title, kind=kind, owner=owner, due=due, ticket_url=ticket, occurred_at=at),
        ),
    )
    if json_:
        output.emit_json(inc)
        return
    added = inc["followups"][-1]
    typer.echo(f"Follow-up #{added['number']} added to {inc['ref']}: {added['title']}")


@followup_app.command("done")
def followup_done(
    ctx: typer.Context,
    ref: Ref,
    number: Annotated[int, typer.Argument(help="The follow-up's number on the incident.")],
    not_doing: Annotated[
        bool, typer.Option("--not-doing", help="Close it as not being done (needs --reason).")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why (required with --not-doing).")] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    """Mark a follow-up done (or --not-doing with a --reason)."""
    status = "not-doing" if not_doing else "done"
    inc = call(
        ctx,
        lambda c: c.patch(
            f"/incidents/{ref}/followups/{number}",
            clean(status=status, reason=reason, occurred_at=at),
        ),
    )
    output.emit_json(inc) if json_ else typer.echo(f"Follow-up #{number} {status}")


@experiment_app.command("start")
def experiment_start(
    ctx: typer.Context,
    ref: Ref,
    hypothesis: Annotated[str, typer.Argument(help="What you think is going on.")],
    action: Annotated[str, typer.Option(help="What you will do to test it.")],
    owner: Annotated[str | None, typer.Option(help="Who runs it.")] = None,
    minutes: Annotated[int | None, typer.Option(help="Time box in minutes.")] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    """Start an experiment that tests a hypothesis."""
    inc = call(
        ctx,
        lambda c: c.post(
            f"/incidents/{ref}/experiments",
            clean(
                hypothesis=hypothesis,
                action=action,
                owner=owner,
                time_box_minutes=minutes,
                occurred_at=at,
            ),
        ),
    )
    if json_:
        output.emit_json(inc)
        return
    typer.echo(f"Experiment #{inc['experiments'][-1]['number']} started on {inc['ref']}")


@experiment_app.command("conclude")
def experiment_conclude(
    ctx: typer.Context,
    ref: Ref,
    number: Annotated[int, typer.Argument(help="The experiment's number.")],
    status: Annotated[str, typer.Argument(help="confirmed, refuted or inconclusive.")],
    result: Annotated[str, typer.Argument(help="What you found.")],
    at: At = None,
    json_: Json = False,
) -> None:
    """Record an experiment's result."""
    inc = call(
        ctx,
        lambda c: c.post(
            f"/incidents/{ref}/experiments/{number}/conclude",
            clean(status=status, result=result, occurred_at=at),
        ),
    )
    output.emit_json(inc) if json_ else typer.echo(f"Experiment #{number} {status}")


def why(
    ctx: typer.Context,
    ref: Ref,
    text: Annotated[str, typer.Argument(help="The answer to the next 'why?'.")],
    at: At = None,
    json_: Json = False,
) -> None:
    """Add the next answer to the five whys."""
    inc = call(ctx, lambda c: c.post(f"/incidents/{ref}/whys", clean(text=text, occurred_at=at)))
    output.emit_json(inc) if json_ else typer.echo(f"Why #{len(inc['whys'])} recorded")


def _download(path: str, client: ApiClient) -> bytes:
    return client.download(path)


def postmortem(
    ctx: typer.Context,
    ref: Ref,
    save: Annotated[bool, typer.Option(help="Save the draft made from the record.")] = False,
    body_file: Annotated[
        typer.FileText | None, typer.Option("--file", help="Save this Markdown file as the body.")
    ] = None,
    publish: Annotated[bool, typer.Option(help="Publish the saved postmortem.")] = False,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Write the postmortem as PDF to this file.")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write it as a web page to this file.")
    ] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    """Print the postmortem (a draft from the record until one is saved); save or publish it."""
    if body_file is not None:
        text = body_file.read()
        pm = call(ctx, lambda c: c.put(f"/incidents/{ref}/postmortem", {"body": text}))
    elif save:
        pm = call(ctx, lambda c: c.put(f"/incidents/{ref}/postmortem", {}))
    else:
        pm = call(ctx, lambda c: c.get(f"/incidents/{ref}/postmortem"))
    if publish:
        pm = call(
            ctx,
            lambda c: c.post(f"/incidents/{ref}/postmortem/publish", clean(occurred_at=at)),
        )
    for target, suffix in ((pdf, "pdf"), (html, "html")):
        if target is not None:
            target.write_bytes(
                call(ctx, partial(_download, f"/incidents/{ref}/postmortem.{suffix}"))
            )
            typer.secho(f"Wrote {target}", err=True, fg=typer.colors.CYAN)
    if pdf is not None or html is not None:
        return
    if json_:
        output.emit_json(pm)
        return
    typer.echo(pm["body"], nl=False)
    typer.secho(f"[{pm['status']}]", err=True, fg=typer.colors.CYAN)


def register(app: typer.Typer) -> None:
    app.add_typer(followup_app, name="followup")
    app.add_typer(experiment_app, name="experiment")
    app.command()(why)
    app.command()(postmortem)

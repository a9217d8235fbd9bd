"""The retrospective meeting (`warroom retro …`) and the customer postmortem."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.incidents import At, Json
from warroom.entrypoints.cli.state import call, clean

Ref = Annotated[str, typer.Argument(help="INC-12")]

retro_app = typer.Typer(help="The retrospective meeting: schedule, show.", no_args_is_help=True)


def _print_meeting(meeting: dict[str, Any]) -> None:
    moved = f" (update {meeting['sequence']})" if meeting["sequence"] else ""
    typer.echo(
        f"Retrospective of {meeting['ref']}: {meeting['starts_at']}, "
        f"{meeting['duration_minutes']} min{moved}"
    )
    for key in ("location", "url", "deadline", "forced_reason"):
        if meeting.get(key):
            typer.echo(f"  {key.replace('_', ' ')}: {meeting[key]}")
    typer.echo(f"  participants: {', '.join(meeting['participants'])}")


@retro_app.command("schedule")
def schedule(
    ctx: typer.Context,
    ref: Ref,
    start: Annotated[str, typer.Option(help="When it starts, ISO 8601 with zone.")],
    duration: Annotated[int, typer.Option(help="Minutes (15-480).")] = 60,
    participant: Annotated[
        list[str] | None,
        typer.Option(help="Invite this person (repeat); default: everyone who held a role."),
    ] = None,
    location: Annotated[str | None, typer.Option(help="Room or place.")] = None,
    url: Annotated[str | None, typer.Option(help="Meeting link.")] = None,
    force: Annotated[bool, typer.Option(help="Allow a time after the deadline.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why it is after the deadline.")] = None,
    at: At = None,
    json_: Json = False,
) -> None:
    """Schedule (or move) the retrospective and email each participant an .ics invitation."""
    body = clean(
        starts_at=start,
        duration_minutes=duration,
        participants=participant or None,
        location=location,
        url=url,
        force=force or None,
        reason=reason,
        occurred_at=at,
    )
    meeting = call(ctx, lambda c: c.post(f"/incidents/{ref}/retrospective/schedule", body))
    if json_:
        output.emit_json(meeting)
        return
    _print_meeting(meeting)


@retro_app.command("show")
def show(ctx: typer.Context, ref: Ref, json_: Json = False) -> None:
    """The scheduled retrospective and its agenda."""
    meeting = call(ctx, lambda c: c.get(f"/incidents/{ref}/retrospective/meeting"))
    if json_:
        output.emit_json(meeting)
        return
    _print_meeting(meeting)
    typer.echo("")
    typer.echo(meeting["agenda"], nl=False)


def customer_postmortem(
    ctx: typer.Context,
    ref: Ref,
    save: Annotated[bool, typer.Option(help="Save a draft made from the public record.")] = False,
    body_file: Annotated[
        typer.FileText | None, typer.Option("--file", help="Save this Markdown file as the body.")
    ] = None,
    publish: Annotated[
        bool, typer.Option(help="Publish on the status page and email every subscriber.")
    ] = False,
    at: At = None,
    json_: Json = False,
) -> None:
    """The customer-facing postmortem (document 003's post-post-mortem): draft, edit, publish."""
    path = f"/incidents/{ref}/postmortem/customers"
    if body_file is not None:
        text = body_file.read()
        pm = call(ctx, lambda c: c.put(path, {"body": text}))
    elif save:
        pm = call(ctx, lambda c: c.put(path, {}))
    else:
        pm = call(ctx, lambda c: c.get(f"/incidents/{ref}/postmortem"))
    if publish:
        pm = call(ctx, lambda c: c.post(f"{path}/publish", clean(occurred_at=at)))
    if json_:
        output.emit_json(pm)
        return
    customers = pm.get("customers")
    if customers is None:
        typer.echo(f"{pm['ref']} has no customer postmortem yet (use --save)", err=True)
        raise typer.Exit(1)
    typer.echo(customers["body"], nl=False)
    typer.secho(f"[{customers['status']}]", err=True, fg=typer.colors.CYAN)


def register(app: typer.Typer) -> None:
    app.add_typer(retro_app, name="retro")
    app.command("customer-postmortem")(customer_postmortem)

"""Incident commands: declare, list, show, stage, severity, role, log, update."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.entrypoints.cli import notify_output, output
from warroom.entrypoints.cli.client import CliError
from warroom.entrypoints.cli.state import call, clean, failing_cleanly, state
from warroom.entrypoints.cli.testplan_output import durability_lines, plan_lines

At = Annotated[
    str | None,
    typer.Option(
        "--at", help="When it really happened, ISO 8601 with zone (2026-11-23T09:34:00Z)."
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


def declare(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What is broken, in plain words.")],
    severity: Annotated[str | None, typer.Option(help="A severity of the policy.")] = None,
    functionality: Annotated[
        str | None, typer.Option(help="What is broken ('logging in').")
    ] = None,
    state_: Annotated[str | None, typer.Option("--state", help="How ('broken').")] = None,
    audience: Annotated[str | None, typer.Option(help="For whom ('all users').")] = None,
    summary: Annotated[str, typer.Option(help="Impact summary.")] = "",
    service: Annotated[list[str] | None, typer.Option(help="Impacted service (repeat).")] = None,
    customers: Annotated[int, typer.Option(help="Customers affected.")] = 0,
    whole_service: Annotated[
        bool, typer.Option(help="A whole product or service is down.")
    ] = False,
    visibility: Annotated[str | None, typer.Option(help="public, internal or restricted.")] = None,
    drill: Annotated[bool, typer.Option(help="A practice incident.")] = False,
    detected_at: Annotated[str | None, typer.Option(help="When it was first noticed.")] = None,
    force: Annotated[bool, typer.Option(help="Declare even if it looks like a duplicate.")] = False,
    at: At = None,
    json_: Json = False,
) -> None:
    """Declare an incident (checks open incidents for duplicates first)."""
    body = clean(
        title=title,
        severity=severity,
        functionality=functionality,
        state=state_,
        audience=audience,
        summary=summary,
        services=service or [],
        customers_affected=customers,
        whole_service=whole_service,
        visibility=visibility,
        drill=drill,
        detected_at=detected_at,
        occurred_at=at,
        force=force,
    )
    with failing_cleanly():
        client = state(ctx).client_factory()
    try:
        inc = client.post("/incidents", body)
    except CliError as exc:
        if exc.problem.get("candidates"):
            typer.secho("Possible duplicate of an open incident:", err=True, fg=typer.colors.YELLOW)
            for c in exc.problem["candidates"]:
                typer.echo(
                    f"  {c['ref']} [{c['severity']}, {c['stage']}] {c['title']} — "
                    f"#{c['channel']} ({c['reason']})",
                    err=True,
                )
            typer.echo("Join its channel, or declare anyway with --force.", err=True)
            raise typer.Exit(1) from None
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(exc.code) from None
    if json_:
        output.emit_json(inc)
        return
    typer.echo(f"Declared {inc['ref']} ({inc['severity']}): {inc['summary_line']}")
    typer.echo(f"  channel #{inc['channel']}")
    cls = inc.get("classification")
    if cls:
        verb = "raised to" if cls["applied"] else "suggests"
        typer.secho(
            f"  classification '{cls['rule']}' {verb} {cls['suggested']}: {cls['description']}",
            fg=typer.colors.YELLOW,
        )
    if inc["process"]["missing_roles"]:
        typer.echo(f"  roles to fill: {', '.join(inc['process']['missing_roles'])}")


def list_(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="open, closed or all.")] = "open",
    severity: Annotated[list[str] | None, typer.Option(help="Only these severities.")] = None,
    stage: Annotated[list[str] | None, typer.Option(help="Only these stages.")] = None,
    service: Annotated[str | None, typer.Option(help="Only this service.")] = None,
    mine: Annotated[
        str | None, typer.Option("--person", help="Only where PERSON has a role.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Page size.")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
    json_: Json = False,
) -> None:
    """List incidents (open ones by default)."""
    params: dict[str, Any] = clean(
        status=status,
        severity=severity,
        stage=stage,
        service=service,
        person=mine,
        limit=limit,
        offset=offset,
    )
    page = call(ctx, lambda c: c.get("/incidents", **params))
    output.emit_json(page) if json_ else output.incident_list(page)


def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="INC-12")],
    json_: Json = False,
) -> None:
    """Show one incident: roles, process status, follow-ups and the latest timeline."""
    inc = call(ctx, lambda c: c.get(f"/incidents/{ref}"))
    sent = call(ctx, lambda c: c.get(f"/incidents/{ref}/notifications", limit=50))
    if json_:
        output.emit_json({**inc, "notifications": sent})
        return
    output.incident(inc)
    for line in plan_lines(inc.get("test_plan") or {}) + durability_lines(
        inc.get("non_durable", [])
    ):
        typer.echo(line)
    notify_output.notifications_summary(sent)


def stage(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="INC-12")],
    to: Annotated[str, typer.Argument(metavar="STAGE", help="The stage to move to.")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    """Move an incident to another stage (gates in the policy may refuse)."""
    inc = call(
        ctx,
        lambda c: c.post(f"/incidents/{ref}/stage", clean(stage=to, note=note, occurred_at=at)),
    )
    if json_:
        output.emit_json(inc)
    else:
        typer.echo(f"{inc['ref']} is now {inc['stage']}")


def severity(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="INC-12")],
    sev: Annotated[str, typer.Argument(metavar="SEV", help="The new severity.")],
    reason: Annotated[str, typer.Option(help="Why.")] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    """Raise or lower an incident's severity."""
    inc = call(
        ctx,
        lambda c: c.post(
            f"/incidents/{ref}/severity", clean(severity=sev, reason=reason, occurred_at=at)
        ),
    )
    output.emit_json(inc) if json_ else typer.echo(f"{inc['ref']} is now {inc['severity']}")


def role(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="INC-12")],
    role_: Annotated[str, typer.Argument(metavar="ROLE", help="commander, communications, …")],
    person: Annotated[str, typer.Argument(help="Who.")],
    release: Annotated[bool, typer.Option(help="Release PERSON from ROLE instead.")] = False,
    at: At = None,
    json_: Json = False,
) -> None:
    """Give a person a role (hands off single-holder roles), or --release them."""
    path = f"/incidents/{ref}/roles" + ("/release" if release else "")
    inc = call(ctx, lambda c: c.post(path, clean(role=role_, person=person, occurred_at=at)))
    if json_:
        output.emit_json(inc)
    elif release:
        typer.echo(f"{person} released from {role_} on {inc['ref']}")
    else:
        typer.echo(f"{person} is {role_} on {inc['ref']}")
        for conflict in inc["process"]["role_conflicts"]:
            typer.secho(f"  rule broken: {conflict}", fg=typer.colors.YELLOW)


def log(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="INC-12")],
    text: Annotated[str, typer.Argument(help="What happened or what you think.")],
    kind: Annotated[
        str, typer.Option(help="note, milestone, hypothesis, experiment, result, manual-change.")
    ] = "note",
    at: At = None,
    json_: Json = False,
) -> None:
    """Add an entry to the timeline."""
    entry = call(
        ctx,
        lambda c: c.post(f"/incidents/{ref}/timeline", clean(kind=kind, text=text, occurred_at=at)),
    )
    if json_:
        output.emit_json(entry)
    else:
        typer.echo(f"{output.short_time(entry['occurred_at'])} {entry['kind']} recorded")


def update(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="INC-12")],
    text: Annotated[str, typer.Argument(help="The update.")],
    audience: Annotated[str, typer.Option(help="internal, customers or observers.")] = "internal",
    template: Annotated[
        str | None,
        typer.Option(help="A policy template around TEXT, e.g. customer_update."),
    ] = None,
    preview: Annotated[
        bool, typer.Option(help="Print the rendered template; post nothing.")
    ] = False,
    at: At = None,
    json_: Json = False,
) -> None:
    """Post a status update to an audience (resets its update clock)."""
    if preview:
        shown = call(
            ctx,
            lambda c: c.post(
                f"/incidents/{ref}/updates/preview",
                clean(template=template or "internal_update", text=text, audience=audience),
            ),
        )
        output.emit_json(shown) if json_ else typer.echo(shown["text"])
        return
    inc = call(
        ctx,
        lambda c: c.post(
            f"/incidents/{ref}/updates",
            clean(audience=audience, text=text, occurred_at=at, template=template),
        ),
    )
    output.emit_json(inc) if json_ else typer.echo(f"{audience} update posted on {inc['ref']}")


def ack(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="INC-12")],
    at: At = None,
    json_: Json = False,
) -> None:
    """Acknowledge an incident."""
    inc = call(ctx, lambda c: c.post(f"/incidents/{ref}/acknowledge", clean(occurred_at=at)))
    output.emit_json(inc) if json_ else typer.echo(f"{inc['ref']} acknowledged")


def register(app: typer.Typer) -> None:
    app.command()(declare)
    app.command("list")(list_)
    app.command()(show)
    app.command()(stage)
    app.command()(severity)
    app.command()(role)
    app.command()(log)
    app.command()(update)
    app.command()(ack)

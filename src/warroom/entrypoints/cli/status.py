"""The public status page: components, scheduled maintenance, and a static export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from warroom.adapters.policy_file import PolicyError
from warroom.bootstrap import bootstrap
from warroom.config import Settings, SettingsError
from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.client import EXIT_INPUT
from warroom.entrypoints.cli.incidents import Json
from warroom.entrypoints.cli.state import call, clean
from warroom.entrypoints.web.status_export import export_status_page

status_app = typer.Typer(help="The public status page.", no_args_is_help=True)
component_app = typer.Typer(help="Status page components.", no_args_is_help=True)
maintenance_app = typer.Typer(help="Scheduled maintenance.", no_args_is_help=True)
status_app.add_typer(component_app, name="component")
status_app.add_typer(maintenance_app, name="maintenance")

STATUSES = "operational, degraded_performance, partial_outage, major_outage, under_maintenance"


@status_app.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write into (created if missing).")],
) -> None:
    """Write a static copy of the status page (HTML, Statuspage JSON, Atom feed)."""
    try:
        wr = bootstrap(Settings())
    except (SettingsError, PolicyError) as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_INPUT) from None
    try:
        written = export_status_page(wr, directory)
    finally:
        wr.close()
    typer.echo(f"Wrote {len(written)} files to {directory}")


@component_app.command("list")
def component_list(ctx: typer.Context, json_: Json = False) -> None:
    """Components in page order."""
    rows = call(ctx, lambda c: c.get("/status/components"))
    if json_:
        output.emit_json(rows)
        return
    output.table(
        [
            [str(r["id"]), r["name"], r["group"] or "", r["status"], str(r["position"])]
            for r in rows
        ],
        ["id", "name", "group", "status", "position"],
    )


@component_app.command("add")
def component_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Shown on the page, e.g. 'API'.")],
    group: Annotated[str | None, typer.Option(help="Group shown above it.")] = None,
    description: Annotated[str, typer.Option(help="One line for customers.")] = "",
    position: Annotated[int | None, typer.Option(help="Order on the page.")] = None,
    status: Annotated[str, typer.Option(help=STATUSES)] = "operational",
    json_: Json = False,
) -> None:
    """Add a component; link services to it with their `status_component`."""
    body = clean(name=name, group=group, description=description, position=position, status=status)
    row = call(ctx, lambda c: c.post("/status/components", body))
    if json_:
        output.emit_json(row)
        return
    typer.echo(f"Component {row['id']} {row['name']} added")


@component_app.command("set")
def component_set(
    ctx: typer.Context,
    component_id: Annotated[int, typer.Argument(help="The component's id.")],
    status: Annotated[str | None, typer.Option(help=STATUSES)] = None,
    name: Annotated[str | None, typer.Option()] = None,
    group: Annotated[str | None, typer.Option()] = None,
    description: Annotated[str | None, typer.Option()] = None,
    position: Annotated[int | None, typer.Option()] = None,
    json_: Json = False,
) -> None:
    """Change a component (its declared status, name, group, description or position)."""
    body = clean(status=status, name=name, group=group, description=description, position=position)
    row = call(ctx, lambda c: c.patch(f"/status/components/{component_id}", body))
    if json_:
        output.emit_json(row)
        return
    typer.echo(f"Component {row['id']} {row['name']}: {row['status']}")


@component_app.command("remove")
def component_remove(
    ctx: typer.Context, component_id: Annotated[int, typer.Argument(help="The component's id.")]
) -> None:
    """Remove a component from the page."""
    call(ctx, lambda c: c.request("DELETE", f"/status/components/{component_id}"))
    typer.echo(f"Component {component_id} removed")


@maintenance_app.command("list")
def maintenance_list(ctx: typer.Context, json_: Json = False) -> None:
    rows = call(ctx, lambda c: c.get("/status/maintenances"))
    if json_:
        output.emit_json(rows)
        return
    output.table(
        [
            [
                str(r["id"]),
                r["name"],
                r["scheduled_for"],
                r["scheduled_until"],
                ", ".join(r["components"]),
            ]
            for r in rows
        ],
        ["id", "name", "from", "until", "components"],
    )


@maintenance_app.command("add")
def maintenance_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What is being done.")],
    start: Annotated[str, typer.Option("--from", help="Start, ISO 8601 with zone.")],
    until: Annotated[str, typer.Option("--until", help="End, ISO 8601 with zone.")],
    component: Annotated[
        list[str] | None, typer.Option(help="Affected component (repeatable).")
    ] = None,
    body: Annotated[str, typer.Option(help="Details for customers.")] = "",
    json_: Json = False,
) -> None:
    """Schedule maintenance; its components show as under maintenance during the window."""
    payload = clean(
        name=name,
        body=body,
        components=component or [],
        scheduled_for=start,
        scheduled_until=until,
    )
    row = call(ctx, lambda c: c.post("/status/maintenances", payload))
    if json_:
        output.emit_json(row)
        return
    typer.echo(f"Maintenance {row['id']} scheduled: {row['name']}")


@maintenance_app.command("cancel")
def maintenance_cancel(
    ctx: typer.Context, maintenance_id: Annotated[int, typer.Argument(help="The id.")]
) -> None:
    call(ctx, lambda c: c.request("DELETE", f"/status/maintenances/{maintenance_id}"))
    typer.echo(f"Maintenance {maintenance_id} cancelled")


def register(app: typer.Typer) -> None:
    app.add_typer(status_app, name="status")

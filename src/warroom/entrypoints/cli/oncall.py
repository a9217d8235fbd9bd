"""Catalog, on-call, pages, integrations and alerts from the terminal (through the API)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from warroom.adapters.catalog_file import CatalogFileError, dump_yaml, load_yaml
from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.client import EXIT_INPUT, CliError
from warroom.entrypoints.cli.state import call, clean, failing_cleanly, state

catalog_app = typer.Typer(
    help="The service catalog (people, teams, services, schedules…).", no_args_is_help=True
)
page_app = typer.Typer(help="Pages: list and acknowledge.", no_args_is_help=True)
integration_app = typer.Typer(help="Alert integrations and their keys.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alerts received.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
KINDS = ("people", "teams", "services", "schedules", "escalation-policies")
_KEY = {"escalation-policies": "escalation_policies"}


@catalog_app.command("import")
def catalog_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A catalog YAML file.", exists=False)],
    json_: Json = False,
) -> None:
    """Create or update everything in FILE (idempotent); reports what changed."""
    try:
        data = load_yaml(file.read_text(encoding="utf-8"), source=str(file))
    except OSError as exc:
        typer.secho(f"error: {file}: {exc.strerror}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_INPUT) from None
    except CatalogFileError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_INPUT) from None
    with failing_cleanly():
        client = state(ctx).client_factory()
    try:
        report = client.post("/catalog", data) if isinstance(data, dict) else None
    except CliError as exc:
        errors = exc.problem.get("errors") or [{"field": "", "message": exc.message}]
        for e in errors:
            where = f"{e['field']}: " if e.get("field") else ""
            typer.secho(f"{file}: {where}{e['message']}", err=True, fg=typer.colors.RED)
        raise typer.Exit(exc.code) from None
    if report is None:
        typer.secho(f"{file}: the top level must be a mapping (people:, teams:, …)", err=True)
        raise typer.Exit(EXIT_INPUT)
    if json_:
        output.emit_json(report)
        return
    counts = ", ".join(f"{report[k]} {k}" for k in ("created", "updated", "unchanged"))
    typer.echo(f"{file}: {counts}")
    for kind, outcomes in report["by_kind"].items():
        for outcome in ("created", "updated"):
            if outcomes[outcome]:
                typer.echo(f"  {kind} {outcome}: {', '.join(outcomes[outcome])}")


@catalog_app.command("export")
def catalog_export(ctx: typer.Context, json_: Json = False) -> None:
    """Print the whole catalog as YAML (the format `catalog import` reads)."""
    data = call(ctx, lambda c: c.get("/catalog"))
    output.emit_json(data) if json_ else typer.echo(dump_yaml(data), nl=False)


@catalog_app.command("list")
def catalog_list(
    ctx: typer.Context,
    kind: Annotated[
        str, typer.Argument(help="people, teams, services, schedules or escalation-policies")
    ] = "services",
    json_: Json = False,
) -> None:
    """List one kind of catalog entry."""
    if kind not in KINDS:
        typer.secho(f"error: KIND must be one of {', '.join(KINDS)}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_INPUT)
    entries: list[dict[str, Any]] = call(ctx, lambda c: c.get("/catalog"))[_KEY.get(kind, kind)]
    if json_:
        output.emit_json(entries)
        return
    if not entries:
        typer.echo(f"No {kind}.")
        return
    columns = {
        "people": ["handle", "name", "email", "timezone"],
        "teams": ["name", "members", "chat_channel"],
        "services": ["name", "team", "schedule", "escalation_policy", "smes"],
        "schedules": ["name", "timezone", "layers"],
        "escalation-policies": ["name", "repeats", "levels"],
    }[kind]

    def show(value: Any) -> str:
        if isinstance(value, list):
            if value and isinstance(value[0], dict):
                named = [str(v["name"]) for v in value if "name" in v]
                return ", ".join(named) if named else f"{len(value)} levels"
            return ", ".join(str(v) for v in value) or "—"
        return "—" if value in (None, "") else str(value)

    output.table([[show(e.get(c)) for c in columns] for e in entries], [c.upper() for c in columns])


@catalog_app.command("show")
def catalog_show(
    ctx: typer.Context,
    kind: Annotated[
        str, typer.Argument(help="people, teams, services, schedules or escalation-policies")
    ],
    name: Annotated[str, typer.Argument(help="Handle or name.")],
    json_: Json = False,
) -> None:
    """Show one catalog entry."""
    if kind not in KINDS:
        typer.secho(f"error: KIND must be one of {', '.join(KINDS)}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_INPUT)
    entry = call(ctx, lambda c: c.get(f"/{kind}/{name}"))
    output.emit_json(entry) if json_ else typer.echo(dump_yaml(entry), nl=False)


def oncall(
    ctx: typer.Context,
    schedule: Annotated[str | None, typer.Argument(help="One schedule (default: all).")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="ISO 8601 time with zone (default now).")
    ] = None,
    json_: Json = False,
) -> None:
    """Who is on call now, or at --at, and who is next."""
    params = clean(at=at)
    if schedule:
        data = [call(ctx, lambda c: c.get(f"/schedules/{schedule}/oncall", **params))]
    else:
        data = call(ctx, lambda c: c.get("/oncall", **params))
    if json_:
        output.emit_json(data if not schedule else data[0])
        return
    if not data:
        typer.echo("No schedules.")
        return
    rows = []
    for item in data:
        shift, upcoming = item["shift"], item["next"]
        rows.append(
            [
                item["schedule"],
                item["person"] or "— (gap)",
                output.short_time(shift["end"]) if shift else "—",
                f"{upcoming['person']} at {output.short_time(upcoming['start'])}"
                if upcoming
                else "—",
            ]
        )
    output.table(rows, ["SCHEDULE", "ON CALL", "UNTIL", "NEXT"])


@page_app.command("ack")
def page_ack(
    ctx: typer.Context,
    page_id: Annotated[int, typer.Argument(metavar="ID", help="The page number.")],
    json_: Json = False,
) -> None:
    """Acknowledge a page: its escalation stops."""
    page = call(ctx, lambda c: c.post(f"/pages/{page_id}/acknowledge", {}))
    if json_:
        output.emit_json(page)
    else:
        typer.echo(f"page {page['id']} acknowledged by {page['acknowledged_by']}")


@page_app.command("list")
def page_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="triggered, acknowledged, resolved, exhausted.")
    ] = None,
    json_: Json = False,
) -> None:
    """Pages, newest first."""
    data = call(ctx, lambda c: c.get("/pages", **clean(status=status)))
    if json_:
        output.emit_json(data)
        return
    rows = [
        [
            str(p["id"]),
            p["status"],
            f"{p['level'] + 1}/{p['round'] + 1}",
            p["incident_ref"] or "—",
            p["summary"][:60],
        ]
        for p in data["data"]
    ]
    output.table(
        rows, ["ID", "STATUS", "LEVEL/ROUND", "INCIDENT", "SUMMARY"]
    ) if rows else typer.echo("No pages.")


@integration_app.command("create")
def integration_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the sender.")],
    kind: Annotated[str, typer.Option(help="alertmanager, grafana, generic or pagerduty.")],
    service: Annotated[str | None, typer.Option(help="Default service of its alerts.")] = None,
    rate_limit: Annotated[int, typer.Option(help="Requests a minute (0: unlimited).")] = 600,
    json_: Json = False,
) -> None:
    """Make an integration and print its key (shown once)."""
    body = clean(name=name, kind=kind, service=service, rate_limit_per_minute=rate_limit)
    result = call(ctx, lambda c: c.post("/integrations", body))
    output.emit_json(result) if json_ else typer.echo(result["key"])


@integration_app.command("list")
def integration_list(ctx: typer.Context, json_: Json = False) -> None:
    data = call(ctx, lambda c: c.get("/integrations"))
    if json_:
        output.emit_json(data)
        return
    rows = [
        [i["name"], i["kind"], i["service"] or "—", i["key_prefix"] + "…", i["endpoint"]]
        for i in data
    ]
    output.table(rows, ["NAME", "KIND", "SERVICE", "KEY", "ENDPOINT"]) if rows else typer.echo(
        "No integrations."
    )


@integration_app.command("rotate-key")
def integration_rotate(
    ctx: typer.Context, name: Annotated[str, typer.Argument()], json_: Json = False
) -> None:
    """Replace an integration's key; prints the new key once."""
    result = call(ctx, lambda c: c.post(f"/integrations/{name}/rotate-key", {}))
    output.emit_json(result) if json_ else typer.echo(result["key"])


@alerts_app.command("list")
def alerts_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="open, firing, acknowledged or resolved.")
    ] = "open",
    json_: Json = False,
) -> None:
    """Alerts, most recently seen first, with how often each fired."""
    data = call(ctx, lambda c: c.get("/alerts", **clean(status=status)))
    if json_:
        output.emit_json(data)
        return
    rows = [
        [
            str(a["id"]),
            a["status"],
            str(a["count"]),
            a["service"] or "—",
            a["incident_ref"] or "—",
            a["title"][:60],
        ]
        for a in data["data"]
    ]
    output.table(
        rows, ["ID", "STATUS", "COUNT", "SERVICE", "INCIDENT", "TITLE"]
    ) if rows else typer.echo("No alerts.")


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
    app.command("oncall")(oncall)
    app.add_typer(page_app, name="page")
    app.add_typer(integration_app, name="integration")
    app.add_typer(alerts_app, name="alerts")

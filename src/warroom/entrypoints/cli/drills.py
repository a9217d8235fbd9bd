"""`warroom drill run|report|list`: practise the process on a scripted incident."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.adapters.drill_file import ScenarioError, bundled_names, parse_scenario, read_scenario
from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.incidents import Json
from warroom.entrypoints.cli.state import call, clean

app = typer.Typer(help="Drills: practice incidents from a scenario file.", no_args_is_help=True)


@app.command("run")
def run(
    ctx: typer.Context,
    scenario: Annotated[
        str, typer.Argument(help="A scenario .toml file, or a bundled one by name.")
    ],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="When the drill started, ISO 8601 with zone: the events' offsets count from "
            "it (record a drill after the fact, or replay one). Not in the future.",
        ),
    ] = None,
    speed: Annotated[
        float, typer.Option(help="Run the scenario faster: offsets are divided by it.")
    ] = 1.0,
    json_: Json = False,
) -> None:
    """Start a drill: declare the practice incident and schedule the scenario's events."""
    try:
        data, source = read_scenario(scenario)
        parse_scenario(data, source)  # errors name the file and the key, before any request
    except ScenarioError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    body = clean(scenario=data, occurred_at=at, speed=speed if speed != 1 else None)
    result = call(ctx, lambda c: c.post("/drills", body))
    if json_:
        output.emit_json(result)
        return
    typer.echo(
        f"Drill {result['ref']} started at {result['started_at']}: {result['scenario']} "
        f"({result['events']} events scheduled). Every notification says [DRILL]."
    )


@app.command("report")
def report(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="INC-12")], json_: Json = False
) -> None:
    """The drill report: cadences, SME cycle, gates, times against the policy (Markdown)."""
    data = call(ctx, lambda c: c.get(f"/drills/{ref}/report"))
    if json_:
        output.emit_json(data)
        return
    typer.echo(data["markdown"], nl=False)


@app.command("list")
def list_scenarios() -> None:
    """The bundled scenarios."""
    for name in bundled_names():
        typer.echo(name)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="drill")

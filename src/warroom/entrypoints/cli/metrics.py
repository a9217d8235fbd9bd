"""`warroom metrics`: the process metrics as a table, JSON or CSV."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.incidents import Json
from warroom.entrypoints.cli.state import call
from warroom.metrics_csv import to_csv


def _minutes(summary: dict[str, Any]) -> str:
    mean = summary["mean_seconds"]
    return "-" if mean is None else f"{mean / 60:.1f}m (n={summary['count']})"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def metrics(
    ctx: typer.Context,
    start: Annotated[
        str | None, typer.Option("--from", help="Declared at or after (ISO time).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Declared before (ISO time).")] = None,
    severity: Annotated[
        list[str] | None, typer.Option("--severity", help="Only this severity (repeat).")
    ] = None,
    service: Annotated[str | None, typer.Option(help="Only incidents touching it.")] = None,
    json_: Json = False,
    csv: Annotated[bool, typer.Option("--csv", help="CSV rows on stdout.")] = False,
) -> None:
    """MTTA, time to identify, MTTM, MTTR by severity; update and deadline adherence."""
    params: dict[str, Any] = {"from": start, "to": to, "severity": severity, "service": service}
    data = call(ctx, lambda c: c.get("/metrics", **params))
    if json_:
        output.emit_json(data)
        return
    if csv:
        typer.echo(to_csv(data), nl=False)
        return
    counts = data["incidents"]
    typer.echo(f"Incidents: {counts['total']} ({counts['open']} open), drills excluded")
    typer.echo(f"{'':10} {'acknowledge':>16} {'identify':>16} {'mitigate':>16} {'resolve':>16}")
    d = data["durations"]
    for g in [d["overall"], *d["by_severity"]]:
        cells = [_minutes(g[k]) for k in ("mtta", "time_to_identify", "mttm", "mttr")]
        typer.echo(f"{g['group']:10} " + " ".join(f"{c:>16}" for c in cells))
    for u in data["updates"]:
        typer.echo(
            f"Updates to {u['audience']}: {_pct(u['adherence'])} on time "
            f"({u['on_time']} on time, {u['late']} late, {u['missed']} missed)"
        )
    r = data["retrospectives"]
    typer.echo(
        f"Retrospectives: {_pct(r['adherence'])} on time ({r['held_on_time']} on time, "
        f"{r['held_late']} late, {r['breached']} breached, {r['pending']} pending)"
    )
    f = data["followups"]
    typer.echo(
        f"Follow-ups: {f['total']} ({f['done']} done, {f['not_doing']} not doing, "
        f"{f['open']} open, {f['overdue']} overdue)"
    )


def register(app: typer.Typer) -> None:
    app.command()(metrics)

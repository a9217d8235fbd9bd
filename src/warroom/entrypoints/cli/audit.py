"""`warroom audit`: the audit log, through the API (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warroom.entrypoints.cli import output
from warroom.entrypoints.cli.state import call

Json = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


def _changed(row: dict[str, Any]) -> str:
    parts = []
    for change in row.get("changes") or []:
        if change.get("op") == "update":
            names = ",".join(sorted(change.get("after") or {}))
            parts.append(f"{change['entity']}[{names}]")
        else:
            parts.append(f"{change['op']} {change['entity']}")
    text = "; ".join(parts)
    return text if len(text) <= 60 else text[:59] + "…"


def audit(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option(help="Only commands by this caller.")] = None,
    ref: Annotated[str | None, typer.Option(help="Only commands touching INC-n.")] = None,
    command: Annotated[str | None, typer.Option(help="Only this command (ChangeStage…).")] = None,
    since: Annotated[str | None, typer.Option("--from", help="At or after (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Before (ISO 8601).")] = None,
    limit: Annotated[int, typer.Option(help="Page size (1-1000).")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many (newest first).")] = 0,
    json_: Json = False,
) -> None:
    """Show the audit log, newest first: who ran which command, when, from where."""
    params: dict[str, Any] = {"actor": actor, "ref": ref, "command": command, "limit": limit}
    params.update({"from": since, "to": until, "offset": offset or None})
    page = call(ctx, lambda c: c.get("/audit", **params))
    if json_:
        output.emit_json(page)
        return
    rows = [
        [
            str(r["id"]),
            output.short_time(r["at"]),
            r["actor"],
            r["channel"],
            r.get("client_ip") or "",
            r["command"],
            " ".join(r["refs"]),
            _changed(r),
        ]
        for r in page["data"]
    ]
    output.table(rows, ["id", "at", "actor", "via", "from", "command", "refs", "changed"])
    typer.echo(f"{len(rows)} of {page['count']}")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)

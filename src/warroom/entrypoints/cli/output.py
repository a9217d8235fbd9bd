"""Printing for people (aligned text) and for programs (--json)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer

from warroom.entrypoints.cli import clock_output


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def ago(iso: str | None, now: datetime | None = None) -> str:
    """'3h12m' since an ISO timestamp."""
    if not iso:
        return "—"
    then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    seconds = int(((now or datetime.now(UTC)) - then).total_seconds())
    if seconds < 0:
        return "0m"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d{hours}h"
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


def short_time(iso: str | None) -> str:
    return iso.replace("T", " ")[:16] + "Z" if iso else "—"


def table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    for line in [headers, *rows]:
        typer.echo("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=False)).rstrip())


def incident_list(page: dict[str, Any]) -> None:
    rows = [
        [
            i["ref"],
            i["severity"],
            i["stage"],
            ago(i["declared_at"]),
            i.get("commander") or "—",
            ("[drill] " if i["drill"] else "") + i["summary_line"],
        ]
        for i in page["data"]
    ]
    if not rows:
        typer.echo("No incidents match.")
        return
    table(rows, ["REF", "SEV", "STAGE", "AGE", "COMMANDER", "SUMMARY"])
    if page["count"] > len(rows):
        typer.echo(f"… {page['count'] - len(rows)} more (use --limit/--offset)")


def incident(inc: dict[str, Any], *, timeline_tail: int = 15) -> None:
    drill = " [DRILL]" if inc["drill"] else ""
    typer.echo(f"{inc['ref']}  {inc['severity_label']}  {inc['stage'].upper()}{drill}")
    typer.echo(f"  {inc['summary_line']}")
    if inc["summary"]:
        typer.echo(f"  {inc['summary']}")
    typer.echo(f"  channel #{inc['channel']}   visibility {inc['visibility']}")
    typer.echo(
        f"  services {', '.join(inc['services']) or '—'}   "
        f"customers affected {inc['customers_affected']}"
    )
    for label, key in (
        ("detected", "detected_at"),
        ("declared", "declared_at"),
        ("acknowledged", "acknowledged_at"),
        ("identified", "identified_at"),
        ("mitigated", "mitigated_at"),
        ("resolved", "resolved_at"),
        ("closed", "closed_at"),
    ):
        if inc.get(key):
            typer.echo(f"  {label:<13}{short_time(inc[key])}")
    active = [r for r in inc["roles"] if r["active"]]
    typer.echo("Roles:")
    for r in active:
        typer.echo(f"  {r['role']:<15}{r['person']}")
    process = inc["process"]
    if process["missing_roles"]:
        typer.echo(f"  missing: {', '.join(process['missing_roles'])}")
    for conflict in process["role_conflicts"]:
        typer.echo(f"  rule broken: {conflict}")
    typer.echo(f"Next stages: {', '.join(process['allowed_stages']) or '—'}")
    for stage, gates in process["blocked"].items():
        for gate in gates:
            typer.echo(f"  {stage} blocked by {gate['gate']}: {gate['reason']}")
    if inc["followups"]:
        typer.echo("Follow-ups:")
        for f in inc["followups"]:
            typer.echo(
                f"  #{f['number']} [{f['status']}] ({f['kind']}) {f['title']}"
                f" — {f['owner'] or 'no owner'}"
            )
    if inc["experiments"]:
        typer.echo("Experiments:")
        for e in inc["experiments"]:
            typer.echo(f"  #{e['number']} [{e['status']}] {e['hypothesis']} → {e['action']}")
    if inc["whys"]:
        typer.echo("Five whys:")
        for w in inc["whys"]:
            typer.echo(f"  {w['position']}. {w['text']}")
    clock_output.clocks_section(inc)
    entries = inc.get("timeline", [])
    if entries:
        typer.echo(
            f"Timeline (last {min(timeline_tail, len(entries))} of {inc['timeline_count']}):"
        )
        for e in entries[-timeline_tail:]:
            typer.echo(f"  {short_time(e['occurred_at'])}  {e['kind']:<16}{e['text']}")

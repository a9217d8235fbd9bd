"""Printing an incident's clocks: update countdowns, the retrospective, pending timers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer


def short_time(iso: str) -> str:
    return iso.replace("T", " ")[:16] + "Z"


def countdown(iso: str, now: datetime | None = None) -> str:
    """'in 12m', 'in 2h05m', '5m ago' for an ISO timestamp."""
    then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    seconds = int((then - (now or datetime.now(UTC))).total_seconds())
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    span = f"{days}d{hours}h" if days else (f"{hours}h{mins:02d}m" if hours else f"{mins}m")
    return f"in {span}" if seconds >= 0 else f"{span} ago"


def clocks_section(inc: dict[str, Any], now: datetime | None = None) -> None:
    """The 'Clocks:' block of `warroom show`."""
    updates: dict[str, Any] = inc.get("updates") or {}
    retro = inc.get("retrospective")
    pending: list[dict[str, Any]] = inc.get("clocks") or []
    if not (updates or retro or pending):
        return
    typer.echo("Clocks:")
    for audience, u in sorted(updates.items()):
        state = "OVERDUE" if u["overdue"] else "due"
        promised = " (promised)" if u["promised"] else ""
        every = f" every {u['every']}" if u["every"] else ""
        typer.echo(
            f"  {audience} update {state} {short_time(u['due_at'])} "
            f"({countdown(u['due_at'], now)}){promised}{every}"
        )
    if retro:
        if retro["held_at"]:
            state = f"held {short_time(retro['held_at'])}"
        elif retro["breached"]:
            state = f"BREACHED, was due {short_time(retro['due_at'])}"
        else:
            state = f"due by {short_time(retro['due_at'])} ({countdown(retro['due_at'], now)})"
        typer.echo(f"  retrospective {state}")
    for number in inc.get("followups_overdue") or []:
        typer.echo(f"  follow-up #{number} OVERDUE")
    for c in pending:
        dead = " DEAD" if c["dead"] else ""
        typer.echo(
            f"  next {c['kind']:<14}{short_time(c['due_at'])} ({countdown(c['due_at'], now)}){dead}"
        )

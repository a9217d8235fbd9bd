"""Printing notifications for people."""

from __future__ import annotations

from typing import Any

import typer

from warroom.entrypoints.cli.output import short_time, table


def notifications_summary(page: dict[str, Any]) -> None:
    """Counts by status, then every message that is failing or dead (never hidden)."""
    counts = page.get("by_status", {})
    if not counts:
        return
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    typer.echo(f"Notifications: {parts}")
    for n in page["data"]:
        if n["status"] == "dead" or (n["status"] == "pending" and n["attempts"]):
            state = "DEAD" if n["status"] == "dead" else f"retrying ({n['attempts']} tries)"
            typer.echo(
                f"  #{n['id']} {state} {n['channel']} → {n['destination']}: {n['last_error']}"
            )


def notification_list(page: dict[str, Any]) -> None:
    rows = [
        [
            str(n["id"]),
            n["status"],
            str(n["attempts"]),
            n["incident"] or "—",
            n["channel"],
            n["destination"][:40],
            short_time(n["sent_at"] or n["next_attempt_at"]),
            (n["last_error"] or "")[:60],
        ]
        for n in page["data"]
    ]
    if not rows:
        typer.echo("No notifications match.")
        return
    table(rows, ["ID", "STATUS", "TRIES", "INCIDENT", "CHANNEL", "TO", "WHEN", "ERROR"])

"""Handlers for what responders write down: timeline entries, updates, the five whys."""

from __future__ import annotations

from typing import Any

from warroom.domain import commands
from warroom.domain.timeline import TimelineEntry
from warroom.service_layer import templates
from warroom.service_layer.messagebus import CommandHandler, Context
from warroom.service_layer.unit_of_work import UnitOfWork


def entry_dict(entry: TimelineEntry) -> dict[str, Any]:
    """The public shape of a timeline entry (the same as the read side's)."""
    return {
        "id": entry.id,
        "kind": str(entry.kind),
        "text": entry.text,
        "author": entry.author,
        "occurred_at": entry.occurred_at.isoformat(),
        "recorded_at": entry.recorded_at.isoformat(),
        "data": entry.data,
    }


def add_entry(cmd: commands.AddTimelineEntry, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    entry = incident.log(
        cmd.kind,
        cmd.text,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
    )
    uow.flush()
    return {"ref": incident.ref, "entry": entry_dict(entry)}


def post_update(cmd: commands.PostUpdate, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    text = cmd.text
    if cmd.template:
        text = templates.render(
            ctx.policy, cmd.template, incident, audience=cmd.audience, text=cmd.text, author=cmd.by
        )
    incident.post_update(
        cmd.audience,
        text,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "audience": str(cmd.audience), "text": text}


def add_why(cmd: commands.AddWhy, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    why = incident.add_why(
        cmd.text, policy=ctx.policy, by=cmd.by, now=ctx.clock.now(), occurred_at=cmd.occurred_at
    )
    return {"ref": incident.ref, "position": why.position}


COMMAND_HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.AddTimelineEntry: add_entry,
    commands.PostUpdate: post_update,
    commands.AddWhy: add_why,
}

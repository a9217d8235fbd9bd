"""Handlers for incident roles: assignment, hand-off and release."""

from __future__ import annotations

from typing import Any

from warroom.domain import commands
from warroom.service_layer.messagebus import CommandHandler, Context
from warroom.service_layer.unit_of_work import UnitOfWork


def assign_role(cmd: commands.AssignRole, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.assign_role(
        cmd.role,
        cmd.person,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "role": str(cmd.role), "person": cmd.person.strip()}


def release_role(cmd: commands.ReleaseRole, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.release_role(
        cmd.role,
        cmd.person,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "role": str(cmd.role), "person": cmd.person}


COMMAND_HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.AssignRole: assign_role,
    commands.ReleaseRole: release_role,
}

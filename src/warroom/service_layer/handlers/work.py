"""Handlers for follow-ups, experiments and the postmortem."""

from __future__ import annotations

from typing import Any

from warroom.domain import commands
from warroom.domain.postmortem_draft import DRAFT_KINDS, draft_postmortem
from warroom.service_layer.messagebus import CommandHandler, Context
from warroom.service_layer.unit_of_work import UnitOfWork


def add_followup(cmd: commands.AddFollowUp, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    followup = incident.add_followup(
        cmd.title,
        kind=cmd.kind,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        owner=cmd.owner,
        due=cmd.due,
        ticket_url=cmd.ticket_url,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": followup.number}


def close_followup(cmd: commands.CloseFollowUp, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.close_followup(
        cmd.number,
        status=cmd.status,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        reason=cmd.reason,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": cmd.number}


def start_experiment(
    cmd: commands.StartExperiment, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    experiment = incident.start_experiment(
        cmd.hypothesis,
        action=cmd.action,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        owner=cmd.owner,
        time_box_minutes=cmd.time_box_minutes,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": experiment.number}


def conclude_experiment(
    cmd: commands.ConcludeExperiment, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.conclude_experiment(
        cmd.number,
        status=cmd.status,
        result=cmd.result,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": cmd.number}


def write_postmortem(
    cmd: commands.WritePostmortem, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    body = cmd.body
    if body is None:
        body = draft_postmortem(incident, uow.incidents.entries(incident.number, DRAFT_KINDS))
    incident.write_postmortem(body, policy=ctx.policy, by=cmd.by, now=ctx.clock.now())
    return {"ref": incident.ref}


def publish_postmortem(
    cmd: commands.PublishPostmortem, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.publish_postmortem(
        policy=ctx.policy, by=cmd.by, now=ctx.clock.now(), occurred_at=cmd.occurred_at
    )
    return {"ref": incident.ref}


COMMAND_HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.AddFollowUp: add_followup,
    commands.CloseFollowUp: close_followup,
    commands.StartExperiment: start_experiment,
    commands.ConcludeExperiment: conclude_experiment,
    commands.WritePostmortem: write_postmortem,
    commands.PublishPostmortem: publish_postmortem,
}

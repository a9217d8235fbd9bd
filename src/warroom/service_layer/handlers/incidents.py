"""Handlers for declaring an incident and moving it through stages and severities."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from warroom.adapters.duplicate_search import duplicate_candidates, open_incidents
from warroom.adapters.repository import last_number
from warroom.domain import commands
from warroom.domain.access import AccessRole, Principal
from warroom.domain.duplicates import Candidate, find_duplicates
from warroom.domain.errors import DuplicateSuspected
from warroom.domain.incident import Incident
from warroom.service_layer.messagebus import CommandHandler, Context, Precheck
from warroom.service_layer.unit_of_work import UnitOfWork


def _declarer(cmd: commands.DeclareIncident) -> Principal:
    return Principal(cmd.by, AccessRole.ADMIN if cmd.by_admin else AccessRole.RESPONDER)


def _refuse_duplicates(
    cmd: commands.DeclareIncident, candidates: list[Candidate], ctx: Context
) -> None:
    duplicates = find_duplicates(
        title=cmd.title,
        services=cmd.services,
        open_incidents=candidates,
        threshold=ctx.policy.duplicate_title_similarity,
    )
    if duplicates:
        raise DuplicateSuspected(
            [
                {
                    "ref": c.ref,
                    "title": c.title,
                    "channel": c.channel,
                    "stage": c.stage,
                    "severity": c.severity,
                    "services": list(c.services),
                    "reason": reason,
                }
                for c, reason in duplicates
            ]
        )


def precheck_declaration(
    cmd: commands.DeclareIncident, conn: Connection, ctx: Context
) -> commands.DeclareIncident:
    """The duplicate check on the read side, before the write lock is taken: comparing a
    title with a thousand open incidents takes longer than the rest of the declaration,
    and every other writer would wait for it. The handler then compares only incidents
    declared since (usually none)."""
    if cmd.force or cmd.duplicates_checked_through is not None:
        return cmd
    kept = open_incidents(conn.engine)
    known = None if kept is None else kept.look(conn)
    # The number first: an incident committed after the titles were read is checked again.
    through = last_number(conn) if known is None else known.through
    candidates = duplicate_candidates(
        conn,
        _declarer(cmd),
        title=cmd.title,
        services=cmd.services,
        threshold=ctx.policy.duplicate_title_similarity,
        known=known,
    )
    _refuse_duplicates(cmd, candidates, ctx)
    return replace(cmd, duplicates_checked_through=through)


def declare_incident(
    cmd: commands.DeclareIncident, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    policy, now = ctx.policy, ctx.clock.now()
    severity = cmd.severity or policy.default_severity
    policy.severity(severity)
    number = uow.incidents.next_number()
    through = cmd.duplicates_checked_through
    # Numbers are handed out in order: if this one follows the last the pre-check saw, no
    # incident was declared since and there is nothing more to compare (a refusal rolls
    # the number back with the rest).
    if not cmd.force and (through is None or number > through + 1):
        candidates = uow.incidents.duplicate_candidates(
            _declarer(cmd),
            title=cmd.title,
            services=cmd.services,
            threshold=policy.duplicate_title_similarity,
            after=through,
        )
        _refuse_duplicates(cmd, candidates, ctx)
    incident, rule = Incident.declare(
        number=number,
        policy=policy,
        title=cmd.title,
        severity=severity,
        by=cmd.by,
        now=now,
        occurred_at=cmd.occurred_at,
        detected_at=cmd.detected_at,
        functionality=cmd.functionality,
        state=cmd.state,
        audience=cmd.audience,
        summary=cmd.summary,
        services=cmd.services,
        customers_affected=cmd.customers_affected,
        whole_service=cmd.whole_service,
        visibility=cmd.visibility,
        drill=cmd.drill,
    )
    uow.incidents.add(incident)
    classification = None
    if rule is not None and policy.rank(rule.severity) <= policy.rank(severity):
        classification = {
            "rule": rule.name,
            "description": rule.description,
            "suggested": rule.severity,
            "applied": incident.severity == rule.severity and severity != rule.severity,
        }
    return {"ref": incident.ref, "classification": classification}


def edit_incident(cmd: commands.EditIncident, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.edit(policy=ctx.policy, by=cmd.by, now=ctx.clock.now(), **cmd.changes)
    return {"ref": incident.ref}


def change_stage(cmd: commands.ChangeStage, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.change_stage(
        cmd.stage,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
        note=cmd.note,
    )
    return {"ref": incident.ref, "stage": str(incident.stage)}


def change_severity(
    cmd: commands.ChangeSeverity, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.change_severity(
        cmd.severity,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
        reason=cmd.reason,
    )
    return {"ref": incident.ref, "severity": incident.severity}


def acknowledge(cmd: commands.Acknowledge, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.acknowledge(
        policy=ctx.policy, by=cmd.by, now=ctx.clock.now(), occurred_at=cmd.occurred_at
    )
    return {"ref": incident.ref}


PRECHECKS: dict[type[commands.Command], Precheck] = {
    commands.DeclareIncident: precheck_declaration,
}

COMMAND_HANDLERS: dict[type[commands.Command], CommandHandler] = {
    commands.DeclareIncident: declare_incident,
    commands.EditIncident: edit_incident,
    commands.ChangeStage: change_stage,
    commands.ChangeSeverity: change_severity,
    commands.Acknowledge: acknowledge,
}

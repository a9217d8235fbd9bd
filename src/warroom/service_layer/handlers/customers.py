"""Affected customers: the list, the contact log and verification of the fix."""

from __future__ import annotations

from typing import Any

from warroom.domain import checklist_commands as cc
from warroom.domain import commands
from warroom.service_layer.messagebus import CommandHandler, Context
from warroom.service_layer.unit_of_work import UnitOfWork


def add_customer(cmd: cc.AddCustomer, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    customer = incident.add_customer(
        cmd.name,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        contact=cmd.contact,
        tier=cmd.tier,
        reported_via=cmd.reported_via,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": customer.number}


def edit_customer(cmd: cc.EditCustomer, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.edit_customer(
        cmd.number, policy=ctx.policy, by=cmd.by, now=ctx.clock.now(), **cmd.changes
    )
    return {"ref": incident.ref, "number": cmd.number}


def log_contact(cmd: cc.LogCustomerContact, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.log_customer_contact(
        cmd.number,
        method=cmd.method,
        outcome=cmd.outcome,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        note=cmd.note,
        answers=cmd.answers,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": cmd.number}


def set_verification(
    cmd: cc.SetCustomerVerification, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.set_customer_verification(
        cmd.number,
        cmd.status,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        note=cmd.note,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": cmd.number}


COMMAND_HANDLERS: dict[type[commands.Command], CommandHandler] = {
    cc.AddCustomer: add_customer,
    cc.EditCustomer: edit_customer,
    cc.LogCustomerContact: log_contact,
    cc.SetCustomerVerification: set_verification,
}

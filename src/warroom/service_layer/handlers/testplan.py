"""Test plans, fixes and automated tests, and the durability audit."""

from __future__ import annotations

from typing import Any

from warroom.domain import commands
from warroom.domain import testplan_commands as tc
from warroom.domain import testplan_events as ev
from warroom.domain.enums import EntryKind
from warroom.domain.errors import InvalidInput
from warroom.domain.events import Event
from warroom.service_layer.handlers.clocks import incident_of
from warroom.service_layer.messagebus import CommandHandler, Context, EventHandler
from warroom.service_layer.notify import notify_person
from warroom.service_layer.unit_of_work import UnitOfWork

# Timeline entries that can describe a mitigation or a manual change.
FLAGGABLE_KINDS = (
    EntryKind.MANUAL_CHANGE,
    EntryKind.STAGE_CHANGE,
    EntryKind.MILESTONE,
    EntryKind.NOTE,
    EntryKind.EXPERIMENT,
    EntryKind.RESULT,
)


def add_step(cmd: tc.AddTestStep, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    step = incident.add_test_step(
        cmd.title,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        customer_data=cmd.customer_data,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": step.number}


def record_result(cmd: tc.RecordStepResult, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.record_step_result(
        cmd.number,
        cmd.environment,
        cmd.status,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        note=cmd.note,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": cmd.number}


def require_signer(cmd: tc.RequireSigner, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.require_signer(
        cmd.person, policy=ctx.policy, by=cmd.by, now=ctx.clock.now(), occurred_at=cmd.occurred_at
    )
    return {"ref": incident.ref, "person": cmd.person}


def sign(cmd: tc.SignTestPlan, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.sign_test_plan(
        policy=ctx.policy, by=cmd.by, now=ctx.clock.now(), occurred_at=cmd.occurred_at
    )
    return {"ref": incident.ref, "signed": incident.test_plan_signed()}


def record_tests(cmd: tc.RecordAutomatedTests, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    record = incident.record_automated_tests(
        cmd.url,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        description=cmd.description,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": record.number}


def record_fix(cmd: tc.RecordFix, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    fix = incident.record_fix(
        cmd.text,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        tests_url=cmd.tests_url,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": fix.number, "severity": incident.severity}


def flag(cmd: tc.FlagNonDurable, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    text = cmd.text
    if cmd.entry_id is not None:
        entries = uow.incidents.entries(incident.number, FLAGGABLE_KINDS)
        entry = next((e for e in entries if e.id == cmd.entry_id), None)
        if entry is None:
            kinds = ", ".join(FLAGGABLE_KINDS)
            raise InvalidInput(
                "entry_id", f"{incident.ref} has no timeline entry {cmd.entry_id} of kind {kinds}"
            )
        text = text or entry.text
    item = incident.flag_non_durable(
        cmd.category,
        text,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        entry_id=cmd.entry_id,
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": item.number, "followup": item.followup}


def waive(cmd: tc.WaiveNonDurable, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    incident.waive_non_durable(
        cmd.number,
        cmd.reason,
        policy=ctx.policy,
        by=cmd.by,
        now=ctx.clock.now(),
        occurred_at=cmd.occurred_at,
    )
    return {"ref": incident.ref, "number": cmd.number}


def untested_fix_dropped(event: ev.UntestedFixDropped, *, uow: UnitOfWork, ctx: Context) -> None:
    """Tell the commander (the log channel when there is none) that the incident waits."""
    incident = incident_of(uow, event.ref)
    notify_person(
        uow,
        ctx,
        event.commander or incident.declared_by,
        key=f"{event.ref}:untested-fix:{event.number}",
        subject=f"{event.ref} dropped to {event.to_severity}: fix without automated tests",
        body=(
            f"{event.ref} ({incident.summary_line}): fix #{event.number} was released without "
            f"automated tests, so the severity dropped from {event.from_severity} to "
            f"{event.to_severity}. The incident stays open until the tests are recorded: "
            f"warroom testplan tests {event.ref} URL"
        ),
        incident_ref=event.ref,
    )


COMMAND_HANDLERS: dict[type[commands.Command], CommandHandler] = {
    tc.AddTestStep: add_step,
    tc.RecordStepResult: record_result,
    tc.RequireSigner: require_signer,
    tc.SignTestPlan: sign,
    tc.RecordAutomatedTests: record_tests,
    tc.RecordFix: record_fix,
    tc.FlagNonDurable: flag,
    tc.WaiveNonDurable: waive,
}

EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = {
    ev.UntestedFixDropped: [untested_fix_dropped],
}

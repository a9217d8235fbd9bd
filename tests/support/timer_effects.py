"""A timer kind whose effect can be counted: it writes one note on an incident per firing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from warroom.adapters.policy_file import load_policy
from warroom.domain.background import DueTimer
from warroom.domain.checklists import Checklist
from warroom.domain.enums import EntryKind
from warroom.domain.policy import Policy
from warroom.service_layer.messagebus import Context
from warroom.service_layer.unit_of_work import UnitOfWork

KIND = "test.note"


def write_note(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    assert timer.incident_ref is not None
    incident = uow.incidents.get(timer.incident_ref)
    incident.log(
        EntryKind.NOTE,
        f"timer {timer.payload['n']}",
        policy=ctx.policy,
        by="timer",
        now=ctx.clock.now(),
    )


def fail_always(timer: DueTimer, **_: Any) -> None:
    raise RuntimeError("this handler always fails")


def repeat(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    """Reschedule the same key a minute later, like a cadence reminder does."""
    write_note(timer, uow=uow, ctx=ctx)
    uow.timers.schedule(
        timer.key,
        kind=timer.kind,
        due_at=timer.due_at + timedelta(minutes=1),
        now=ctx.clock.now(),
        payload=timer.payload,
        incident_ref=timer.incident_ref,
    )


HANDLERS = {KIND: write_note, "test.fail": fail_always, "test.repeat": repeat}


def machinery_policy() -> Policy:
    """The standard policy without the rules that schedule timers of their own (checklist
    deadlines), so that tests of the timer machinery count only the timers they schedule."""
    return replace(load_policy("standard"), checklist=Checklist())

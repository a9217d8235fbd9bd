"""Firing a durable timer: its handler's effects and the timer's removal commit together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

from warroom.domain import commands
from warroom.domain.background import DueTimer
from warroom.service_layer.messagebus import CommandHandler, Context
from warroom.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

TimerHandler = Callable[..., None]


def make_fire_timer(handlers: dict[str, TimerHandler]) -> CommandHandler:
    """The FireTimer handler, dispatching on the timer's kind to `handlers`."""

    def fire_timer(cmd: commands.FireTimer, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
        # Lock the incident before the timer row, in the order commands take them (a
        # command locks its incident, then schedules its timers): no deadlock.
        ref = cmd.incident_ref
        if ref is None:
            claimed = uow.timers.get_claimed(cmd.timer_id, cmd.worker)
            ref = claimed.incident_ref if claimed is not None else None
        if ref is not None:
            uow.incidents.get(ref)
        timer: DueTimer | None = uow.timers.lock_claimed(cmd.timer_id, cmd.worker, cmd.due_at)
        if timer is None:
            # Fired by another worker after our lease ran out, moved, or cancelled.
            return {"fired": False}
        handler = handlers.get(timer.kind)
        if handler is None:
            log.warning("timer_kind_unknown", kind=timer.kind, key=timer.key)
        else:
            handler(timer, uow=uow, ctx=ctx)
        uow.timers.complete(timer)
        return {"fired": True, "kind": timer.kind}

    return fire_timer

"""Every command and event handler, listed in one place."""

from __future__ import annotations

from warroom.domain.commands import Command
from warroom.domain.events import Event
from warroom.service_layer.handlers import (
    alerts,
    catalog,
    incidents,
    oncall,
    people,
    record,
    work,
)
from warroom.service_layer.handlers.timers import TimerHandler
from warroom.service_layer.messagebus import CommandHandler, EventHandler
from warroom.service_layer.paging import PAGE_TIMER, escalate

COMMAND_HANDLERS: dict[type[Command], CommandHandler] = {
    **incidents.COMMAND_HANDLERS,
    **people.COMMAND_HANDLERS,
    **record.COMMAND_HANDLERS,
    **work.COMMAND_HANDLERS,
    **alerts.COMMAND_HANDLERS,
    **catalog.COMMAND_HANDLERS,
    **oncall.COMMAND_HANDLERS,
}

EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = {
    **oncall.EVENT_HANDLERS,
}

# Timer kinds and the handlers that fire them (see service_layer/worker.py).
TIMER_HANDLERS: dict[str, TimerHandler] = {
    PAGE_TIMER: escalate,
    alerts.SETTLE_TIMER: alerts.settle,
}

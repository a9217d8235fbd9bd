"""Every command and event handler, listed in one place."""

from __future__ import annotations

from warroom.domain.commands import Command
from warroom.domain.events import Event
from warroom.service_layer.handlers import incidents, people, record, status, work
from warroom.service_layer.handlers.timers import TimerHandler
from warroom.service_layer.messagebus import CommandHandler, EventHandler

COMMAND_HANDLERS: dict[type[Command], CommandHandler] = {
    **incidents.COMMAND_HANDLERS,
    **people.COMMAND_HANDLERS,
    **record.COMMAND_HANDLERS,
    **work.COMMAND_HANDLERS,
    **status.COMMAND_HANDLERS,
}

EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = {
    **status.EVENT_HANDLERS,
}

# Timer kinds and the handlers that fire them (see service_layer/worker.py).
TIMER_HANDLERS: dict[str, TimerHandler] = {}

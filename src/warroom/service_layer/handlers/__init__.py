"""Every command and event handler, listed in one place."""

from __future__ import annotations

from warroom.domain.commands import Command
from warroom.domain.events import Event
from warroom.service_layer.handlers import checklists, customers, incidents, people, record, work
from warroom.service_layer.handlers.timers import TimerHandler
from warroom.service_layer.messagebus import CommandHandler, EventHandler

COMMAND_HANDLERS: dict[type[Command], CommandHandler] = {
    **incidents.COMMAND_HANDLERS,
    **people.COMMAND_HANDLERS,
    **record.COMMAND_HANDLERS,
    **work.COMMAND_HANDLERS,
    **checklists.COMMAND_HANDLERS,
    **customers.COMMAND_HANDLERS,
}

EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = {}

# Checklists react to every event type (which events tick which items is policy data).
for _event_type, _handlers in checklists.EVENT_HANDLERS.items():
    EVENT_HANDLERS.setdefault(_event_type, []).extend(_handlers)

# Timer kinds and the handlers that fire them (see service_layer/worker.py).
TIMER_HANDLERS: dict[str, TimerHandler] = {}
TIMER_HANDLERS.update(checklists.TIMER_HANDLERS)

"""Every command, event and timer handler, listed in one place."""

from __future__ import annotations

from collections.abc import Mapping

from warroom.domain.commands import Command
from warroom.domain.events import Event
from warroom.service_layer.handlers import (
    alerts,
    catalog,
    checklists,
    clock_notices,
    clock_timers,
    clocks,
    customers,
    drills,
    incidents,
    learning,
    members,
    notifications,
    oncall,
    people,
    record,
    status,
    testplan,
    work,
)
from warroom.service_layer.handlers.timers import TimerHandler
from warroom.service_layer.messagebus import CommandHandler, EventHandler
from warroom.service_layer.paging import PAGE_TIMER, escalate


def _combine(
    *maps: Mapping[type[Event], list[EventHandler]],
) -> dict[type[Event], list[EventHandler]]:
    """Several modules may react to one event: their handlers run in the order listed."""
    combined: dict[type[Event], list[EventHandler]] = {}
    for mapping in maps:
        for event, handlers in mapping.items():
            combined.setdefault(event, []).extend(handlers)
    return combined


# Read-side checks run before a command's write transaction (see MessageBus).
PRECHECKS = dict(incidents.PRECHECKS)

COMMAND_HANDLERS: dict[type[Command], CommandHandler] = {
    **incidents.COMMAND_HANDLERS,
    **people.COMMAND_HANDLERS,
    **record.COMMAND_HANDLERS,
    **work.COMMAND_HANDLERS,
    **notifications.COMMAND_HANDLERS,
    **status.COMMAND_HANDLERS,
    **checklists.COMMAND_HANDLERS,
    **customers.COMMAND_HANDLERS,
    **alerts.COMMAND_HANDLERS,
    **catalog.COMMAND_HANDLERS,
    **oncall.COMMAND_HANDLERS,
    **clocks.COMMAND_HANDLERS,
    **testplan.COMMAND_HANDLERS,
    **members.COMMAND_HANDLERS,
    **drills.COMMAND_HANDLERS,
    **learning.COMMAND_HANDLERS,
}

EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = _combine(
    # Roles filled from on-call rotations first, so the declaration's room invites them.
    oncall.EVENT_HANDLERS,
    notifications.EVENT_HANDLERS,
    status.EVENT_HANDLERS,
    clocks.EVENT_HANDLERS,
    clock_notices.EVENT_HANDLERS,
    testplan.EVENT_HANDLERS,
    learning.EVENT_HANDLERS,
    drills.EVENT_HANDLERS,
    # Checklists react to every event type (which events tick which items is policy data),
    # after the other reactions, so an item bound to their events sees them too.
    checklists.EVENT_HANDLERS,
)

# Timer kinds and the handlers that fire them (see service_layer/worker.py).
TIMER_HANDLERS: dict[str, TimerHandler] = {
    **notifications.TIMER_HANDLERS,
    **checklists.TIMER_HANDLERS,
    **clock_timers.TIMER_HANDLERS,
    PAGE_TIMER: escalate,
    alerts.SETTLE_TIMER: alerts.settle,
    **drills.TIMER_HANDLERS,
}

"""Handlers for the status page: components, scheduled maintenance and email subscriptions."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from warroom.domain import status_rules as rules
from warroom.domain.background import OutboundMessage
from warroom.domain.commands import Command
from warroom.domain.errors import InvalidInput, RuleViolation
from warroom.domain.events import Event, UpdatePosted
from warroom.domain.status_commands import (
    AddStatusComponent,
    CancelMaintenance,
    ConfirmSubscription,
    EditMaintenance,
    EditStatusComponent,
    RemoveStatusComponent,
    RequestSubscription,
    ScheduleMaintenance,
    Unsubscribe,
)
from warroom.domain.textcheck import check_text
from warroom.service_layer.messagebus import CommandHandler, Context, EventHandler
from warroom.service_layer.status_notify import on_update_posted
from warroom.service_layer.unit_of_work import UnitOfWork


def add_component(cmd: AddStatusComponent, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    name = rules.clean_component_name(cmd.name)
    if uow.status.component_named(name) is not None:
        raise RuleViolation("status.component_exists", f"a component named {name!r} exists")
    now = ctx.clock.now()
    position = cmd.position if cmd.position is not None else uow.status.next_position()
    new_id = uow.status.add_component(
        {
            "name": name,
            "group_name": rules.clean_group(cmd.group),
            "description": rules.clean_description(cmd.description),
            "position": rules.clean_position(position),
            "status": str(rules.clean_status(cmd.status)),
            "created_at": now,
            "updated_at": now,
        }
    )
    return {"id": new_id}


_COMPONENT_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name": rules.clean_component_name,
    "group": rules.clean_group,
    "description": rules.clean_description,
    "position": rules.clean_position,
    "status": lambda v: str(rules.clean_status(v)),
}


def edit_component(cmd: EditStatusComponent, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    current = uow.status.component(cmd.component_id)
    values: dict[str, Any] = {}
    for name, value in cmd.changes.items():
        if name not in _COMPONENT_FIELDS:
            raise InvalidInput(name, "is not an editable field")
        if value is None and name != "group":
            continue
        column = "group_name" if name == "group" else name
        values[column] = _COMPONENT_FIELDS[name](value)
    new_name = values.get("name")
    if new_name and new_name != current["name"] and uow.status.component_named(new_name):
        raise RuleViolation("status.component_exists", f"a component named {new_name!r} exists")
    if values:
        values["updated_at"] = ctx.clock.now()
        uow.status.update_component(cmd.component_id, values)
    return {"id": cmd.component_id}


def remove_component(
    cmd: RemoveStatusComponent, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    uow.status.component(cmd.component_id)
    uow.status.remove_component(cmd.component_id)
    return {"id": cmd.component_id}


def schedule_maintenance(
    cmd: ScheduleMaintenance, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    rules.clean_window(cmd.scheduled_for, cmd.scheduled_until)
    now = ctx.clock.now()
    new_id = uow.status.add_maintenance(
        {
            "name": check_text("name", cmd.name, 200, required=True),
            "body": check_text("body", cmd.body, 10_000),
            "components": rules.clean_components(cmd.components, uow.status.component_names()),
            "scheduled_for": cmd.scheduled_for,
            "scheduled_until": cmd.scheduled_until,
            "created_at": now,
            "updated_at": now,
        }
    )
    return {"id": new_id}


def edit_maintenance(cmd: EditMaintenance, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    current = uow.status.maintenance(cmd.maintenance_id)
    values: dict[str, Any] = {}
    for name, value in cmd.changes.items():
        if value is None:
            continue
        if name == "name":
            values[name] = check_text("name", str(value), 200, required=True)
        elif name == "body":
            values[name] = check_text("body", str(value), 10_000)
        elif name == "components":
            values[name] = rules.clean_components(value, uow.status.component_names())  # type: ignore[arg-type]
        elif name in {"scheduled_for", "scheduled_until"}:
            values[name] = value
        elif name == "completed":
            values["completed_at"] = ctx.clock.now() if value else None
        else:
            raise InvalidInput(name, "is not an editable field")
    rules.clean_window(
        values.get("scheduled_for", current["scheduled_for"]),
        values.get("scheduled_until", current["scheduled_until"]),
    )
    if values:
        values["updated_at"] = ctx.clock.now()
        uow.status.update_maintenance(cmd.maintenance_id, values)
    return {"id": cmd.maintenance_id}


def cancel_maintenance(cmd: CancelMaintenance, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    uow.status.maintenance(cmd.maintenance_id)
    uow.status.remove_maintenance(cmd.maintenance_id)
    return {"id": cmd.maintenance_id}


def request_subscription(
    cmd: RequestSubscription, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    """Queue the confirmation mail; nothing is stored until the link is followed."""
    email = rules.clean_email(cmd.email)
    components = rules.clean_components(cmd.components, uow.status.component_names())
    if "email" not in ctx.channels:
        raise RuleViolation("status.email_unavailable", "email is not configured on this server")
    now = ctx.clock.now()
    scope = ", ".join(components) or "every component"
    # One confirmation per address, selection and hour: repeated submissions do not spam.
    hour = now.strftime("%Y%m%d%H")
    uow.outbox.enqueue(
        OutboundMessage(
            key=f"status-confirm:{email}:{'|'.join(components)}:{hour}",
            channel="email",
            destination=email,
            subject="Confirm your status updates subscription",
            body=(
                f"Someone (hopefully you) asked to receive status updates for {scope}.\n\n"
                f"Confirm the subscription: {cmd.confirm_url}\n\n"
                "If this was not you, ignore this message and nothing will be sent.\n"
            ),
        ),
        now=now,
    )
    return {"email": email, "components": components}


def confirm_subscription(
    cmd: ConfirmSubscription, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    email = rules.clean_email(cmd.email)
    # Components removed since the mail was sent are dropped rather than refused.
    known = set(uow.status.component_names())
    components = [c for c in cmd.components if c in known]
    uow.status.save_subscriber(
        email=email, components=components, token=secrets.token_urlsafe(32), now=ctx.clock.now()
    )
    return {"email": email, "components": components}


def unsubscribe(cmd: Unsubscribe, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    email = uow.status.unsubscribe(cmd.token[:64])
    return {"unsubscribed": email is not None}


COMMAND_HANDLERS: dict[type[Command], CommandHandler] = {
    AddStatusComponent: add_component,
    EditStatusComponent: edit_component,
    RemoveStatusComponent: remove_component,
    ScheduleMaintenance: schedule_maintenance,
    EditMaintenance: edit_maintenance,
    CancelMaintenance: cancel_maintenance,
    RequestSubscription: request_subscription,
    ConfirmSubscription: confirm_subscription,
    Unsubscribe: unsubscribe,
}

EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = {UpdatePosted: [on_update_posted]}

"""On-call commands: overrides, integrations and their keys, page acknowledgements, and
incident roles filled from rotations when an incident is declared."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from warroom.domain import commands, events
from warroom.domain.drills import DRILL_INTEGRATION
from warroom.domain.errors import InvalidInput, NotFound, RuleViolation
from warroom.domain.integrations import Integration
from warroom.domain.oncall import Override
from warroom.domain.oncall_commands import (
    AcknowledgePage,
    AcknowledgePagesOf,
    AddOverride,
    CreateIntegration,
    DeleteIntegration,
    RemoveOverride,
    RotateIntegrationKey,
    UpdateIntegration,
)
from warroom.service_layer.messagebus import CommandHandler, Context, EventHandler
from warroom.service_layer.oncall import on_call, schedule_or_404
from warroom.service_layer.paging import acknowledge_page, deliver_page
from warroom.service_layer.unit_of_work import UnitOfWork


def hash_key(key: str) -> str:
    # Keys carry 128+ bits of randomness: a fast hash cannot be brute-forced.
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """32 characters, the length of a PagerDuty integration (routing) key."""
    return secrets.token_hex(16)


def add_override(cmd: AddOverride, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    schedule_or_404(uow, cmd.schedule)
    if cmd.ends_at <= cmd.starts_at:
        raise InvalidInput("ends_at", "must be after starts_at")
    if uow.directory.person(cmd.person) is None:
        raise InvalidInput("person", f"unknown person {cmd.person!r}; add them to the catalog")
    override = Override(cmd.person, cmd.starts_at, cmd.ends_at, reason=cmd.reason)
    new_id = uow.oncall.add_override(cmd.schedule, override, by=cmd.by, now=ctx.clock.now())
    return {"id": new_id, "schedule": cmd.schedule}


def remove_override(cmd: RemoveOverride, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    if not uow.oncall.delete_override(cmd.schedule, cmd.override_id):
        raise NotFound("override", f"{cmd.schedule}/{cmd.override_id}")
    return {"removed": cmd.override_id}


def _check_service(uow: UnitOfWork, service: object) -> None:
    if service is not None and uow.directory.service(str(service)) is None:
        raise InvalidInput("service", f"unknown service {service!r}; add it to the catalog")


def create_integration(cmd: CreateIntegration, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    if uow.alerts.integration(cmd.name) is not None:
        raise RuleViolation("integrations.unique", f"an integration named {cmd.name!r} exists")
    if cmd.name == DRILL_INTEGRATION:
        raise RuleViolation(
            "integrations.reserved", f"{cmd.name!r} is reserved for the alerts of drills"
        )
    _check_service(uow, cmd.service)
    key = new_key()
    integration = Integration(
        id=0,
        name=cmd.name,
        kind=cmd.kind,
        service=cmd.service,
        mapping=dict(cmd.mapping),
        rate_limit_per_minute=cmd.rate_limit_per_minute,
        created_at=ctx.clock.now(),
        key_prefix=key[:6],
    )
    new_id = uow.alerts.add_integration(integration, key_hash=hash_key(key))
    return {"id": new_id, "name": cmd.name, "key": key}


def update_integration(cmd: UpdateIntegration, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    allowed = {"service", "mapping", "rate_limit_per_minute"}
    unknown = set(cmd.changes) - allowed
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "cannot be changed")
    if "service" in cmd.changes:
        _check_service(uow, cmd.changes["service"])
    if not uow.alerts.update_integration(cmd.name, **cmd.changes):
        raise NotFound("integration", cmd.name)
    return {"name": cmd.name}


def rotate_key(cmd: RotateIntegrationKey, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    key = new_key()
    found = uow.alerts.update_integration(
        cmd.name, key_hash=hash_key(key), key_prefix=key[:6], rotated_at=ctx.clock.now()
    )
    if not found:
        raise NotFound("integration", cmd.name)
    return {"name": cmd.name, "key": key}


def delete_integration(cmd: DeleteIntegration, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    if not uow.alerts.delete_integration(cmd.name):
        raise NotFound("integration", cmd.name)
    return {"removed": cmd.name}


def acknowledge(cmd: AcknowledgePage, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    page = acknowledge_page(uow, ctx, cmd.page_id, by=cmd.by)
    return {"page": page.id, "status": str(page.status), "acknowledged_by": page.acknowledged_by}


def acknowledge_pages_of(
    cmd: AcknowledgePagesOf, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    """Acknowledge every open page sent to a person (what chat's `!inc ack` calls)."""
    found = uow.oncall.open_pages(incident_ref=cmd.incident_ref, person=cmd.person)
    for page in found:
        acknowledge_page(uow, ctx, page.id, by=cmd.person)
    return {"acknowledged": [p.id for p in found]}


def fill_roles_from_rotations(
    event: events.IncidentDeclared, *, uow: UnitOfWork, ctx: Context
) -> None:
    """Give the policy's rotation roles to whoever is on call now, and page them."""
    if not ctx.policy.role_rotations:
        return
    incident = uow.incidents.get(event.ref)
    now = ctx.clock.now()
    for role, schedule in ctx.policy.role_rotations.items():
        if incident.holders(role):
            continue
        person = on_call(uow, schedule, now)
        by = f"rotation:{schedule}"
        if person is None:
            incident.record_event(f"Nobody is on call in {schedule} to be {role}", by=by, now=now)
            continue
        try:
            incident.assign_role(role, person, policy=ctx.policy, by=by, now=now)
        except RuleViolation as exc:
            incident.record_event(f"{person} not made {role}: {exc.message}", by=by, now=now)
            continue
        incident.record_event(
            f"{role} filled from the {schedule} rotation: {person}",
            by=by,
            now=now,
            data={"role": str(role), "person": person, "schedule": schedule},
        )
        deliver_page(
            uow,
            ctx,
            person,
            key=f"role:{event.ref}:{role}:{person}",
            subject=f"[{event.ref}] you are {role}: {event.title}"[:900],
            body=f"You are {role} of {event.ref} ({event.severity}): {event.title}\n"
            f"Channel: #{event.channel}",
            incident_ref=event.ref,
        )


COMMAND_HANDLERS: dict[type[commands.Command], CommandHandler] = {
    AddOverride: add_override,
    RemoveOverride: remove_override,
    CreateIntegration: create_integration,
    UpdateIntegration: update_integration,
    RotateIntegrationKey: rotate_key,
    DeleteIntegration: delete_integration,
    AcknowledgePage: acknowledge,
    AcknowledgePagesOf: acknowledge_pages_of,
}

EVENT_HANDLERS: dict[type[events.Event], list[EventHandler]] = {
    events.IncidentDeclared: [fill_roles_from_rotations],
}

"""Members of an incident: people let into a restricted incident without a role on it."""

from __future__ import annotations

from typing import Any

from warroom.domain.commands import Command
from warroom.domain.errors import InvalidInput, NotFound
from warroom.domain.member_commands import AddMember, RemoveMember
from warroom.service_layer.messagebus import CommandHandler, Context
from warroom.service_layer.unit_of_work import UnitOfWork


def _person(value: str) -> str:
    person = value.strip()
    if not person or len(person) > 100:
        raise InvalidInput("person", "must be 1 to 100 characters")
    return person


def add_member(cmd: AddMember, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    person = _person(cmd.person)
    now = ctx.clock.now()
    if uow.incidents.add_member(incident.number, person, by=cmd.by, now=now):
        incident.note_system(f"{person} added as a member by {cmd.by}", now=now, by=cmd.by)
    return {"ref": incident.ref, "person": person}


def remove_member(cmd: RemoveMember, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    incident = uow.incidents.get(cmd.ref)
    person = _person(cmd.person)
    if not uow.incidents.remove_member(incident.number, person):
        raise NotFound("member", person)
    now = ctx.clock.now()
    incident.note_system(f"{person} is no longer a member (by {cmd.by})", now=now, by=cmd.by)
    return {"ref": incident.ref, "person": person}


COMMAND_HANDLERS: dict[type[Command], CommandHandler] = {
    AddMember: add_member,
    RemoveMember: remove_member,
}

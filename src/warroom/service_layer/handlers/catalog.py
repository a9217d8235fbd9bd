"""The service catalog: import (create or update, idempotent) and removal of entries."""

from __future__ import annotations

from typing import Any

from warroom.adapters.oncall_codec import policy_to_dict, schedule_to_dict
from warroom.domain import commands
from warroom.domain.directory import Person, Service, Team
from warroom.domain.errors import InvalidInput, NotFound, RuleViolation
from warroom.domain.escalation import TargetKind
from warroom.domain.oncall_commands import ImportCatalog, RemoveCatalogEntry
from warroom.service_layer.messagebus import CommandHandler, Context
from warroom.service_layer.unit_of_work import UnitOfWork

KINDS = ("people", "teams", "services", "schedules", "escalation_policies")
SINGULAR = {
    "people": "person",
    "teams": "team",
    "services": "service",
    "schedules": "schedule",
    "escalation_policies": "escalation policy",
}
_PERSON = (
    "name",
    "email",
    "phone",
    "matrix_id",
    "slack_id",
    "timezone",
    "waking_start",
    "waking_end",
)
_TEAM = ("members", "chat_channel", "email")
_SERVICE = (
    "team",
    "smes",
    "escalation_policy",
    "schedule",
    "status_component",
    "runbook_url",
    "description",
)


def _copy(target: Any, source: Any, names: tuple[str, ...]) -> bool:
    changed = False
    for name in names:
        value = getattr(source, name)
        if isinstance(value, list):
            value = list(value)
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


class _Report:
    def __init__(self) -> None:
        self.data: dict[str, dict[str, list[str]]] = {
            k: {"created": [], "updated": [], "unchanged": []} for k in KINDS
        }

    def add(self, kind: str, outcome: str, name: str) -> None:
        self.data[kind][outcome].append(name)

    def summary(self) -> dict[str, Any]:
        totals = {
            o: sum(len(v[o]) for v in self.data.values())
            for o in ("created", "updated", "unchanged")
        }
        return {**totals, "by_kind": self.data}


def _check_refs(cmd: ImportCatalog, uow: UnitOfWork) -> None:
    """Every name a catalog entry refers to must exist, in this import or already."""
    people = {p.handle for p in cmd.people}
    teams = {t.name for t in cmd.teams}
    schedules = {s.name for s in cmd.schedules}
    policies = {p.name for p in cmd.escalation_policies}

    def person(field: str, handle: str) -> None:
        if handle not in people and uow.directory.person(handle) is None:
            raise InvalidInput(field, f"unknown person {handle!r}; add them under people")

    def exists(field: str, kind: str, name: str, known: set[str], found: Any) -> None:
        if name not in known and found(name) is None:
            raise InvalidInput(field, f"unknown {kind} {name!r}")

    for i, team in enumerate(cmd.teams):
        for j, handle in enumerate(team.members):
            person(f"teams[{i}].members[{j}]", handle)
    for i, svc in enumerate(cmd.services):
        if svc.team:
            exists(f"services[{i}].team", "team", svc.team, teams, uow.directory.team)
        if svc.schedule:
            exists(
                f"services[{i}].schedule", "schedule", svc.schedule, schedules, uow.oncall.schedule
            )
        if svc.escalation_policy:
            exists(
                f"services[{i}].escalation_policy",
                "escalation policy",
                svc.escalation_policy,
                policies,
                uow.oncall.policy,
            )
        for j, handle in enumerate(svc.smes):
            person(f"services[{i}].smes[{j}]", handle)
    for i, schedule in enumerate(cmd.schedules):
        for j, layer in enumerate(schedule.layers):
            for k, handle in enumerate(layer.members):
                person(f"schedules[{i}].layers[{j}].members[{k}]", handle)
    for i, policy in enumerate(cmd.escalation_policies):
        for j, level in enumerate(policy.levels):
            for k, target in enumerate(level.targets):
                field = f"escalation_policies[{i}].levels[{j}].targets[{k}]"
                if target.kind is TargetKind.PERSON:
                    person(field, target.name)
                elif target.kind is TargetKind.TEAM:
                    exists(field, "team", target.name, teams, uow.directory.team)
                else:
                    exists(field, "schedule", target.name, schedules, uow.oncall.schedule)


def import_catalog(cmd: ImportCatalog, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    _check_refs(cmd, uow)
    report = _Report()
    for person in cmd.people:
        _merge(
            uow,
            report,
            "people",
            person.handle,
            uow.directory.person(person.handle),
            person,
            _PERSON,
        )
    for team in cmd.teams:
        _merge(uow, report, "teams", team.name, uow.directory.team(team.name), team, _TEAM)
    uow.directory.session.flush()
    for schedule in cmd.schedules:
        old = uow.oncall.schedule(schedule.name)
        outcome = _outcome((old and schedule_to_dict(old)) or None, schedule_to_dict(schedule))
        if outcome != "unchanged":
            uow.oncall.save_schedule(schedule)
        report.add("schedules", outcome, schedule.name)
    for policy in cmd.escalation_policies:
        old_policy = uow.oncall.policy(policy.name)
        outcome = _outcome(
            (old_policy and policy_to_dict(old_policy)) or None, policy_to_dict(policy)
        )
        if outcome != "unchanged":
            uow.oncall.save_policy(policy)
        report.add("escalation_policies", outcome, policy.name)
    for service in cmd.services:
        _merge(
            uow,
            report,
            "services",
            service.name,
            uow.directory.service(service.name),
            service,
            _SERVICE,
        )
    uow.directory.session.flush()
    return report.summary()


def _outcome(old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    if not old:
        return "created"
    return "unchanged" if old == new else "updated"


def _merge(
    uow: UnitOfWork,
    report: _Report,
    kind: str,
    name: str,
    existing: Person | Team | Service | None,
    new: Person | Team | Service,
    names: tuple[str, ...],
) -> None:
    if existing is None:
        uow.directory.add(new)
        report.add(kind, "created", name)
    elif _copy(existing, new, names):
        report.add(kind, "updated", name)
    else:
        report.add(kind, "unchanged", name)


def remove_entry(cmd: RemoveCatalogEntry, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    if cmd.kind not in KINDS:
        raise InvalidInput("kind", f"{cmd.kind!r} is not one of {', '.join(KINDS)}")
    session = uow.directory.session
    if cmd.kind == "schedules":
        _refuse_if_used(uow, "schedule", cmd.name)
        found = uow.oncall.delete_schedule(cmd.name)
    elif cmd.kind == "escalation_policies":
        _refuse_if_used(uow, "escalation_policy", cmd.name)
        found = uow.oncall.delete_policy(cmd.name)
    else:
        getter = {
            "people": uow.directory.person,
            "teams": uow.directory.team,
            "services": uow.directory.service,
        }[cmd.kind]
        thing = getter(cmd.name)
        found = thing is not None
        if thing is not None:
            session.delete(thing)
    if not found:
        raise NotFound(SINGULAR[cmd.kind], cmd.name)
    session.flush()
    return {"removed": cmd.name, "kind": cmd.kind}


def _refuse_if_used(uow: UnitOfWork, attribute: str, name: str) -> None:
    users = [s.name for s in uow.directory.services() if getattr(s, attribute) == name]
    if users:
        raise RuleViolation(
            "catalog.in_use",
            f"{name!r} is used by service(s) {', '.join(users)}; change them first",
        )


COMMAND_HANDLERS: dict[type[commands.Command], CommandHandler] = {
    ImportCatalog: import_catalog,
    RemoveCatalogEntry: remove_entry,
}

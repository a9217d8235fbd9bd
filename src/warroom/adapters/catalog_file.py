"""The catalog document (people, teams, services, schedules, escalation policies): the
shape of `warroom catalog import|export` YAML and of the catalog API, validated by
pydantic, converted to and from domain objects."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from warroom.adapters.oncall_codec import (
    parse_target,
    policy_from_dict,
    policy_to_dict,
    schedule_from_dict,
    schedule_to_dict,
)
from warroom.domain.directory import Person, Service, Team
from warroom.domain.durations import parse_span
from warroom.domain.escalation import EscalationPolicy
from warroom.domain.oncall import Frequency, Schedule
from warroom.domain.oncall_commands import ImportCatalog

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$", max_length=100)]
Text = Annotated[str, StringConstraints(max_length=10_000)]


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)"
        ) from None
    return value


def _duration(value: str) -> str:
    span = parse_span(value)
    if span.is_working_days or span.seconds <= 0:
        raise ValueError("give a wall-clock duration such as '10m' or '1h'")
    return value


def _target(value: str) -> str:
    try:
        parse_target(value)
    except ValueError:
        raise ValueError(f"{value!r}: use person:HANDLE, schedule:NAME or team:NAME") from None
    return value


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Zone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_zone)]
Duration = Annotated[str, StringConstraints(max_length=20), AfterValidator(_duration)]
TargetText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_target)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonIn(_Model):
    handle: Name
    name: Annotated[str, StringConstraints(max_length=200)] = ""
    email: (
        Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)] | None
    ) = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    matrix_id: (
        Annotated[str, StringConstraints(pattern=r"^@[^:\s]+:\S+$", max_length=255)] | None
    ) = None
    slack_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    timezone: Zone = "UTC"
    waking_start: time = time(8, 0)
    waking_end: time = time(22, 0)


class TeamIn(_Model):
    name: Name
    members: list[Name] = Field([], max_length=1000)
    chat_channel: Annotated[str, StringConstraints(max_length=255)] | None = None
    email: Annotated[str, StringConstraints(max_length=320)] | None = None


class ServiceIn(_Model):
    name: Name
    team: Name | None = None
    smes: list[Name] = Field([], max_length=100)
    escalation_policy: Name | None = None
    schedule: Name | None = None
    status_component: Annotated[str, StringConstraints(max_length=100)] | None = None
    runbook_url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    description: Text = ""


class RestrictionIn(_Model):
    start: time
    end: time
    days: list[Weekday] = Field(
        default=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], min_length=1, max_length=7
    )


class LayerIn(_Model):
    name: Name
    members: list[Name] = Field(min_length=1, max_length=1000)
    start: datetime = Field(description="First hand-off, wall-clock time in the schedule's zone")
    frequency: Frequency = Frequency.WEEKLY
    interval: int = Field(1, ge=1, le=52)
    restrictions: list[RestrictionIn] = Field([], max_length=50)
    until: datetime | None = None


class ScheduleIn(_Model):
    name: Name
    timezone: Zone = "UTC"
    description: Text = ""
    layers: list[LayerIn] = Field(min_length=1, max_length=20)


class LevelIn(_Model):
    targets: list[TargetText] = Field(min_length=1, max_length=50)
    wait: Duration = "15m"


class EscalationPolicyIn(_Model):
    name: Name
    description: Text = ""
    repeats: int = Field(0, ge=0, le=10)
    levels: list[LevelIn] = Field(min_length=1, max_length=20)


class CatalogIn(_Model):
    # Bounded so one request cannot ask for unbounded work; far above any real catalog.
    people: list[PersonIn] = Field([], max_length=20_000)
    teams: list[TeamIn] = Field([], max_length=5_000)
    services: list[ServiceIn] = Field([], max_length=10_000)
    schedules: list[ScheduleIn] = Field([], max_length=5_000)
    escalation_policies: list[EscalationPolicyIn] = Field([], max_length=5_000)


def _naive(value: datetime) -> str:
    # Layer times are wall-clock times in the schedule's zone: an offset would be ambiguous.
    return value.replace(tzinfo=None).isoformat(timespec="minutes")


def schedule_in(model: ScheduleIn) -> Schedule:
    data = model.model_dump(mode="json")
    for layer, given in zip(data["layers"], model.layers, strict=True):
        layer["start"] = _naive(given.start)
        layer["until"] = _naive(given.until) if given.until else None
    return schedule_from_dict(data)


def to_command(doc: CatalogIn, *, by: str) -> ImportCatalog:
    return ImportCatalog(
        by=by,
        people=tuple(Person(**p.model_dump()) for p in doc.people),
        teams=tuple(Team(**t.model_dump()) for t in doc.teams),
        services=tuple(Service(**s.model_dump()) for s in doc.services),
        schedules=tuple(schedule_in(s) for s in doc.schedules),
        escalation_policies=tuple(
            policy_from_dict(p.model_dump()) for p in doc.escalation_policies
        ),
    )


def person_out(p: Person) -> dict[str, Any]:
    out = {
        "handle": p.handle,
        "name": p.name,
        "email": p.email,
        "phone": p.phone,
        "matrix_id": p.matrix_id,
        "slack_id": p.slack_id,
        "timezone": p.timezone,
        "waking_start": p.waking_start.strftime("%H:%M"),
        "waking_end": p.waking_end.strftime("%H:%M"),
    }
    return {k: v for k, v in out.items() if v is not None}


def team_out(t: Team) -> dict[str, Any]:
    out = {
        "name": t.name,
        "members": list(t.members),
        "chat_channel": t.chat_channel,
        "email": t.email,
    }
    return {k: v for k, v in out.items() if v is not None}


def service_out(s: Service) -> dict[str, Any]:
    out = {
        "name": s.name,
        "team": s.team,
        "smes": list(s.smes),
        "escalation_policy": s.escalation_policy,
        "schedule": s.schedule,
        "status_component": s.status_component,
        "runbook_url": s.runbook_url,
        "description": s.description,
    }
    return {k: v for k, v in out.items() if v is not None and v != ""}


def catalog_out(
    people: list[Person],
    teams: list[Team],
    services: list[Service],
    schedules: list[Schedule],
    policies: list[EscalationPolicy],
) -> dict[str, Any]:
    return {
        "people": [person_out(p) for p in people],
        "teams": [team_out(t) for t in teams],
        "services": [service_out(s) for s in services],
        "schedules": [schedule_to_dict(s) for s in schedules],
        "escalation_policies": [policy_to_dict(p) for p in policies],
    }


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


class CatalogFileError(Exception):
    pass


def load_yaml(text: str, *, source: str) -> Any:
    """Parse a catalog file; CatalogFileError names the file and the line."""
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise CatalogFileError(f"{source}{where}: not valid YAML: {exc}") from None

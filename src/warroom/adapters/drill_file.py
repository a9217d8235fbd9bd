"""Drill scenario files (TOML), validated by pydantic; errors name the file and the key."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from warroom.domain.customers import ReportChannel
from warroom.domain.drills import DrillEvent, DrillEventKind, DrillScenario
from warroom.domain.durations import parse_span
from warroom.domain.enums import Stage

Short = Annotated[str, StringConstraints(max_length=100)]
LabelValue = Annotated[str, StringConstraints(max_length=500)]


class ScenarioError(Exception):
    """A scenario file is missing or invalid; the message says where and why."""


# What each kind of event needs besides `at` and `kind`.
_REQUIRED: dict[DrillEventKind, tuple[str, ...]] = {
    DrillEventKind.ALERT: ("text",),
    DrillEventKind.CUSTOMER_REPORT: ("customer",),
    DrillEventKind.SME_UNREACHABLE: ("person",),
    DrillEventKind.NOTE: ("text",),
    DrillEventKind.HINT: ("text",),
}


class EventModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: str = Field(max_length=32, description="Offset from the start: 0m, 90s, 1h30m.")
    kind: DrillEventKind
    text: str = Field("", max_length=2000)
    person: str | None = Field(None, min_length=1, max_length=200)
    customer: str | None = Field(None, min_length=1, max_length=200)
    contact: str = Field("", max_length=500)
    reported_via: ReportChannel = ReportChannel.SUPPORT_TICKET
    stage: Stage | None = None
    service: str | None = Field(None, min_length=1, max_length=100)
    labels: dict[Short, LabelValue] = Field(default_factory=dict, max_length=50)

    @field_validator("at")
    @classmethod
    def _offset(cls, value: str) -> str:
        span = parse_span(value)
        if span.is_working_days:
            raise ValueError("an offset is wall-clock time (e.g. 5m), not working days")
        if span.seconds > 7 * 86400:
            raise ValueError("a drill event must come within 7 days of the start")
        return value

    @model_validator(mode="after")
    def _needs(self) -> EventModel:
        for name in _REQUIRED[self.kind]:
            if not getattr(self, name):
                raise ValueError(f"{name} is required for a {self.kind} event")
        return self


class IncidentModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    severity: str = Field(min_length=1, max_length=32)
    functionality: str | None = Field(None, max_length=200)
    state: str | None = Field(None, max_length=200)
    audience: str | None = Field(None, max_length=200)
    services: list[Short] = Field(default_factory=list, max_length=20)
    customers_affected: int = Field(0, ge=0, le=10_000_000)


class ScenarioModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    incident: IncidentModel
    events: list[EventModel] = Field(default_factory=list, max_length=200)

    def to_domain(self) -> DrillScenario:
        i = self.incident
        return DrillScenario(
            name=self.name,
            description=self.description,
            title=i.title,
            severity=i.severity,
            functionality=i.functionality,
            state=i.state,
            audience=i.audience,
            services=tuple(i.services),
            customers_affected=i.customers_affected,
            events=tuple(
                sorted(
                    (
                        DrillEvent(
                            at=parse_span(e.at).as_timedelta(),
                            kind=e.kind,
                            text=e.text,
                            person=e.person,
                            customer=e.customer,
                            contact=e.contact,
                            reported_via=e.reported_via,
                            stage=e.stage,
                            service=e.service,
                            labels=e.labels,
                        )
                        for e in self.events
                    ),
                    key=lambda e: e.at,
                )
            ),
        )


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def problems(exc: ValidationError, source: str) -> list[str]:
    """`file: events[2].person: …` for every error."""
    return [f"{source}: {_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]


def parse_scenario(data: dict[str, Any], source: str) -> ScenarioModel:
    try:
        return ScenarioModel.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError("\n".join(problems(exc, source))) from None


def bundled_names() -> list[str]:
    folder = resources.files("warroom.drills")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def read_scenario(name_or_path: str) -> tuple[dict[str, Any], str]:
    """The TOML of a scenario file, or of a bundled scenario by name; and its source name."""
    path = Path(name_or_path)
    if path.exists():
        text, source = path.read_text(encoding="utf-8"), str(path)
    elif name_or_path in bundled_names():
        resource = resources.files("warroom.drills") / f"{name_or_path}.toml"
        text, source = resource.read_text(encoding="utf-8"), f"{name_or_path}.toml"
    else:
        names = ", ".join(bundled_names())
        raise ScenarioError(f"{name_or_path}: no such file or bundled scenario ({names})")
    try:
        return tomllib.loads(text), source
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: {exc}") from None


def load_scenario(name_or_path: str) -> ScenarioModel:
    data, source = read_scenario(name_or_path)
    return parse_scenario(data, source)

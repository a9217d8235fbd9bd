"""Checklists as policy data: per stage, per owner role, with deadlines and completion rules.

An item belongs to a stage: it becomes *active* once the incident has reached that stage
(or a later one) and stays on the list after that. An item may be ticked automatically
by a domain event, named by class ("RoleAssigned") with simple attribute filters
(`role = "commander"`); the event only completes items that are already active, so the
"Update the Observers" of the ending steps is not ticked by an observers update posted
while investigating.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property

from warroom.domain import stages
from warroom.domain.customers import ContactMethod, ContactOutcome, Verification
from warroom.domain.durations import Span
from warroom.domain.enums import (
    Audience,
    EntryKind,
    ExperimentStatus,
    FollowUpKind,
    FollowUpStatus,
    RoleName,
    Stage,
)
from warroom.domain.errors import NotFound
from warroom.domain.event_catalog import event_fields, event_type, event_types
from warroom.domain.events import Event
from warroom.domain.notify_policy import Step

FilterValue = str | int | bool


class Anchor(StrEnum):
    """What an item's deadline counts from."""

    DECLARATION = "declaration"
    STAGE = "stage"


class ChecklistStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class AutoRule:
    """Complete an item when an event of this class with these attribute values happens."""

    event: str
    where: tuple[tuple[str, tuple[FilterValue, ...]], ...] = ()

    def matches(self, event: Event) -> bool:
        if type(event).__name__ != self.event:
            return False
        return all(getattr(event, name, None) in values for name, values in self.where)

    def describe(self) -> str:
        """'RoleAssigned role=commander' — for people reading a checklist."""
        parts = [self.event]
        for name, values in self.where:
            parts.append(f"{name}={'|'.join(str(v) for v in values)}")
        return " ".join(parts)


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    title: str
    stage: Stage
    details: str = ""
    owner: RoleName | None = None
    within: Span | None = None
    anchor: Anchor = Anchor.STAGE
    severities: frozenset[str] | None = None
    done_when: AutoRule | None = None
    sources: tuple[str, ...] = ()

    def applies_to(self, severity: str) -> bool:
        return self.severities is None or severity in self.severities

    def active_in(self, stage: Stage) -> bool:
        """True once the incident has reached this item's stage (or gone past it)."""
        return stages.ORDER.index(stage) >= stages.ORDER.index(self.stage)

    @property
    def effective_owner(self) -> RoleName:
        """Items without an owner fall to the commander, who coordinates everything."""
        return self.owner or RoleName.COMMANDER

    def due_at(self, *, declared_at: datetime, reached_at: datetime | None) -> datetime | None:
        """The deadline, from the declaration or from when the item's stage was reached."""
        if self.within is None:
            return None
        start = declared_at if self.anchor is Anchor.DECLARATION else reached_at
        return None if start is None else start + timedelta(seconds=self.within.seconds)


@dataclass(frozen=True)
class Checklist:
    """Every item of a policy, in stage order then in the order the policy lists them."""

    items: tuple[ChecklistItem, ...] = ()

    def item(self, item_id: str) -> ChecklistItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise NotFound("checklist item", item_id)

    @cached_property
    def by_event(self) -> Mapping[str, tuple[ChecklistItem, ...]]:
        """Items with an automatic rule, by the event class name they wait for."""
        out: dict[str, list[ChecklistItem]] = {}
        for item in self.items:
            if item.done_when is not None:
                out.setdefault(item.done_when.event, []).append(item)
        return {name: tuple(found) for name, found in out.items()}

    def for_severity(self, severity: str) -> list[ChecklistItem]:
        return [i for i in self.items if i.applies_to(severity)]


@dataclass(frozen=True)
class RoleProfile:
    """A role as the organisation names it, with its standing responsibilities."""

    label: str
    description: str = ""
    responsibilities: tuple[str, ...] = ()


# Closed vocabularies of event attributes, so that a filter value with a typo is refused
# when the policy is loaded instead of silently never matching.
_VOCABULARY_BY_NAME: dict[str, type[StrEnum]] = {
    "role": RoleName,
    "audience": Audience,
    "to_stage": Stage,
    "from_stage": Stage,
}
_VOCABULARY_BY_EVENT: dict[tuple[str, str], type[StrEnum]] = {
    ("FollowUpAdded", "kind"): FollowUpKind,
    ("FollowUpClosed", "status"): FollowUpStatus,
    ("ExperimentConcluded", "status"): ExperimentStatus,
    ("TimelineEntryAdded", "kind"): EntryKind,
    ("CustomerContacted", "method"): ContactMethod,
    ("CustomerContacted", "outcome"): ContactOutcome,
    ("CustomerVerificationChanged", "status"): Verification,
    ("DeclarationStepDone", "step"): Step,
}
_SEVERITY_FIELDS = frozenset({"severity", "to_severity", "from_severity"})
_SCALARS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "str | None": (str,),
    "int": (int,),
    "int | None": (int,),
    "bool": (bool,),
}


def check_rule(
    event: str, where: Mapping[str, FilterValue | list[FilterValue]], severities: list[str]
) -> tuple[AutoRule | None, list[str]]:
    """Validate a binding against the events that exist; returns the rule or the problems."""
    if event not in event_types():
        return None, [f"unknown event {event!r}; known events: " + ", ".join(sorted(event_types()))]
    cls = event_type(event)
    if cls is None:
        return None, [f"event name {event!r} is defined more than once; it cannot be bound"]
    fields = event_fields(cls)
    if "ref" not in fields:
        return None, [f"event {event!r} carries no incident ref; it cannot complete an item"]
    problems: list[str] = []
    clauses: list[tuple[str, tuple[FilterValue, ...]]] = []
    for name, raw in where.items():
        if name not in fields or name == "ref":
            known = ", ".join(f for f in fields if f != "ref")
            problems.append(f"{event} has no attribute {name!r} to filter on; it has {known}")
            continue
        kinds = _SCALARS.get(fields[name])
        if kinds is None:
            problems.append(f"{event}.{name} is a {fields[name]}; only text, numbers and flags")
            continue
        values = tuple(raw) if isinstance(raw, list) else (raw,)
        if not values:
            problems.append(f"{event}.{name}: give at least one value")
        for value in values:
            # bool is an int in Python: keep the two apart.
            if not isinstance(value, kinds) or isinstance(value, bool) != (bool in kinds):
                problems.append(f"{event}.{name}: {value!r} is not a {fields[name]}")
                continue
            problems.extend(_vocabulary_problems(event, name, value, severities))
        clauses.append((name, values))
    if problems:
        return None, problems
    return AutoRule(event=event, where=tuple(clauses)), []


def _vocabulary_problems(
    event: str, name: str, value: FilterValue, severities: list[str]
) -> list[str]:
    vocabulary = _VOCABULARY_BY_EVENT.get((event, name)) or _VOCABULARY_BY_NAME.get(name)
    if vocabulary is not None and value not in {v.value for v in vocabulary}:
        allowed = ", ".join(v.value for v in vocabulary)
        return [f"{event}.{name}: {value!r} is not one of {allowed}"]
    if name in _SEVERITY_FIELDS and value not in severities:
        return [f"{event}.{name}: unknown severity {value!r}; known: {', '.join(severities)}"]
    return []

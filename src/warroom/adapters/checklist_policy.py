"""The `[[checklist.<stage>]]` and `[roles.<role>]` parts of a policy file.

```toml
[[checklist.investigating]]
id = "incident-channel"
title = "Create a dedicated incident channel."
owner = "commander"                      # optional; without one the commander owns it
within = "15m"                           # optional deadline…
from = "declaration"                     # …counted from the declaration, or "stage" (default)
severities = ["sev1", "sev2"]            # optional; all severities otherwise
done_when = { event = "RoleAssigned", role = "commander" }   # optional automatic completion
sources = ["002 Declaration 3"]

[roles.commander]
label = "Incident Manager (IM)"
responsibilities = ["Owns the incident from start to finish"]
```

`done_when` names a domain event class and filters on its attributes; the loader refuses
an event that does not exist, an attribute it does not have, and a value outside the
attribute's vocabulary, so a typo fails at load time instead of never matching.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from warroom.domain.checklists import (
    Anchor,
    Checklist,
    ChecklistItem,
    FilterValue,
    RoleProfile,
    check_rule,
)
from warroom.domain.durations import Span, parse_span
from warroom.domain.enums import RoleName, Stage
from warroom.domain.stages import ORDER


def _span(value: object) -> Span:
    if isinstance(value, Span):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a duration string such as '15m' or '2h'")
    return parse_span(value)


Duration = Annotated[Span, BeforeValidator(_span)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class ChecklistItemModel(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)
    title: str = Field(min_length=1, max_length=300)
    details: str = Field("", max_length=4000)
    owner: RoleName | None = None
    within: Duration | None = None
    from_: Anchor = Field(Anchor.STAGE, alias="from")
    severities: list[str] | None = None
    done_when: dict[str, FilterValue | list[FilterValue]] | None = None
    sources: list[str] = []


class RoleProfileModel(_Model):
    label: str = Field(min_length=1, max_length=200)
    description: str = ""
    responsibilities: list[str] = []


def checklist_problems(
    checklist: dict[Stage, list[ChecklistItemModel]],
    roles: dict[RoleName, RoleProfileModel],
    severities: list[str],
) -> list[str]:
    """Rules that span keys: unique ids, severities, deadlines, event bindings."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for stage, items in checklist.items():
        for i, item in enumerate(items):
            key = f"checklist.{stage}[{i}]"
            if item.id in seen:
                problems.append(f"{key}.id: {item.id!r} is already used by {seen[item.id]}")
            seen.setdefault(item.id, key)
            for name in item.severities or []:
                if name not in severities:
                    problems.append(
                        f"{key}.severities: unknown severity {name!r}; known: "
                        + ", ".join(severities)
                    )
            if item.within is not None and item.within.is_working_days:
                problems.append(f"{key}.within: checklist deadlines are wall-clock (m, h, d)")
            elif item.within is not None and item.within.seconds <= 0:
                problems.append(f"{key}.within: must be longer than zero")
            if item.done_when is not None:
                problems.extend(_binding_problems(key, item.done_when, severities))
    for role, profile in roles.items():
        if len(set(profile.responsibilities)) != len(profile.responsibilities):
            problems.append(f"roles.{role}.responsibilities: listed twice")
    return problems


def _binding_problems(
    key: str, done_when: dict[str, FilterValue | list[FilterValue]], severities: list[str]
) -> list[str]:
    event = done_when.get("event")
    if not isinstance(event, str):
        return [f'{key}.done_when: name the event, e.g. {{ event = "RoleAssigned" }}']
    where = {k: v for k, v in done_when.items() if k != "event"}
    _, problems = check_rule(event, where, severities)
    return [f"{key}.done_when: {p}" for p in problems]


def checklist_to_domain(
    checklist: dict[Stage, list[ChecklistItemModel]], severities: list[str]
) -> Checklist:
    """Items in stage order (then as listed), validated by checklist_problems first."""
    items: list[ChecklistItem] = []
    for stage in ORDER:
        for m in checklist.get(stage, []):
            rule = None
            if m.done_when is not None:
                event = str(m.done_when["event"])
                where = {k: v for k, v in m.done_when.items() if k != "event"}
                rule, _ = check_rule(event, where, severities)
            items.append(
                ChecklistItem(
                    id=m.id,
                    title=m.title,
                    stage=stage,
                    details=m.details,
                    owner=m.owner,
                    within=m.within,
                    anchor=m.from_,
                    severities=frozenset(m.severities) if m.severities is not None else None,
                    done_when=rule,
                    sources=tuple(m.sources),
                )
            )
    return Checklist(items=tuple(items))


def roles_to_domain(roles: dict[RoleName, RoleProfileModel]) -> dict[RoleName, RoleProfile]:
    return {
        role: RoleProfile(
            label=p.label,
            description=p.description,
            responsibilities=tuple(p.responsibilities),
        )
        for role, p in roles.items()
    }

"""Checklists and roles in policy files: the presets' lists, merging, and refused bindings."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import pytest

from warroom.adapters.policy_file import PolicyError, load_policy, parse_policy
from warroom.domain.checklists import ChecklistItem
from warroom.domain.enums import RoleName
from warroom.domain.event_catalog import event_fields, event_type
from warroom.domain.events import Event

PRESETS = [
    "standard",
    "urgent-incident",
    "p1-runbook",
    "incident-response",
    "severity-levels",
    "incident-management",
]
DOCUMENT_PRESETS_WITH_LISTS = [
    "urgent-incident",
    "p1-runbook",
    "incident-response",
    "severity-levels",
]
PENDING = re.compile(r"^# pending: done_when = (\{.*\})\s*$", re.MULTILINE)


def _text(name: str) -> str:
    return (resources.files("warroom.policies") / f"{name}.toml").read_text(encoding="utf-8")


def _data(name: str = "standard") -> dict[str, Any]:
    return tomllib.loads(_text(name))


def _sources(name: str) -> list[str]:
    return [s for item in load_policy(name).checklist.items for s in item.sources]


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_list_loads_and_validates(name: str) -> None:
    policy = load_policy(name)
    items = policy.checklist.items
    assert len({i.id for i in items}) == len(items)
    severities = {s.name for s in policy.severities}
    for item in items:
        assert item.title and item.sources, item.id
        assert item.severities is None or item.severities <= severities
        if item.done_when is not None:
            cls = event_type(item.done_when.event)
            assert cls is not None and "ref" in event_fields(cls)
    assert policy.roles, "every preset describes its roles"


def test_the_documents_lists_are_carried_whole() -> None:
    def numbered(name: str, prefix: str) -> list[str]:
        return sorted((s for s in _sources(name) if s.startswith(prefix)), key=_step_number)

    assert numbered("incident-response", "002 Declaration ") == [
        f"002 Declaration {n}" for n in range(1, 8)
    ]
    assert numbered("p1-runbook", "001 Base Process ") == [
        f"001 Base Process {n}" for n in range(1, 14)
    ]
    for prefix, count in (
        ("003 Incident Manager ", 9),
        ("003 Public Relations Manager ", 5),
        ("003 Ending an Incident ", 9),
        ("003 Post-Post-Mortem ", 2),
    ):
        assert numbered("severity-levels", prefix) == [f"{prefix}{n}" for n in range(1, count + 1)]
    matrix = load_policy("incident-management").roles
    assert matrix[RoleName.COMMANDER].responsibilities[0] == (
        "Owns the incident from start to finish, including directing people and making final "
        "decisions"
    )
    assert [len(matrix[r].responsibilities) for r in matrix] == [4, 3, 3]


def _step_number(source: str) -> int:
    return int(source.rsplit(" ", 1)[1])


def test_standard_merges_every_documents_list_without_duplicates() -> None:
    standard = _sources("standard")
    assert len(standard) == len(set(standard)), "a document step is merged into two items"
    for name in DOCUMENT_PRESETS_WITH_LISTS:
        missing = set(_sources(name)) - set(standard)
        assert not missing, f"{name} steps missing from standard: {sorted(missing)}"
    titles = [i.title.lower() for i in load_policy("standard").checklist.items]
    assert len(titles) == len(set(titles))


def test_standard_carries_the_roles_matrix_of_document_004() -> None:
    standard = load_policy("standard").roles
    for role, profile in load_policy("incident-management").roles.items():
        assert set(profile.responsibilities) <= set(standard[role].responsibilities), role


def test_standard_merged_items_keep_every_automatic_rule_of_their_sources() -> None:
    merged = {s: i for i in load_policy("standard").checklist.items for s in i.sources}
    for name in DOCUMENT_PRESETS_WITH_LISTS:
        for item in load_policy(name).checklist.items:
            if item.done_when is not None and len(item.sources) == 1:
                target = merged[item.sources[0]]
                assert target.done_when is not None, (name, item.id)


# -- bindings that wait for events that do not exist yet ----------------------------------------


def _pending() -> list[tuple[str, str]]:
    return [(name, m.group(1)) for name in PRESETS for m in PENDING.finditer(_text(name))]


def _with_binding(binding: str) -> dict[str, Any]:
    data = _data()
    item = data["checklist"]["investigating"][0]
    item["done_when"] = tomllib.loads(f"x = {binding}")["x"]
    return data


def test_no_shipped_binding_is_left_pending() -> None:
    """Every event the presets' steps wait for exists, so every binding is switched on."""
    assert _pending() == []


def test_a_binding_to_an_event_that_does_not_exist_is_refused() -> None:
    with pytest.raises(PolicyError, match="unknown event 'TicketFiledInJira'"):
        parse_policy(_with_binding('{ event = "TicketFiledInJira" }'), source="t")


@dataclass(frozen=True)
class WidgetRebooted(Event):
    """An event defined outside warroom.domain.events, as a later feature would add one."""

    ref: str
    widget: str
    occurred_at: datetime


def test_an_event_added_later_can_be_bound_without_code_changes() -> None:
    data = _with_binding('{ event = "WidgetRebooted", widget = "edge" }')
    item: ChecklistItem = parse_policy(data, source="t").checklist.items[0]
    assert item.done_when is not None
    assert item.done_when.matches(WidgetRebooted("INC-1", "edge", datetime.now()))
    assert not item.done_when.matches(WidgetRebooted("INC-1", "core", datetime.now()))


@pytest.mark.parametrize(
    ("binding", "expected"),
    [
        ('{ event = "RoleAsigned", role = "commander" }', "unknown event 'RoleAsigned'"),
        ('{ event = "RoleAssigned", rol = "commander" }', "RoleAssigned has no attribute 'rol'"),
        ('{ event = "RoleAssigned", role = "comander" }', "'comander' is not one of commander"),
        ('{ event = "UpdatePosted", audience = "everyone" }', "'everyone' is not one of"),
        ('{ event = "StageChanged", to_stage = "done" }', "'done' is not one of investigating"),
        ('{ event = "WhyAdded", position = "5" }', "WhyAdded.position: '5' is not a int"),
        ('{ event = "SeverityChanged", to_severity = "sev9" }', "unknown severity 'sev9'"),
        ('{ event = "StageChanged", occurred_at = "x" }', "only text, numbers and flags"),
        ('{ event = "StageChanged", ref = "INC-1" }', "no attribute 'ref' to filter on"),
        ('{ role = "commander" }', "name the event"),
        ('{ event = "FollowUpAdded", kind = "fix" }', "'fix' is not one of durable-fix"),
    ],
)
def test_a_typo_in_a_binding_is_refused_at_load(binding: str, expected: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(_with_binding(binding), source="p.toml")
    assert "p.toml: checklist.investigating[0].done_when: " in str(err.value)
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"within": "2wd"}, "checklist deadlines are wall-clock"),
        ({"within": "soon"}, "checklist.investigating[0].within"),
        ({"severities": ["sev9"]}, "checklist.investigating[0].severities: unknown severity"),
        ({"owner": "pilot"}, "checklist.investigating[0].owner"),
        ({"from": "detection"}, "checklist.investigating[0].from"),
        ({"id": "Bad Id"}, "checklist.investigating[0].id"),
        ({"colour": "red"}, "checklist.investigating[0].colour"),
    ],
)
def test_item_fields_are_validated(change: dict[str, Any], expected: str) -> None:
    data = _data()
    data["checklist"]["investigating"][0].update(change)
    with pytest.raises(PolicyError, match=re.escape(expected)):
        parse_policy(data, source="p.toml")


def test_item_ids_are_unique_across_stages() -> None:
    data = _data()
    data["checklist"]["resolved"][0]["id"] = data["checklist"]["investigating"][0]["id"]
    with pytest.raises(
        PolicyError, match=r"checklist.resolved\[0\].id: 'check-declared' is already"
    ):
        parse_policy(data, source="p.toml")


def test_a_role_profile_for_an_unknown_role_is_refused() -> None:
    data = _data()
    data["roles"]["pilot"] = {"label": "Pilot"}
    with pytest.raises(PolicyError, match=r"roles\.pilot"):
        parse_policy(data, source="p.toml")

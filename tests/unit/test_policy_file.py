"""Policy files: errors name the file, the key and what is wrong."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from warroom.adapters.policy_file import PolicyError, load_policy, parse_policy
from warroom.domain.enums import Audience

STANDARD = tomllib.loads(
    (resources.files("warroom.policies") / "standard.toml").read_text(encoding="utf-8")
)


def _broken(**changes: object) -> dict:
    data = tomllib.loads((resources.files("warroom.policies") / "standard.toml").read_text())
    for dotted, value in changes.items():
        target: Any = data
        *path, last = dotted.split("__")
        for part in path:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"severities__1__cadence": {"internal": "3x"}}, "severities[1].cadence.internal"),
        ({"severities__0__paging": "sometimes"}, "severities[0].paging"),
        ({"severities__0__required_roles": ["pilot"]}, "severities[0].required_roles[0]"),
        ({"default_severity": "sev9"}, "default_severity: unknown severity 'sev9'"),
        (
            {"gates__0__require": ["durable_fixes"]},
            "gates[0].require: unknown gate 'durable_fixes'",
        ),
        ({"gates__0__to": "finished"}, "gates[0].to"),
        ({"severities__1__escalate_to": "sev0"}, "severities[1].escalate_to"),
        ({"channel_pattern": "inc-{date}"}, "channel_pattern"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"classification__0__severity": "sev7"}, "classification[0].severity"),
        ({"role_rules__0__roles": ["commander"]}, "role_rules[0].roles"),
    ],
)
def test_errors_name_file_and_key(changes: dict, expected: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(_broken(**changes), source="mine.toml")
    assert f"mine.toml: {expected}" in str(err.value)


def test_bad_toml_and_missing_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("name = ")
    with pytest.raises(PolicyError, match=r"bad\.toml: not valid TOML"):
        load_policy(str(bad))
    with pytest.raises(PolicyError, match="no such policy file or preset; presets: "):
        load_policy(str(tmp_path / "nope.toml"))


def test_a_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(
        'name = "tiny"\ndefault_severity = "high"\n'
        '[[severities]]\nname = "high"\nlabel = "High"\ncadence = { internal = "1h30m" }\n'
    )
    policy = load_policy(str(path))
    assert policy.severity("high").cadence[Audience.INTERNAL].seconds == 5400

"""The standard policy with extra keys (alert rules, role rotations) for tests."""

from __future__ import annotations

import tomllib
from importlib import resources

from warroom.adapters.policy_file import parse_policy
from warroom.domain.policy import Policy


def policy_with(extra: str) -> Policy:
    base = (resources.files("warroom.policies") / "standard.toml").read_text()
    return parse_policy({**tomllib.loads(base), **tomllib.loads(extra)}, source="test.toml")

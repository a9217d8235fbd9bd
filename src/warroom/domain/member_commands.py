"""Commands about who may see a restricted incident without holding a role on it."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.domain.commands import Command


@dataclass(frozen=True)
class AddMember(Command):
    """Let a person see (and follow) the incident; needed for restricted incidents."""

    ref: str
    person: str
    by: str


@dataclass(frozen=True)
class RemoveMember(Command):
    ref: str
    person: str
    by: str

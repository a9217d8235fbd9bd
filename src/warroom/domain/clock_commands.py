"""Commands of the clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.commands import Command
from warroom.domain.enums import RoleName


@dataclass(frozen=True)
class RecordRetrospective(Command):
    """The retrospective was held (or scheduled and held): stops its deadline."""

    ref: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ReleaseEveryone(Command):
    """Release everyone from the incident except the holders of `keep` (document 003:
    release people as soon as they are no longer needed; let them get back to sleep)."""

    ref: str
    by: str
    keep: tuple[RoleName, ...] = (RoleName.COMMANDER,)
    occurred_at: datetime | None = None

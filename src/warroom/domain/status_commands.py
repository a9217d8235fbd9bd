"""Commands of the public status page: its components, maintenance and subscribers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from warroom.domain.commands import Command


@dataclass(frozen=True)
class AddStatusComponent(Command):
    name: str
    by: str
    group: str | None = None
    description: str = ""
    position: int | None = None
    status: str = "operational"


@dataclass(frozen=True)
class EditStatusComponent(Command):
    component_id: int
    by: str
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoveStatusComponent(Command):
    component_id: int
    by: str


@dataclass(frozen=True)
class ScheduleMaintenance(Command):
    name: str
    scheduled_for: datetime
    scheduled_until: datetime
    by: str
    body: str = ""
    components: tuple[str, ...] = ()


@dataclass(frozen=True)
class EditMaintenance(Command):
    maintenance_id: int
    by: str
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CancelMaintenance(Command):
    maintenance_id: int
    by: str


@dataclass(frozen=True)
class RequestSubscription(Command):
    """Send the double opt-in mail; `confirm_url` carries the signed confirmation token."""

    email: str
    components: tuple[str, ...]
    confirm_url: str


@dataclass(frozen=True)
class ConfirmSubscription(Command):
    email: str
    components: tuple[str, ...]


@dataclass(frozen=True)
class Unsubscribe(Command):
    token: str

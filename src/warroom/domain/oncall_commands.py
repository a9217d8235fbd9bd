"""Commands of the catalog, alert intake and on-call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from warroom.domain.alerts import AlertEvent
from warroom.domain.commands import Command
from warroom.domain.directory import Person, Service, Team
from warroom.domain.escalation import EscalationPolicy
from warroom.domain.integrations import IntegrationKind
from warroom.domain.oncall import Schedule


@dataclass(frozen=True)
class ImportCatalog(Command):
    """Create or update catalog entries (idempotent); nothing absent is removed."""

    by: str
    people: tuple[Person, ...] = ()
    teams: tuple[Team, ...] = ()
    services: tuple[Service, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    escalation_policies: tuple[EscalationPolicy, ...] = ()


@dataclass(frozen=True)
class RemoveCatalogEntry(Command):
    kind: str  # people | teams | services | schedules | escalation_policies
    name: str
    by: str


@dataclass(frozen=True)
class AddOverride(Command):
    schedule: str
    person: str
    starts_at: datetime
    ends_at: datetime
    by: str
    reason: str = ""


@dataclass(frozen=True)
class RemoveOverride(Command):
    schedule: str
    override_id: int
    by: str


@dataclass(frozen=True)
class CreateIntegration(Command):
    name: str
    kind: IntegrationKind
    by: str
    service: str | None = None
    mapping: Mapping[str, object] = field(default_factory=dict)
    rate_limit_per_minute: int = 600


@dataclass(frozen=True)
class UpdateIntegration(Command):
    name: str
    by: str
    changes: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RotateIntegrationKey(Command):
    name: str
    by: str


@dataclass(frozen=True)
class DeleteIntegration(Command):
    name: str
    by: str


@dataclass(frozen=True)
class IngestAlerts(Command):
    """Alert events from one request of one integration."""

    integration_id: int
    integration: str
    service: str | None
    events: tuple[AlertEvent, ...]
    # A drill's scripted alert: it joins that drill incident and pages nobody; the data
    # is added to its timeline entry (which scripted event it was).
    drill_ref: str | None = None
    drill_data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AcknowledgeAlert(Command):
    alert_id: int
    by: str


@dataclass(frozen=True)
class ResolveAlert(Command):
    alert_id: int
    by: str


@dataclass(frozen=True)
class AcknowledgePage(Command):
    page_id: int
    by: str


@dataclass(frozen=True)
class AcknowledgePagesOf(Command):
    """Acknowledge the open pages sent to `person` (of one incident, if given): chat `!inc ack`."""

    person: str
    incident_ref: str | None = None

"""The incident process as data: severities, rules, gates, questions and templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from warroom.domain.alerts import AlertRule, FlapDamping
from warroom.domain.calendar import BusinessCalendar
from warroom.domain.checklists import Checklist, RoleProfile
from warroom.domain.durations import Span
from warroom.domain.enums import Audience, PagingMode, QuietHours, RoleName, Stage
from warroom.domain.errors import InvalidInput
from warroom.domain.notify_policy import DeclarationPolicy, NotificationPolicy


class RoleRuleKind(StrEnum):
    # No person may hold two of the listed roles at once (document 003: the incident
    # manager is not a worker; the public-relations manager is neither).
    EXCLUSIVE = "exclusive"


class ClassificationAction(StrEnum):
    SUGGEST = "suggest"
    RAISE = "raise"


@dataclass(frozen=True)
class SeverityLevel:
    name: str
    label: str
    description: str = ""
    paging: PagingMode = PagingMode.ALWAYS
    quiet_hours: QuietHours = QuietHours.HOLD
    cadence: Mapping[Audience, Span] = field(default_factory=dict)
    cadence_grace: Span | None = None
    identify_within: Span | None = None
    escalate_after: Span | None = None
    escalate_to: str | None = None
    untested_fix_drops_to: str | None = None
    retrospective_within: Span | None = None
    worker_fatigue_after: Span | None = None
    required_roles: tuple[RoleName, ...] = ()
    statuspage_impact: str = "minor"


@dataclass(frozen=True)
class RoleRule:
    name: str
    kind: RoleRuleKind
    roles: tuple[RoleName, ...]
    severities: frozenset[str] | None = None
    description: str = ""

    def applies_to(self, severity: str) -> bool:
        return self.severities is None or severity in self.severities


@dataclass(frozen=True)
class ClassificationRule:
    """When the facts of a declaration match, the policy suggests (or raises to) a severity."""

    name: str
    severity: str
    description: str = ""
    customers_at_least: int | None = None
    services_at_least: int | None = None
    whole_service: bool | None = None
    action: ClassificationAction = ClassificationAction.SUGGEST

    def matches(self, *, customers: int, services: int, whole_service: bool) -> bool:
        """True when any of the rule's conditions holds (conditions are alternatives)."""
        checks = []
        if self.customers_at_least is not None:
            checks.append(customers >= self.customers_at_least)
        if self.services_at_least is not None:
            checks.append(services >= self.services_at_least)
        if self.whole_service is not None:
            checks.append(whole_service == self.whole_service)
        return any(checks)


@dataclass(frozen=True)
class Gate:
    """Checks that must pass before an incident may enter `to`."""

    to: Stage
    require: tuple[str, ...]
    severities: frozenset[str] | None = None
    description: str = ""

    def applies_to(self, severity: str) -> bool:
        return self.severities is None or severity in self.severities


@dataclass(frozen=True)
class Question:
    category: str
    text: str


@dataclass(frozen=True)
class Limits:
    """Size limits on free text, enforced on every write."""

    title: int = 200
    text: int = 10_000
    name: int = 100
    future_skew_seconds: int = 300


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    severities: tuple[SeverityLevel, ...]
    default_severity: str
    channel_pattern: str = "inc-{dd}-{mm}-{yy}-{functionality}-{state}-{audience}"
    timezone: str = "UTC"
    default_visibility: str = "internal"
    # Incidents touching any of these services are restricted (security incidents).
    restricted_services: tuple[str, ...] = ()
    duplicate_title_similarity: float = 0.85
    role_rules: tuple[RoleRule, ...] = ()
    classification: tuple[ClassificationRule, ...] = ()
    gates: tuple[Gate, ...] = ()
    questions: Mapping[Stage, tuple[Question, ...]] = field(default_factory=dict)
    templates: Mapping[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    declaration: DeclarationPolicy = field(default_factory=DeclarationPolicy)
    notifications: NotificationPolicy = field(default_factory=NotificationPolicy)
    checklist: Checklist = field(default_factory=Checklist)
    roles: Mapping[RoleName, RoleProfile] = field(default_factory=dict)
    # Alert intake and on-call (see domain/alerts.py and domain/oncall.py).
    alert_rules: tuple[AlertRule, ...] = ()
    alert_damping: FlapDamping = field(default_factory=FlapDamping)
    # Roles filled on declaration from whoever is on call in the named schedule.
    role_rotations: Mapping[RoleName, str] = field(default_factory=dict)
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)

    def severity(self, name: str) -> SeverityLevel:
        """The named severity, or InvalidInput listing the valid names."""
        for level in self.severities:
            if level.name == name:
                return level
        names = ", ".join(s.name for s in self.severities)
        raise InvalidInput("severity", f"unknown severity {name!r}; this policy has {names}")

    def rank(self, name: str) -> int:
        """0 for the most severe level; higher numbers are milder."""
        return [s.name for s in self.severities].index(self.severity(name).name)

    def more_severe(self, a: str, b: str) -> bool:
        return self.rank(a) < self.rank(b)

    def gates_for(self, target: Stage, severity: str) -> list[Gate]:
        return [g for g in self.gates if g.to == target and g.applies_to(severity)]

    def classify(
        self, *, customers: int, services: int, whole_service: bool
    ) -> ClassificationRule | None:
        """The matching rule with the most severe outcome, if any."""
        hits = [
            r
            for r in self.classification
            if r.matches(customers=customers, services=services, whole_service=whole_service)
        ]
        return min(hits, key=lambda r: self.rank(r.severity), default=None)

    def questions_for(self, stage: Stage) -> tuple[Question, ...]:
        return self.questions.get(stage, ())

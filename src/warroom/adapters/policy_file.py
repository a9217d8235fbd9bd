"""Load and validate a policy TOML file into the domain's Policy.

Every error names the file, the key (as a path like `severities[1].cadence.internal`)
and what is wrong, so a broken policy is fixed in one reading.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from warroom.adapters.checklist_policy import (
    ChecklistItemModel,
    RoleProfileModel,
    checklist_problems,
    checklist_to_domain,
    roles_to_domain,
)
from warroom.adapters.policy_notify import (
    DeclarationModel,
    NotificationsModel,
    check_notify,
    declaration_to_domain,
    notifications_to_domain,
)
from warroom.domain.alerts import AlertRule, FlapDamping, RuleAction
from warroom.domain.calendar import WEEKDAYS, BusinessCalendar
from warroom.domain.durations import Span, parse_span
from warroom.domain.enums import Audience, PagingMode, QuietHours, RoleName, Stage, Visibility
from warroom.domain.gates import GATE_CHECKS
from warroom.domain.naming import PATTERN_FIELDS
from warroom.domain.policy import (
    ClassificationAction,
    ClassificationRule,
    Gate,
    Limits,
    Policy,
    Question,
    RoleRule,
    RoleRuleKind,
    SeverityLevel,
)


class PolicyError(Exception):
    """A policy file is missing or invalid; the message says where and why."""


def _span(value: object) -> Span:
    if isinstance(value, Span):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a duration string such as '15m', '2h' or '1wd'")
    return parse_span(value)


Duration = Annotated[Span, BeforeValidator(_span)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class LimitsModel(_Model):
    title: int = Field(200, ge=10, le=2000)
    text: int = Field(10_000, ge=100, le=100_000)
    name: int = Field(100, ge=10, le=500)
    future_skew_seconds: int = Field(300, ge=0, le=3600)


class SeverityModel(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=32)
    label: str
    description: str = ""
    paging: PagingMode = PagingMode.ALWAYS
    quiet_hours: QuietHours = QuietHours.HOLD
    cadence: dict[Audience, Duration] = {}
    cadence_grace: Duration | None = None
    identify_within: Duration | None = None
    escalate_after: Duration | None = None
    escalate_to: str | None = None
    untested_fix_drops_to: str | None = None
    retrospective_within: Duration | None = None
    worker_fatigue_after: Duration | None = None
    required_roles: list[RoleName] = []
    statuspage_impact: Literal["none", "minor", "major", "critical"] = "minor"


class CalendarModel(_Model):
    timezone: str | None = None
    weekend: list[Literal[WEEKDAYS]] = Field(  # type: ignore[valid-type]
        ["saturday", "sunday"], max_length=6
    )
    holidays: list[date] = Field([], max_length=1000)
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)


class RoleRuleModel(_Model):
    name: str
    kind: RoleRuleKind = RoleRuleKind.EXCLUSIVE
    roles: list[RoleName] = Field(min_length=2)
    severities: list[str] | None = None
    description: str = ""


class ClassificationModel(_Model):
    name: str
    severity: str
    description: str = ""
    customers_at_least: int | None = Field(None, ge=1)
    services_at_least: int | None = Field(None, ge=1)
    whole_service: bool | None = None
    action: ClassificationAction = ClassificationAction.SUGGEST


class GateModel(_Model):
    to: Stage
    require: list[str] = Field(min_length=1)
    severities: list[str] | None = None
    description: str = ""


class QuestionModel(_Model):
    category: str
    text: str


class AlertRuleModel(_Model):
    name: str = Field(min_length=1, max_length=100)
    action: RuleAction
    services: list[str] | None = None
    match: dict[str, str] = {}
    match_re: dict[str, str] = {}
    severity: str | None = None
    escalation_policy: str | None = None


class PolicyModel(_Model):
    name: str
    description: str = ""
    timezone: str = "UTC"
    default_severity: str
    default_visibility: Visibility = Visibility.INTERNAL
    restricted_services: list[str] = []
    channel_pattern: str = "inc-{dd}-{mm}-{yy}-{functionality}-{state}-{audience}"
    duplicate_title_similarity: float = Field(0.85, gt=0.5, le=1.0)
    limits: LimitsModel = LimitsModel()
    severities: list[SeverityModel] = Field(min_length=1)
    role_rules: list[RoleRuleModel] = []
    classification: list[ClassificationModel] = []
    gates: list[GateModel] = []
    questions: dict[Stage, list[QuestionModel]] = {}
    templates: dict[str, str] = {}
    declaration: DeclarationModel = DeclarationModel()
    notifications: NotificationsModel = NotificationsModel()
    checklist: dict[Stage, list[ChecklistItemModel]] = {}
    roles: dict[RoleName, RoleProfileModel] = {}
    alert_rules: list[AlertRuleModel] = []
    alert_flap_window: Duration = Span(seconds=900)
    alert_flap_threshold: int = Field(3, ge=1, le=100)
    role_rotations: dict[RoleName, str] = {}
    calendar: CalendarModel = CalendarModel()


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _cross_checks(model: PolicyModel) -> list[str]:
    """Rules that span keys: references to severities, gate names, the pattern."""
    problems: list[str] = []
    names = [s.name for s in model.severities]
    known = set(names)
    if len(known) != len(names):
        problems.append("severities: severity names must be unique")

    def ref(key: str, value: str | None) -> None:
        if value is not None and value not in known:
            problems.append(f"{key}: unknown severity {value!r}; known: {', '.join(names)}")

    ref("default_severity", model.default_severity)
    for i, sev in enumerate(model.severities):
        ref(f"severities[{i}].escalate_to", sev.escalate_to)
        ref(f"severities[{i}].untested_fix_drops_to", sev.untested_fix_drops_to)
        if (sev.escalate_after is None) != (sev.escalate_to is None):
            problems.append(
                f"severities[{i}]: escalate_after and escalate_to must be given together"
            )
    for i, rule in enumerate(model.role_rules):
        for sev_name in rule.severities or []:
            ref(f"role_rules[{i}].severities", sev_name)
    for i, cls in enumerate(model.classification):
        ref(f"classification[{i}].severity", cls.severity)
        if (
            cls.customers_at_least is None
            and cls.services_at_least is None
            and cls.whole_service is None
        ):
            problems.append(
                f"classification[{i}]: give at least one condition "
                "(customers_at_least, services_at_least, whole_service)"
            )
    for i, gate in enumerate(model.gates):
        for sev_name in gate.severities or []:
            ref(f"gates[{i}].severities", sev_name)
        for name in gate.require:
            if name not in GATE_CHECKS:
                problems.append(
                    f"gates[{i}].require: unknown gate {name!r}; known: "
                    + ", ".join(sorted(GATE_CHECKS))
                )
    for i, alert_rule in enumerate(model.alert_rules):
        ref(f"alert_rules[{i}].severity", alert_rule.severity)
        if alert_rule.action is RuleAction.INCIDENT and alert_rule.severity is None:
            problems.append(f"alert_rules[{i}].severity: an 'incident' rule needs a severity")
        for label, pattern in alert_rule.match_re.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"alert_rules[{i}].match_re.{label}: bad pattern: {exc}")
    if model.alert_flap_window.is_working_days or not model.alert_flap_window.seconds:
        problems.append("alert_flap_window: give a wall-clock duration such as '15m'")
    for key, zone in (("timezone", model.timezone), ("calendar.timezone", model.calendar.timezone)):
        try:
            ZoneInfo(zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"{key}: unknown time zone {zone!r}")
    problems.extend(_clock_checks(model))
    problems.extend(checklist_problems(model.checklist, model.roles, names))
    try:
        fields = dict.fromkeys(PATTERN_FIELDS, "x")
        model.channel_pattern.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        problems.append(
            f"channel_pattern: {exc!s} is not a known field; use "
            + ", ".join("{" + f + "}" for f in sorted(PATTERN_FIELDS))
        )
    problems.extend(check_notify(model.declaration, model.templates, known))
    return problems


# The retrospective follows mitigation within a week at most (document 002: "any gap
# longer than a week is unacceptable"): five working days, or seven days of wall clock.
_MAX_RETRO_WORKING_DAYS = 5
_MAX_RETRO_SECONDS = 7 * 86400


def _clock_checks(model: PolicyModel) -> list[str]:
    """Durations that must be wall-clock and positive; the retrospective within a week."""
    problems: list[str] = []
    for i, sev in enumerate(model.severities):
        spans: dict[str, Span | None] = {
            "cadence_grace": sev.cadence_grace,
            "identify_within": sev.identify_within,
            "escalate_after": sev.escalate_after,
            "worker_fatigue_after": sev.worker_fatigue_after,
            **{f"cadence.{aud}": span for aud, span in sev.cadence.items()},
        }
        for key, span in spans.items():
            if span is None:
                continue
            if span.is_working_days:
                problems.append(
                    f"severities[{i}].{key}: use a wall-clock duration, not working days"
                )
            elif span.seconds <= 0 and key != "cadence_grace":
                problems.append(f"severities[{i}].{key}: must be longer than zero")
        retro = sev.retrospective_within
        if retro is not None:
            too_long = (
                retro.working_days > _MAX_RETRO_WORKING_DAYS
                if retro.is_working_days
                else retro.seconds > _MAX_RETRO_SECONDS
            )
            if too_long:
                problems.append(
                    f"severities[{i}].retrospective_within: {retro} is more than a week after "
                    "mitigation; use at most 5wd or 7d"
                )
            if not retro.is_working_days and retro.seconds <= 0:
                problems.append(f"severities[{i}].retrospective_within: must be longer than zero")
        if sev.escalate_to is not None and sev.escalate_to == sev.name:
            problems.append(f"severities[{i}].escalate_to: a severity cannot escalate to itself")
    cal = model.calendar
    if len(set(cal.weekend)) >= len(WEEKDAYS):
        problems.append("calendar.weekend: leave at least one working day in the week")
    if cal.day_start >= cal.day_end:
        problems.append("calendar.day_start: the working day must start before it ends")
    return problems


def _calendar(m: PolicyModel) -> BusinessCalendar:
    cal = m.calendar
    return BusinessCalendar(
        timezone=cal.timezone or m.timezone,
        weekend=frozenset(WEEKDAYS.index(day) for day in cal.weekend),
        holidays=frozenset(cal.holidays),
        day_start=cal.day_start,
        day_end=cal.day_end,
    )


def _to_domain(m: PolicyModel) -> Policy:
    return Policy(
        name=m.name,
        description=m.description,
        timezone=m.timezone,
        default_severity=m.default_severity,
        default_visibility=m.default_visibility.value,
        restricted_services=tuple(m.restricted_services),
        channel_pattern=m.channel_pattern,
        duplicate_title_similarity=m.duplicate_title_similarity,
        limits=Limits(**m.limits.model_dump()),
        severities=tuple(
            SeverityLevel(
                **{
                    **s.model_dump(exclude={"required_roles", "cadence", "quiet_hours"}),
                    "quiet_hours": s.quiet_hours,
                    "cadence": dict(s.cadence),
                    "required_roles": tuple(s.required_roles),
                    "cadence_grace": s.cadence_grace,
                    "identify_within": s.identify_within,
                    "escalate_after": s.escalate_after,
                    "retrospective_within": s.retrospective_within,
                    "worker_fatigue_after": s.worker_fatigue_after,
                }
            )
            for s in m.severities
        ),
        role_rules=tuple(
            RoleRule(
                name=r.name,
                kind=r.kind,
                roles=tuple(r.roles),
                severities=frozenset(r.severities) if r.severities is not None else None,
                description=r.description,
            )
            for r in m.role_rules
        ),
        classification=tuple(ClassificationRule(**c.model_dump()) for c in m.classification),
        gates=tuple(
            Gate(
                to=g.to,
                require=tuple(g.require),
                severities=frozenset(g.severities) if g.severities is not None else None,
                description=g.description,
            )
            for g in m.gates
        ),
        questions={
            stage: tuple(Question(category=q.category, text=q.text) for q in qs)
            for stage, qs in m.questions.items()
        },
        templates=dict(m.templates),
        declaration=declaration_to_domain(m.declaration),
        notifications=notifications_to_domain(m.notifications),
        checklist=checklist_to_domain(m.checklist, [s.name for s in m.severities]),
        roles=roles_to_domain(m.roles),
        alert_rules=tuple(
            AlertRule(
                name=r.name,
                action=r.action,
                services=frozenset(r.services) if r.services is not None else None,
                match=dict(r.match),
                match_re=dict(r.match_re),
                severity=r.severity,
                escalation_policy=r.escalation_policy,
            )
            for r in m.alert_rules
        ),
        alert_damping=FlapDamping(
            window=m.alert_flap_window.as_timedelta(), threshold=m.alert_flap_threshold
        ),
        role_rotations=dict(m.role_rotations),
        calendar=_calendar(m),
    )


def parse_policy(data: dict[str, Any], *, source: str) -> Policy:
    """Validate parsed TOML data; PolicyError lists every problem found."""
    try:
        model = PolicyModel.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: {_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise PolicyError("\n".join(lines)) from None
    problems = _cross_checks(model)
    if problems:
        raise PolicyError("\n".join(f"{source}: {p}" for p in problems))
    return _to_domain(model)


def preset_names() -> list[str]:
    """Names of the policies bundled with warroom."""
    folder = resources.files("warroom.policies")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_policy(name_or_path: str) -> Policy:
    """Load a bundled preset by name (e.g. 'standard') or a policy file by path."""
    if name_or_path in preset_names():
        resource = resources.files("warroom.policies") / f"{name_or_path}.toml"
        text, source = resource.read_text(encoding="utf-8"), f"{name_or_path}.toml"
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise PolicyError(
                f"{name_or_path}: no such policy file or preset; presets: "
                + ", ".join(preset_names())
            )
        text, source = path.read_text(encoding="utf-8"), str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from None
    return parse_policy(data, source=source)

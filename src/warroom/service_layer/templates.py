"""Rendering the policy's message templates with an incident's fields."""

from __future__ import annotations

from typing import Any

from warroom.adapters.templating import render_source
from warroom.domain.durations import Span
from warroom.domain.enums import Audience, RoleName, Stage
from warroom.domain.errors import InvalidInput
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy

# Used when a policy does not define the template (the presets define only some).
DEFAULTS: dict[str, str] = {
    "pinned_summary": "[{{ incident.ref }}-{{ incident.severity|upper }}] "
    "{{ incident.summary_line }}\n"
    'Impact summary: {{ incident.summary or "being assessed" }}',
    "announcement": "I've declared an incident about {{ incident.summary_line|lower }}. "
    "The dedicated channel for the incident is #{{ incident.channel }}."
    "{% if team %} The team that is currently responding is {{ team }}.{% endif %}",
    "team_notification": "{{ incident.ref }} ({{ incident.severity|upper }}): "
    "{{ incident.summary_line }}. Please join #{{ incident.channel }}.",
    "video_bridge": "I've created a video bridge for this incident, if you're responding to "
    "this incident, please join us in here: {{ link }}",
    "internal_update": "UPDATE: {{ incident.summary_line }} ({{ incident.severity|upper }}, "
    "{{ incident.stage }})\n\n{{ text }}\n\n{{ author }}",
    "customer_update": "{{ text }}",
    "observer_digest": "Digest for {{ incident.ref }}: {{ incident.summary_line }}\n"
    "{% for update in updates %}\n{{ update.occurred_at }} — {{ update.author }}:\n"
    "{{ update.text }}\n{% endfor %}",
}

# How document 002's internal update names where the team is ("The team is {milestone}").
MILESTONES = {
    Stage.INVESTIGATING: "investigating the issue",
    Stage.IDENTIFIED: "working on a fix for the identified issue",
    Stage.RESTORING: "restoring service",
    Stage.MONITORING: "monitoring the fix",
    Stage.MITIGATED: "working on a durable resolution after mitigating the impact",
    Stage.RESOLVED: "done: the issue is resolved",
    Stage.CLOSED: "done: the incident is closed",
}


def human_span(span: Span | None) -> str:
    """'30 minutes', '1 hour', '2 hours 30 minutes'."""
    if span is None or span.working_days:
        return f"{span.working_days} working days" if span else "due course"
    hours, rest = divmod(span.seconds, 3600)
    minutes = rest // 60
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts) or f"{span.seconds} seconds"


def incident_fields(incident: Incident, policy: Policy) -> dict[str, Any]:
    """The incident as templates see it (`incident.ref`, `incident.summary_line` …)."""
    level = next((s for s in policy.severities if s.name == incident.severity), None)
    roles = {str(r): incident.holders(r) for r in RoleName}
    return {
        "ref": incident.ref,
        "number": incident.number,
        "title": incident.title,
        "severity": incident.severity,
        "severity_label": level.label if level else incident.severity,
        "stage": str(incident.stage),
        "summary_line": incident.summary_line,
        "summary": incident.summary,
        "functionality": incident.functionality,
        "state": incident.state,
        "audience": incident.audience,
        "channel": incident.channel,
        "services": list(incident.services),
        "customers_affected": incident.customers_affected,
        "links": dict(incident.links),
        "declared_by": incident.declared_by,
        "declared_at": incident.declared_at.isoformat(),
        "roles": roles,
        "commander": next(iter(roles.get("commander") or []), None),
        "drill": incident.drill,
    }


def template_source(policy: Policy, name: str) -> str:
    source = policy.templates.get(name) or DEFAULTS.get(name)
    if source is None:
        known = ", ".join(sorted({*policy.templates, *DEFAULTS}))
        raise InvalidInput("template", f"no template {name!r}; this policy has {known}")
    return source


def render(
    policy: Policy,
    name: str,
    incident: Incident,
    *,
    audience: Audience | None = None,
    **extra: Any,
) -> str:
    """Render the named template for `incident`; `extra` adds or overrides variables."""
    level = next((s for s in policy.severities if s.name == incident.severity), None)
    cadence = level.cadence.get(audience) if level and audience else None
    context: dict[str, Any] = {
        "incident": incident_fields(incident, policy),
        "milestone": MILESTONES.get(incident.stage, str(incident.stage)),
        "next_update": human_span(cadence),
        "text": "",
        "author": "",
        "team": None,
        "service": None,
        **extra,
    }
    return render_source(template_source(policy, name), name, context)


def template_names(policy: Policy) -> list[str]:
    return sorted({*policy.templates, *DEFAULTS})

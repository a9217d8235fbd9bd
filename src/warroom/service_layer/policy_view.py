"""The policy as plain JSON-able data, for the API and the console."""

from __future__ import annotations

from typing import Any

from warroom.domain.calendar import WEEKDAYS
from warroom.domain.durations import Span
from warroom.domain.policy import Policy
from warroom.service_layer.checklist_view import checklist_public


def _span(span: Span | None) -> str | None:
    return str(span) if span is not None else None


def policy_public(policy: Policy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "description": policy.description,
        "timezone": policy.timezone,
        "default_severity": policy.default_severity,
        "default_visibility": policy.default_visibility,
        "restricted_services": list(policy.restricted_services),
        "channel_pattern": policy.channel_pattern,
        "severities": [
            {
                "name": s.name,
                "label": s.label,
                "description": s.description,
                "paging": str(s.paging),
                "quiet_hours": str(s.quiet_hours),
                "cadence": {str(k): str(v) for k, v in s.cadence.items()},
                "cadence_grace": _span(s.cadence_grace),
                "identify_within": _span(s.identify_within),
                "escalate_after": _span(s.escalate_after),
                "escalate_to": s.escalate_to,
                "untested_fix_drops_to": s.untested_fix_drops_to,
                "retrospective_within": _span(s.retrospective_within),
                "worker_fatigue_after": _span(s.worker_fatigue_after),
                "required_roles": [str(r) for r in s.required_roles],
                "statuspage_impact": s.statuspage_impact,
            }
            for s in policy.severities
        ],
        "role_rules": [
            {
                "name": r.name,
                "kind": str(r.kind),
                "roles": [str(x) for x in r.roles],
                "severities": sorted(r.severities) if r.severities is not None else None,
                "description": r.description,
            }
            for r in policy.role_rules
        ],
        "classification": [
            {
                "name": c.name,
                "severity": c.severity,
                "description": c.description,
                "customers_at_least": c.customers_at_least,
                "services_at_least": c.services_at_least,
                "whole_service": c.whole_service,
                "action": str(c.action),
            }
            for c in policy.classification
        ],
        "gates": [
            {
                "to": str(g.to),
                "require": list(g.require),
                "severities": sorted(g.severities) if g.severities is not None else None,
                "description": g.description,
            }
            for g in policy.gates
        ],
        "questions": {
            str(stage): [{"category": q.category, "text": q.text} for q in qs]
            for stage, qs in policy.questions.items()
        },
        "templates": dict(policy.templates),
        "checklist": checklist_public(policy.checklist),
        "roles": {
            str(role): {
                "label": p.label,
                "description": p.description,
                "responsibilities": list(p.responsibilities),
            }
            for role, p in policy.roles.items()
        },
        "calendar": {
            "timezone": policy.calendar.timezone,
            "weekend": [WEEKDAYS[d] for d in sorted(policy.calendar.weekend)],
            "holidays": [d.isoformat() for d in sorted(policy.calendar.holidays)],
            "day_start": policy.calendar.day_start.strftime("%H:%M"),
            "day_end": policy.calendar.day_end.strftime("%H:%M"),
        },
    }

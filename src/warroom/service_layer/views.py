"""The full picture of one incident, including what the policy says about it right now."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.adapters.orm.incidents import incidents
from warroom.adapters.repository import IncidentRepository, parse_ref
from warroom.domain.errors import NotFound
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy
from warroom.domain.postmortem_draft import KEY_KINDS, draft_postmortem


def load_incident(session: Session, ref: str) -> Incident:
    number = parse_ref(ref)
    incident = session.execute(
        select(Incident).where(incidents.c.id == number)
    ).scalar_one_or_none()
    if incident is None:
        raise NotFound("incident", f"INC-{number}")
    return incident


def process_status(incident: Incident, policy: Policy) -> dict[str, Any]:
    """Allowed next stages, the gates that hold any of them back, missing roles."""
    allowed = incident.allowed_stages()
    blocked = {
        str(stage): [{"gate": name, "reason": why} for name, why in failures]
        for stage in allowed
        if (failures := incident.gate_failures(stage, policy))
    }
    return {
        "allowed_stages": [str(s) for s in allowed],
        "blocked": blocked,
        "missing_roles": incident.missing_roles(policy),
        "role_conflicts": incident.role_conflicts(policy),
    }


def incident_view(incident: Incident, policy: Policy) -> dict[str, Any]:
    """Everything known about the incident except its timeline."""
    inc = incident
    level = policy.severity(inc.severity) if inc.severity in _names(policy) else None
    return {
        "ref": inc.ref,
        "title": inc.title,
        "summary_line": inc.summary_line,
        "functionality": inc.functionality,
        "state": inc.state,
        "audience": inc.audience,
        "summary": inc.summary,
        "severity": inc.severity,
        "severity_label": level.label if level else inc.severity,
        "stage": str(inc.stage),
        "services": list(inc.services),
        "customers_affected": inc.customers_affected,
        "whole_service": inc.whole_service,
        "visibility": str(inc.visibility),
        "drill": inc.drill,
        "channel": inc.channel,
        "links": dict(inc.links),
        "declared_by": inc.declared_by,
        "detected_at": inc.detected_at,
        "declared_at": inc.declared_at,
        "acknowledged_at": inc.acknowledged_at,
        "identified_at": inc.identified_at,
        "mitigated_at": inc.mitigated_at,
        "resolved_at": inc.resolved_at,
        "closed_at": inc.closed_at,
        "stage_entered_at": inc.stage_entered_at,
        "last_updates": {
            "internal": inc.last_update_internal_at,
            "customers": inc.last_update_customers_at,
            "observers": inc.last_update_observers_at,
        },
        "roles": [
            {
                "role": str(a.role),
                "person": a.person,
                "assigned_at": a.assigned_at,
                "assigned_by": a.assigned_by,
                "released_at": a.released_at,
                "active": a.active,
            }
            for a in inc.roles
        ],
        "followups": [
            {
                "number": f.number,
                "title": f.title,
                "kind": str(f.kind),
                "owner": f.owner,
                "due": f.due,
                "ticket_url": f.ticket_url,
                "status": str(f.status),
                "reason": f.reason,
                "created_at": f.created_at,
                "closed_at": f.closed_at,
            }
            for f in inc.followups
        ],
        "experiments": [
            {
                "number": e.number,
                "hypothesis": e.hypothesis,
                "action": e.action,
                "owner": e.owner,
                "time_box_minutes": e.time_box_minutes,
                "status": str(e.status),
                "result": e.result,
                "started_at": e.started_at,
                "ended_at": e.ended_at,
            }
            for e in inc.experiments
        ],
        "whys": [{"position": w.position, "text": w.text, "author": w.author} for w in inc.whys],
        "postmortem": (
            {
                "status": str(inc.postmortem.status),
                "updated_at": inc.postmortem.updated_at,
                "published_at": inc.postmortem.published_at,
            }
            if inc.postmortem
            else None
        ),
        "process": process_status(inc, policy),
    }


def _names(policy: Policy) -> set[str]:
    return {s.name for s in policy.severities}


def postmortem_view(session: Session, ref: str) -> dict[str, Any]:
    """The saved postmortem, or (status "unsaved") a draft made from the record now."""
    incident = load_incident(session, ref)
    pm = incident.postmortem
    if pm is None:
        entries = IncidentRepository(session).entries(incident.number, KEY_KINDS)
        return {
            "ref": incident.ref,
            "status": "unsaved",
            "body": draft_postmortem(incident, entries),
            "updated_at": None,
            "published_at": None,
        }
    return {
        "ref": incident.ref,
        "status": str(pm.status),
        "body": pm.body,
        "updated_at": pm.updated_at,
        "published_at": pm.published_at,
    }

"""The full picture of one incident, including what the policy says about it right now."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from warroom.adapters.orm.incidents import incidents
from warroom.adapters.repository import IncidentRepository, parse_ref
from warroom.domain.errors import NotFound
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy
from warroom.domain.postmortem_draft import DRAFT_KINDS, draft_postmortem
from warroom.service_layer.clock_views import clock_fields, followup_overdue
from warroom.service_layer.testplan_view import durability_view, plan_view

_JOINED_FOR_READS = ("roles", "postmortem")


@cache
def _read_query() -> tuple[list[Any], Any]:
    """The collections loaded apart and the statement of `load_incident`, built once (the
    number is a parameter): building it costs more than running it."""
    others = [r for r in sa_inspect(Incident).relationships if r.key not in _JOINED_FOR_READS]
    options = [joinedload(getattr(Incident, name)) for name in _JOINED_FOR_READS] + [
        lazyload(getattr(Incident, r.key)) for r in others
    ]
    number: Any = bindparam("number")
    present = [
        exists().where(r.mapper.local_table.c.incident_id == number).label(r.key) for r in others
    ]
    query = select(Incident, *present).where(incidents.c.id == number).options(*options)
    return others, query


def load_incident(session: Session, ref: str) -> Incident:
    """The incident for a read, with its roles and postmortem in the same query.

    Round trips are the main cost of an incident page, and most of an incident's
    collections are empty: the same query also says which collections have rows, the
    empty ones are set empty without a query, and the others load when first touched.
    """
    number = parse_ref(ref)
    others, query = _read_query()
    row = session.execute(query, {"number": number}).unique().one_or_none()
    if row is None:
        raise NotFound("incident", f"INC-{number}")
    incident: Incident = row[0]
    for relationship, has_rows in zip(others, row[1:], strict=True):
        if not has_rows:
            set_committed_value(incident, relationship.key, [] if relationship.uselist else None)
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


def incident_view(
    incident: Incident, policy: Policy, now: datetime | None = None
) -> dict[str, Any]:
    """Everything known about the incident except its timeline (`now` dates the flags)."""
    inc = incident
    now = now or datetime.now(UTC)
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
                "overdue": followup_overdue(f, policy, now),
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
        "test_plan": plan_view(inc),
        "non_durable": durability_view(inc)["data"],
        **clock_fields(inc, policy, now),
    }


def _names(policy: Policy) -> set[str]:
    return {s.name for s in policy.severities}


def postmortem_view(session: Session, ref: str) -> dict[str, Any]:
    """The saved postmortem, or (status "unsaved") a draft made from the record now."""
    incident = load_incident(session, ref)
    pm = incident.postmortem
    if pm is None:
        entries = IncidentRepository(session).entries(incident.number, DRAFT_KINDS)
        return {
            "ref": incident.ref,
            "status": "unsaved",
            "body": draft_postmortem(incident, entries),
            "updated_at": None,
            "published_at": None,
            "customers": None,
        }
    customers = None
    if pm.customer_body is not None:
        customers = {
            "status": "published" if pm.customer_published_at else "draft",
            "body": pm.customer_body,
            "updated_at": pm.customer_updated_at,
            "published_at": pm.customer_published_at,
        }
    return {
        "ref": incident.ref,
        "status": str(pm.status),
        "body": pm.body,
        "updated_at": pm.updated_at,
        "published_at": pm.published_at,
        "customers": customers,
    }

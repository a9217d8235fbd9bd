"""Checklists as JSON-able data: an incident's list, one person's next steps, the policy's items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.adapters.orm.incidents import incidents, role_assignments
from warroom.adapters.visibility import visible_to
from warroom.domain import stages
from warroom.domain.access import Principal
from warroom.domain.checklists import Checklist, ChecklistItem, ChecklistStatus
from warroom.domain.enums import RoleName, Stage
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy
from warroom.service_layer.views import load_incident


def rule_public(item: ChecklistItem) -> dict[str, Any] | None:
    rule = item.done_when
    if rule is None:
        return None
    return {
        "event": rule.event,
        "where": {name: list(values) for name, values in rule.where},
        "text": rule.describe(),
    }


def item_public(item: ChecklistItem) -> dict[str, Any]:
    """An item as the policy defines it."""
    return {
        "id": item.id,
        "title": item.title,
        "details": item.details,
        "stage": str(item.stage),
        "owner": str(item.owner) if item.owner else None,
        "within": str(item.within) if item.within else None,
        "from": str(item.anchor),
        "severities": sorted(item.severities) if item.severities is not None else None,
        "done_when": rule_public(item),
        "sources": list(item.sources),
    }


def checklist_public(checklist: Checklist) -> list[dict[str, Any]]:
    return [item_public(i) for i in checklist.items]


def item_view(incident: Incident, item: ChecklistItem, now: datetime) -> dict[str, Any]:
    """An item on one incident: the policy's definition and what the record says."""
    mark = incident.checklist_mark(item.id)
    status = mark.status if mark else ChecklistStatus.OPEN
    active = item.active_in(incident.stage)
    due = incident.item_due_at(item)
    touched = mark is not None and (status is not ChecklistStatus.OPEN or mark.by != "warroom")
    return {
        **item_public(item),
        "status": str(status),
        "active": active,
        "applies": item.applies_to(incident.severity),
        "owner_role": str(item.effective_owner),
        "holders": incident.holders(item.effective_owner),
        "due_at": due,
        "overdue": bool(
            due is not None and active and status is ChecklistStatus.OPEN and due <= now
        ),
        "by": mark.by if touched and mark else None,
        "at": mark.at if touched and mark else None,
        "reason": mark.reason if mark else "",
        "auto": bool(mark and mark.auto_event and status is ChecklistStatus.DONE),
        "reminded_at": mark.reminded_at if mark else None,
    }


def checklist_view(
    incident: Incident,
    policy: Policy,
    now: datetime,
    *,
    role: RoleName | None = None,
    include_all: bool = False,
) -> dict[str, Any]:
    """The incident's checklist (items of its severity unless `include_all`), stage order."""
    items = [
        item_view(incident, item, now)
        for item in policy.checklist.items
        if (include_all or item.applies_to(incident.severity))
        and (role is None or item.effective_owner is role)
    ]
    counts = {"total": len(items), "open": 0, "done": 0, "skipped": 0, "overdue": 0, "later": 0}
    for item in items:
        counts[item["status"]] += 1
        counts["overdue"] += item["overdue"]
        counts["later"] += not item["active"]
    return {
        "ref": incident.ref,
        "title": incident.title,
        "severity": incident.severity,
        "stage": str(incident.stage),
        "role": str(role) if role else None,
        "items": items,
        "counts": counts,
    }


def _sort_key(item: dict[str, Any]) -> tuple[bool, datetime | str, int]:
    due: datetime | None = item["due_at"]
    return (due is None, due or "", stages.ORDER.index(Stage(item["stage"])))


def next_steps(incident: Incident, policy: Policy, person: str, now: datetime) -> dict[str, Any]:
    """What `person` has to do now on `incident`: live items their roles own, soonest first."""
    roles = incident.roles_of(person)
    steps = [
        item_view(incident, item, now)
        for item in policy.checklist.items
        if item.effective_owner in roles and incident.item_is_live(item)
    ]
    steps.sort(key=_sort_key)
    return {
        "ref": incident.ref,
        "title": incident.title,
        "summary_line": incident.summary_line,
        "severity": incident.severity,
        "stage": str(incident.stage),
        "roles": [str(r) for r in roles],
        "steps": steps,
    }


def my_next_steps(
    session: Session, policy: Policy, person: str, now: datetime, *, seen_by: Principal
) -> dict[str, Any]:
    """Next steps on every open incident where `person` holds a role, most urgent first."""
    numbers = session.execute(
        select(role_assignments.c.incident_id)
        .join(incidents, incidents.c.id == role_assignments.c.incident_id)
        .where(
            role_assignments.c.person == person,
            role_assignments.c.released_at.is_(None),
            incidents.c.stage != Stage.CLOSED,
            visible_to(seen_by),
        )
        .distinct()
        .order_by(role_assignments.c.incident_id.desc())
    ).scalars()
    data = [next_steps(load_incident(session, f"INC-{n}"), policy, person, now) for n in numbers]
    return {"person": person, "data": data, "count": len(data)}

"""The read side of the public status page: only public, real (non-drill) incidents."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select

from warroom.adapters.orm.directory import services
from warroom.adapters.orm.incidents import incidents, postmortems, timeline_entries
from warroom.adapters.orm.status import status_components, status_maintenances
from warroom.domain.enums import EntryKind, Visibility

# The only timeline entries that may leave the building: customer updates (the words
# written for the public) and stage changes (to date each update's status). Everything
# else on the timeline is internal.
PUBLIC_KINDS = (EntryKind.CUSTOMER_UPDATE.value, EntryKind.STAGE_CHANGE.value)


def as_dict(row: Any) -> dict[str, Any]:
    """A row as a plain dict; column names become plain `str` (orjson refuses subclasses)."""
    return {str(k): v for k, v in row._mapping.items()}


def components(conn: Connection) -> list[dict[str, Any]]:
    c = status_components.c
    rows = conn.execute(select(status_components).order_by(c.position, c.name))
    return [as_dict(r) for r in rows]


def service_components(conn: Connection) -> dict[str, str]:
    """Service name → status-page component name, for services that name one."""
    rows = conn.execute(
        select(services.c.name, services.c.status_component).where(
            services.c.status_component.is_not(None)
        )
    )
    return {r.name: r.status_component for r in rows}


def maintenances(conn: Connection) -> list[dict[str, Any]]:
    m = status_maintenances.c
    rows = conn.execute(select(status_maintenances).order_by(m.scheduled_for.desc(), m.id.desc()))
    return [as_dict(r) for r in rows]


def public_incidents(conn: Connection) -> list[dict[str, Any]]:
    """Every public, non-drill incident, newest first, with its customer updates and stages."""
    i = incidents.c
    stmt = (
        select(
            i.id,
            i.title,
            i.severity,
            i.stage,
            i.services,
            i.detected_at,
            i.declared_at,
            i.mitigated_at,
            i.resolved_at,
            i.closed_at,
            postmortems.c.customer_body.label("customer_postmortem"),
            postmortems.c.customer_published_at.label("customer_postmortem_at"),
        )
        .select_from(incidents.outerjoin(postmortems, postmortems.c.incident_id == i.id))
        .where(i.visibility == Visibility.PUBLIC.value, i.drill.is_(False))
        .order_by(i.declared_at.desc(), i.id.desc())
    )
    found = [as_dict(r) for r in conn.execute(stmt)]
    if not found:
        return []
    t = timeline_entries.c
    entries: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = conn.execute(
        select(t.id, t.incident_id, t.kind, t.text, t.occurred_at, t.recorded_at, t.data)
        .where(t.incident_id.in_([f["id"] for f in found]), t.kind.in_(PUBLIC_KINDS))
        .order_by(t.occurred_at, t.id)
    )
    for r in rows:
        entry = as_dict(r)
        entry["kind"] = str(entry["kind"])
        entries[r.incident_id].append(entry)
    for f in found:
        f["stage"] = str(f["stage"])
        # The public sees the customer version only: publishing the internal postmortem
        # does not make an incident "postmortem" on the status page or its API.
        f["postmortem_published"] = f["customer_postmortem_at"] is not None
        f["entries"] = entries.get(f["id"], [])
        if f["customer_postmortem_at"] is None:  # a draft never leaves the building
            f["customer_postmortem"] = None
    return found

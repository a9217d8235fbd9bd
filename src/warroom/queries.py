"""The read side: lists and timelines straight from SQL, shaped for JSON, no domain objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select

from warroom.adapters.orm.incidents import (
    incident_services,
    incidents,
    role_assignments,
    timeline_entries,
)
from warroom.domain.enums import RoleName, Stage

_LIST_COLUMNS = (
    incidents.c.id,
    incidents.c.title,
    incidents.c.functionality,
    incidents.c.state,
    incidents.c.audience,
    incidents.c.severity,
    incidents.c.stage,
    incidents.c.services,
    incidents.c.customers_affected,
    incidents.c.visibility,
    incidents.c.drill,
    incidents.c.channel,
    incidents.c.detected_at,
    incidents.c.declared_at,
    incidents.c.mitigated_at,
    incidents.c.resolved_at,
    incidents.c.closed_at,
    incidents.c.last_update_internal_at,
    incidents.c.last_update_customers_at,
)


@dataclass(frozen=True)
class IncidentFilter:
    status: str = "all"  # open | closed | all
    severities: Sequence[str] = ()
    stages: Sequence[str] = ()
    service: str | None = None
    person: str | None = None
    drill: bool | None = None


def summary_line(functionality: str | None, state: str | None, audience: str | None) -> str | None:
    if functionality and state and audience:
        line = f"{functionality} is {state} for {audience}"
        return line[0].upper() + line[1:]
    return None


def _where(f: IncidentFilter) -> list[Any]:
    conds: list[Any] = []
    if f.status == "open":
        conds.append(incidents.c.stage != Stage.CLOSED.value)
    elif f.status == "closed":
        conds.append(incidents.c.stage == Stage.CLOSED.value)
    if f.severities:
        conds.append(incidents.c.severity.in_(list(f.severities)))
    if f.stages:
        conds.append(incidents.c.stage.in_(list(f.stages)))
    if f.service:
        conds.append(
            exists().where(
                incident_services.c.incident_id == incidents.c.id,
                incident_services.c.service == f.service,
            )
        )
    if f.person:
        conds.append(
            exists().where(
                role_assignments.c.incident_id == incidents.c.id,
                role_assignments.c.person == f.person,
                role_assignments.c.released_at.is_(None),
            )
        )
    if f.drill is not None:
        conds.append(incidents.c.drill.is_(f.drill))
    return conds


def list_incidents(
    conn: Connection, f: IncidentFilter, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """A page of incidents, newest first, with the total count for the filter."""
    conds = _where(f)
    commander = (
        select(role_assignments.c.person)
        .where(
            role_assignments.c.incident_id == incidents.c.id,
            role_assignments.c.role == RoleName.COMMANDER.value,
            role_assignments.c.released_at.is_(None),
        )
        .limit(1)
        .scalar_subquery()
        .label("commander")
    )
    stmt = (
        select(*_LIST_COLUMNS, commander)
        .where(and_(True, *conds))
        .order_by(incidents.c.declared_at.desc(), incidents.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = conn.execute(stmt).all()
    count = conn.execute(
        select(func.count()).select_from(incidents).where(and_(True, *conds))
    ).scalar_one()
    return {"data": [incident_row(r._mapping) for r in rows], "count": count}


def incident_row(m: Any) -> dict[str, Any]:
    """The list shape of an incident from a row mapping."""
    return {
        "ref": f"INC-{m['id']}",
        "title": m["title"],
        "summary_line": summary_line(m["functionality"], m["state"], m["audience"]) or m["title"],
        "severity": m["severity"],
        "stage": str(m["stage"]),
        "services": m["services"],
        "customers_affected": m["customers_affected"],
        "visibility": str(m["visibility"]),
        "drill": m["drill"],
        "channel": m["channel"],
        "commander": m.get("commander"),
        "detected_at": m["detected_at"],
        "declared_at": m["declared_at"],
        "mitigated_at": m["mitigated_at"],
        "resolved_at": m["resolved_at"],
        "closed_at": m["closed_at"],
        "last_update_internal_at": m["last_update_internal_at"],
        "last_update_customers_at": m["last_update_customers_at"],
    }


def timeline(
    conn: Connection,
    number: int,
    *,
    kinds: Sequence[str] = (),
    limit: int = 1000,
    after: datetime | None = None,
) -> list[dict[str, Any]]:
    """Timeline entries in true-time order (ties broken by recording order)."""
    t = timeline_entries.c
    stmt = select(t.id, t.kind, t.text, t.author, t.occurred_at, t.recorded_at, t.data).where(
        t.incident_id == number
    )
    if kinds:
        stmt = stmt.where(t.kind.in_(list(kinds)))
    if after is not None:
        stmt = stmt.where(t.recorded_at > after)
    stmt = stmt.order_by(t.occurred_at, t.id).limit(limit)
    return [
        {
            "id": r.id,
            "kind": str(r.kind),
            "text": r.text,
            "author": r.author,
            "occurred_at": r.occurred_at,
            "recorded_at": r.recorded_at,
            "data": r.data,
        }
        for r in conn.execute(stmt)
    ]


def timeline_count(conn: Connection, number: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(timeline_entries)
            .where(timeline_entries.c.incident_id == number)
        ).scalar_one()
    )


def incident_exists(conn: Connection, number: int) -> bool:
    return conn.execute(select(incidents.c.id).where(incidents.c.id == number)).first() is not None


def incident_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(stage, severity, count) over real incidents; drills are practice, not history."""
    stmt = (
        select(incidents.c.stage, incidents.c.severity, func.count())
        .where(incidents.c.drill.is_(False))
        .group_by(incidents.c.stage, incidents.c.severity)
    )
    return [(str(r[0]), r[1], int(r[2])) for r in conn.execute(stmt)]

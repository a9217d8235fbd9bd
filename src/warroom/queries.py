"""The read side: lists and timelines straight from SQL, shaped for JSON, no domain objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from warroom import lean_sql
from warroom.adapters.orm.auth import incident_members as members_table
from warroom.adapters.orm.incidents import (
    incidents,
    role_assignments,
)
from warroom.adapters.visibility import visible_to
from warroom.domain.access import Principal
from warroom.domain.enums import RoleName, Stage, Visibility


@dataclass(frozen=True)
class IncidentFilter:
    status: str = "all"  # open | closed | all
    severities: Sequence[str] = ()
    stages: Sequence[str] = ()
    service: str | None = None
    person: str | None = None
    drill: bool | None = None
    # Whose list it is: restricted incidents appear only to their members and admins;
    # None is the public, which sees none.
    principal: Principal | None = None


def summary_line(functionality: str | None, state: str | None, audience: str | None) -> str | None:
    if functionality and state and audience:
        line = f"{functionality} is {state} for {audience}"
        return line[0].upper() + line[1:]
    return None


_LIST_SELECT = (
    "SELECT i.id, i.title, i.functionality, i.state, i.audience, i.severity, i.stage,"
    " i.services, i.customers_affected, i.visibility, i.drill, i.channel, i.detected_at,"
    " i.declared_at, i.mitigated_at, i.resolved_at, i.closed_at, i.last_update_internal_at,"
    " i.last_update_customers_at,"
    " (SELECT r.person FROM role_assignments r WHERE r.incident_id = i.id"
    " AND r.role = '"
    + RoleName.COMMANDER.value
    + "' AND r.released_at IS NULL LIMIT 1) AS commander"
    " FROM incidents i"
)


def _visible(principal: Principal | None) -> tuple[list[str], list[Any]]:
    """`adapters.visibility.visible_to` in the lean SQL: restricted incidents are for
    admins and their members (declared it, holds a role now, or added); None is the public.
    """
    if principal is not None and principal.is_admin:
        return [], []
    restricted = Visibility.RESTRICTED.value
    if principal is None:
        return ["i.visibility <> ?"], [restricted]
    mine = (
        "SELECT m.id FROM incidents m WHERE m.declared_by = ?"
        " UNION SELECT r.incident_id FROM role_assignments r"
        " WHERE r.person = ? AND r.released_at IS NULL"
        " UNION SELECT im.incident_id FROM incident_members im WHERE im.person = ?"
    )
    name = principal.name
    return [f"(i.visibility <> ? OR i.id IN ({mine}))"], [restricted, name, name, name]


def _where(f: IncidentFilter) -> tuple[str, list[Any]]:
    """The WHERE clause (with `?` placeholders) and its parameters for a filter."""
    conds, params = _visible(f.principal)
    if f.status == "open":
        conds.append("i.stage <> ?")
        params.append(Stage.CLOSED.value)
    elif f.status == "closed":
        conds.append("i.stage = ?")
        params.append(Stage.CLOSED.value)
    if f.severities:
        conds.append(f"i.severity IN ({', '.join('?' * len(f.severities))})")
        params += list(f.severities)
    if f.stages:
        conds.append(f"i.stage IN ({', '.join('?' * len(f.stages))})")
        params += [str(s) for s in f.stages]
    if f.service:
        conds.append(
            "EXISTS (SELECT 1 FROM incident_services s"
            " WHERE s.incident_id = i.id AND s.service = ?)"
        )
        params.append(f.service)
    if f.person:
        conds.append(
            "EXISTS (SELECT 1 FROM role_assignments r WHERE r.incident_id = i.id"
            " AND r.person = ? AND r.released_at IS NULL)"
        )
        params.append(f.person)
    if f.drill is not None:
        conds.append("i.drill = ?")
        params.append(f.drill)
    return (" WHERE " + " AND ".join(conds) if conds else ""), params


def list_incidents(
    conn: Connection, f: IncidentFilter, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """A page of incidents, newest first, with the total count for the filter."""
    where, params = _where(f)
    order = " ORDER BY i.declared_at DESC, i.id DESC LIMIT ? OFFSET ?"
    page = lean_sql.rows(conn, _LIST_SELECT + where + order, [*params, limit, offset])
    if offset == 0 and len(page) < limit:
        count = len(page)  # the whole filter fits on this page: no second query
    else:
        found = lean_sql.rows(conn, "SELECT count(*) FROM incidents i" + where, params)
        count = int(found[0][0])
    read = lean_sql.readers(conn)
    t = read.time
    data = [
        {
            "ref": f"INC-{r[0]}",
            "title": r[1],
            "summary_line": summary_line(r[2], r[3], r[4]) or r[1],
            "severity": r[5],
            "stage": r[6],
            "services": read.json(r[7]),
            "customers_affected": r[8],
            "visibility": r[9],
            "drill": bool(r[10]),
            "channel": r[11],
            "commander": r[19],
            "detected_at": t(r[12]),
            "declared_at": t(r[13]),
            "mitigated_at": t(r[14]),
            "resolved_at": t(r[15]),
            "closed_at": t(r[16]),
            "last_update_internal_at": t(r[17]),
            "last_update_customers_at": t(r[18]),
        }
        for r in page
    ]
    attach_clocks(conn, data)
    return {"data": data, "count": count}


def attach_clocks(conn: Connection, data: list[dict[str, Any]]) -> None:
    """Add each incident's update countdowns, overdue audiences and retrospective deadline."""
    by_number: dict[int, dict[str, Any]] = {}
    for item in data:
        item.update(updates_due={}, updates_overdue=[], retrospective_due_at=None)
        item["retrospective_breached"] = False
        by_number[int(item["ref"].removeprefix("INC-"))] = item
    if not data:
        return
    t = lean_sql.readers(conn).time
    sql = (
        "SELECT incident_id, name, due_at, overdue_at, done_at FROM incident_clocks"
        f" WHERE incident_id IN ({', '.join('?' * len(by_number))}) ORDER BY name"
    )
    for number, name, due_at, overdue_at, done_at in lean_sql.rows(conn, sql, list(by_number)):
        item = by_number[number]
        if name.startswith("update:"):
            audience = name.removeprefix("update:")
            item["updates_due"][audience] = t(due_at)
            if overdue_at is not None:
                item["updates_overdue"].append(audience)
        elif done_at is None:
            item["retrospective_due_at"] = t(due_at)
            item["retrospective_breached"] = overdue_at is not None


def timeline(
    conn: Connection,
    number: int,
    *,
    kinds: Sequence[str] = (),
    limit: int = 1000,
    after: datetime | None = None,
) -> list[dict[str, Any]]:
    """Timeline entries in true-time order (ties broken by recording order)."""
    sql = (
        "SELECT id, kind, text, author, occurred_at, recorded_at, data FROM timeline_entries"
        " WHERE incident_id = ?"
    )
    params: list[Any] = [number]
    if kinds:
        sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
        params += [str(k) for k in kinds]
    read = lean_sql.readers(conn)
    if after is not None:
        sql += " AND recorded_at > ?"
        params.append(read.bind_time(after))
    sql += " ORDER BY occurred_at, id LIMIT ?"
    params.append(limit)
    t, js = read.time, read.json
    return [
        {
            "id": r[0],
            "kind": r[1],
            "text": r[2],
            "author": r[3],
            "occurred_at": t(r[4]),
            "recorded_at": t(r[5]),
            "data": js(r[6]),
        }
        for r in lean_sql.rows(conn, sql, params)
    ]


def latest_entries(
    conn: Connection,
    number: int,
    *,
    kinds: Sequence[str] = (),
    limit: int = 100,
    before: tuple[datetime, int] | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """The newest `limit` timeline entries (older than the entry `before` = (occurred_at,
    id) when given), newest first, and whether older ones remain. One backward range scan
    of the timeline's (incident, occurred_at, id) index, however long the timeline."""
    sql = (
        "SELECT id, kind, text, author, occurred_at, recorded_at, data FROM timeline_entries"
        " WHERE incident_id = ?"
    )
    params: list[Any] = [number]
    if kinds:
        sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
        params += [str(k) for k in kinds]
    read = lean_sql.readers(conn)
    if before is not None:
        sql += " AND (occurred_at < ? OR (occurred_at = ? AND id < ?))"
        at = read.bind_time(before[0])
        params += [at, at, before[1]]
    sql += " ORDER BY occurred_at DESC, id DESC LIMIT ?"
    params.append(limit + 1)
    t, js = read.time, read.json
    found = [
        {
            "id": r[0],
            "kind": r[1],
            "text": r[2],
            "author": r[3],
            "occurred_at": t(r[4]),
            "recorded_at": t(r[5]),
            "data": js(r[6]),
        }
        for r in lean_sql.rows(conn, sql, params)
    ]
    return found[:limit], len(found) > limit


def timeline_count(conn: Connection, number: int) -> int:
    found = lean_sql.rows(
        conn, "SELECT count(*) FROM timeline_entries WHERE incident_id = ?", [number]
    )
    return int(found[0][0])


def incident_exists(conn: Connection, number: int) -> bool:
    return conn.execute(select(incidents.c.id).where(incidents.c.id == number)).first() is not None


def incident_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(stage, severity, count) over real incidents; drills are practice, not history.

    Restricted incidents are left out: /metrics is read without signing in, and even a
    count would tell that a security incident is open.
    """
    stmt = (
        select(incidents.c.stage, incidents.c.severity, func.count())
        .where(incidents.c.drill.is_(False), visible_to(None))
        .group_by(incidents.c.stage, incidents.c.severity)
    )
    return [(str(r[0]), r[1], int(r[2])) for r in conn.execute(stmt)]


def incident_members(conn: Connection, number: int) -> list[dict[str, Any]]:
    """Everyone who sees the incident as a member, by name: added members (with who added
    them) and current role holders (with their roles)."""
    people: dict[str, dict[str, Any]] = {}
    for person, added_by in conn.execute(
        select(members_table.c.person, members_table.c.added_by)
        .where(members_table.c.incident_id == number)
        .order_by(members_table.c.person)
    ):
        people[person] = {"person": person, "added_by": added_by, "roles": []}
    for person, role in conn.execute(
        select(role_assignments.c.person, role_assignments.c.role).where(
            role_assignments.c.incident_id == number, role_assignments.c.released_at.is_(None)
        )
    ):
        entry = people.setdefault(person, {"person": person, "added_by": None, "roles": []})
        entry["roles"].append(str(role))
    return sorted(people.values(), key=lambda m: str(m["person"]))

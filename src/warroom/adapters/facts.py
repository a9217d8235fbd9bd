"""Keep `incident_facts` in step: one set-based statement pair per refresh, for one incident
(every command, in its transaction), a few, or all of them (the migration, a policy change).

The facts are what the metrics need, computed from the full record in SQL: durations
between milestones, update-cadence counts per audience against the policy's cadence at
the incident's severity, the retrospective's deadline and when it was held, follow-up
counts. What depends on the moment the dashboard is read (an update still owed, a
deadline passed, a follow-up overdue) is decided at read time from the stored times.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    true,
)

from warroom.adapters.orm.clocks import incident_clocks
from warroom.adapters.orm.epoch import epoch, seconds_ms, year_month
from warroom.adapters.orm.facts import AUDIENCES, incident_facts
from warroom.adapters.orm.incidents import followups, incidents, timeline_entries
from warroom.domain import metrics as m
from warroom.domain.due_clocks import RETROSPECTIVE
from warroom.domain.enums import Audience, EntryKind, FollowUpStatus, Visibility
from warroom.domain.policy import Policy

# A millisecond of slack when comparing times computed in SQL (see adapters/orm/epoch.py).
SLACK = 0.001
UPDATE_KINDS = (EntryKind.STATUS_UPDATE.value, EntryKind.CUSTOMER_UPDATE.value)
UPDATE_KIND_LITERALS: list[Any] = [literal_column(f"'{kind}'") for kind in UPDATE_KINDS]


def allowed_seconds(policy: Policy, audience: str, severity: Any) -> Any:
    """Seconds an update to `audience` may take (cadence + grace) at `severity` (a column
    or an expression); NULL where the severity sets no cadence for that audience."""
    whens = []
    for level in policy.severities:
        span = level.cadence.get(Audience(audience))
        if span is not None:
            grace = level.cadence_grace.seconds if level.cadence_grace else 0
            whens.append((severity == level.name, float(span.seconds + grace)))
    # Typed, so that a policy without cadences still adds seconds to seconds on PostgreSQL.
    nothing = cast(null(), Float())
    return case(*whens, else_=nothing) if whens else nothing


def stop_column(audience: str, table: Any) -> Any:
    """When `audience`'s cadence stops for a row of `table` (incidents or incident_facts):
    mitigated (resolved for observers), or NULL while it runs."""
    ends = [table.c.resolved_at, table.c.closed_at]
    if audience != Audience.OBSERVERS.value:
        ends.insert(0, table.c.mitigated_at)
    return func.coalesce(*ends)


def _cadence(policy: Policy, chosen: Any) -> Any:
    """Per incident and audience: updates on time, late, and the last one, within the
    cadence's window (the rule of `domain.metrics.update_adherence`)."""
    t, i = timeline_entries.c, incidents.c
    audience = t.data["audience"].as_string()
    allowed = case(
        *((audience == aud, allowed_seconds(policy, aud, i.severity)) for aud in AUDIENCES),
        else_=null(),
    )
    stop = case(
        (audience == Audience.OBSERVERS.value, stop_column(Audience.OBSERVERS.value, incidents)),
        else_=stop_column(Audience.INTERNAL.value, incidents),
    )
    at = epoch(t.occurred_at)
    posted = (
        select(
            t.incident_id.label("incident_id"),
            audience.label("audience"),
            t.occurred_at.label("occurred_at"),
            at.label("at"),
            func.lag(at)
            .over(partition_by=(t.incident_id, audience), order_by=(t.occurred_at, t.id))
            .label("prev"),
            (epoch(stop) + SLACK).label("stop"),
            epoch(i.declared_at).label("declared"),
            allowed.label("allowed"),
        )
        .select_from(timeline_entries.join(incidents, t.incident_id == i.id))
        # The kinds as literals, as in the partial index on the updates, so that the
        # planner can use it in a prepared statement too.
        .where(chosen, t.kind.in_(UPDATE_KIND_LITERALS), allowed.is_not(None))
        .subquery()
    )
    p = posted.c
    due = func.coalesce(p.prev, p.declared) + p.allowed + SLACK
    in_window = or_(p.stop.is_(None), p.at <= p.stop)
    columns = []
    for aud in AUDIENCES:
        mine = and_(p.audience == aud, in_window)
        columns += [
            func.sum(case((and_(mine, p.at <= due), 1), else_=0)).label(f"{aud}_on_time"),
            func.sum(case((and_(mine, p.at > due), 1), else_=0)).label(f"{aud}_late"),
            func.max(case((mine, p.occurred_at), else_=null())).label(f"{aud}_last_update_at"),
        ]
    return select(p.incident_id, *columns).group_by(p.incident_id).subquery()


def _followups(chosen: Any) -> Any:
    fu = followups.c

    def count(status: FollowUpStatus) -> Any:
        return func.sum(case((fu.status == status.value, 1), else_=0))

    return (
        select(
            fu.incident_id.label("incident_id"),
            count(FollowUpStatus.OPEN).label("open"),
            count(FollowUpStatus.DONE).label("done"),
            count(FollowUpStatus.NOT_DOING).label("not_doing"),
        )
        .where(chosen)
        .group_by(fu.incident_id)
        .subquery()
    )


def _facts(policy: Policy, some: bool) -> Any:
    """SELECT of the facts rows of the incidents in the parameter `ids` (of every incident
    unless `some`), and its column names."""

    def chosen(column: Any) -> Any:
        return column.in_(bindparam("ids", expanding=True)) if some else true()

    i = incidents.c
    cadence = _cadence(policy, chosen(timeline_entries.c.incident_id))
    fu = _followups(chosen(followups.c.incident_id))
    retro = (
        select(
            incident_clocks.c.incident_id,
            incident_clocks.c.due_at,
            incident_clocks.c.done_at,
        )
        .where(incident_clocks.c.name == RETROSPECTIVE, chosen(incident_clocks.c.incident_id))
        .subquery()
    )
    values: dict[str, Any] = {
        "incident_id": i.id,
        "severity": i.severity,
        "stage": i.stage,
        "drill": i.drill,
        "restricted": i.visibility == Visibility.RESTRICTED.value,
        "declared_at": i.declared_at,
        "month": year_month(i.declared_at),
        "mitigated_at": i.mitigated_at,
        "resolved_at": i.resolved_at,
        "closed_at": i.closed_at,
    }
    for name, start, end, _ in m.MEASURES:
        span = seconds_ms(epoch(getattr(i, end)) - epoch(getattr(i, start)))
        values[name] = case((span < 0, 0.0), else_=span)
    for aud in AUDIENCES:
        values[f"{aud}_on_time"] = func.coalesce(cadence.c[f"{aud}_on_time"], 0)
        values[f"{aud}_late"] = func.coalesce(cadence.c[f"{aud}_late"], 0)
        values[f"{aud}_last_update_at"] = cadence.c[f"{aud}_last_update_at"]
        values[f"{aud}_allowed"] = allowed_seconds(policy, aud, i.severity)
    values |= {
        "retrospective_due_at": retro.c.due_at,
        "retrospective_done_at": retro.c.done_at,
        "followups_open": func.coalesce(fu.c.open, 0),
        "followups_done": func.coalesce(fu.c.done, 0),
        "followups_not_doing": func.coalesce(fu.c.not_doing, 0),
    }
    query = (
        select(*(value.label(name) for name, value in values.items()))
        .select_from(
            incidents.outerjoin(cadence, cadence.c.incident_id == i.id)
            .outerjoin(fu, fu.c.incident_id == i.id)
            .outerjoin(retro, retro.c.incident_id == i.id)
        )
        .where(chosen(i.id))
    )
    return list(values), query


# The statements per policy: building one costs more than running it for one incident.
_BUILT: dict[int, tuple[Policy, Any, Any]] = {}


def _statements(policy: Policy) -> tuple[Any, Any]:
    built = _BUILT.get(id(policy))
    if built is None or built[0] is not policy:
        names, query = _facts(policy, some=True)
        gone = delete(incident_facts).where(
            incident_facts.c.incident_id.in_(bindparam("ids", expanding=True))
        )
        put = insert(incident_facts).from_select(names, query)
        built = _BUILT[id(policy)] = (policy, gone, put)
    return built[1], built[2]


# What the facts are computed from; a change elsewhere (a note, a timer, a checklist mark,
# the audit) leaves them as they were.
_INPUTS = frozenset({incidents.name, followups.name, incident_clocks.name})


def moved_by(changes: Iterable[Mapping[str, Any]]) -> set[int] | None:
    """The incidents whose facts `changes` (the audit's list: entity, target, op, before,
    after) may have moved, or None when a change to an input names no incident.

    A timeline entry moves them only when it is, or was, a status or customer update: a
    plain note, the bulk of what is written during an incident, costs no refresh."""
    moved: set[int] = set()
    for change in changes:
        entity = change.get("entity")
        if entity == timeline_entries.name:
            # An insert has no before; a side that does not say its kind may be an update.
            sides = [side for side in (change.get("before"), change.get("after")) if side]
            kinds = {side.get("kind", UPDATE_KINDS[0]) for side in sides}
            if sides and kinds.isdisjoint(UPDATE_KINDS):
                continue
        elif entity not in _INPUTS:
            continue
        ref, _, _rest = str(change.get("target", "")).partition("/")
        number = ref.removeprefix("INC-")
        if not ref.startswith("INC-") or not number.isdigit():
            return None
        moved.add(int(number))
    return moved


def refresh(
    conn: Connection,
    policy: Policy,
    ids: Collection[int] | None = None,
    *,
    new: Collection[int] = (),
) -> None:
    """Recompute the facts of the incidents `ids` (all when None) from their full record;
    those in `new`, declared in this transaction, have none to delete."""
    if ids is None:
        conn.execute(delete(incident_facts))
        names, query = _facts(policy, some=False)
        conn.execute(insert(incident_facts).from_select(names, query))
        return
    if not ids:
        return
    gone, put = _statements(policy)
    chosen = {"ids": list(ids)}
    if not set(ids) <= set(new):
        conn.execute(gone, chosen)
    conn.execute(put, chosen)


def stale(conn: Connection, policy: Policy) -> list[int]:
    """Incidents without facts, or whose facts were computed under other cadences."""
    f = incident_facts.c
    differs = or_(
        *(
            f[f"{aud}_allowed"].is_distinct_from(allowed_seconds(policy, aud, f.severity))
            for aud in AUDIENCES
        )
    )
    missing = select(incidents.c.id).where(
        ~select(f.incident_id).where(f.incident_id == incidents.c.id).exists()
    )
    return [
        int(n) for n in conn.execute(select(f.incident_id).where(differs).union(missing)).scalars()
    ]


def refresh_stale(conn: Connection, policy: Policy, batch: int = 5000) -> int:
    """Bring every incident's facts in line with `policy`; how many were recomputed."""
    ids = stale(conn, policy)
    for start in range(0, len(ids), batch):
        refresh(conn, policy, ids[start : start + batch])
    return len(ids)

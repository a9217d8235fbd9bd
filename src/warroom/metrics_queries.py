"""The read side of metrics: SQL aggregates over `incident_facts` (one narrow row per
incident, kept on write by `adapters/facts.py`), grouped by severity, service and month.
What depends on the moment of reading (an update still owed, a retrospective past its
deadline, a follow-up overdue) is decided here from the stored times. Drills are never
counted; restricted incidents only for those allowed to see them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Engine,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
)

from warroom.adapters.facts import SLACK, stop_column
from warroom.adapters.orm.epoch import epoch
from warroom.adapters.orm.facts import AUDIENCES, incident_facts
from warroom.adapters.orm.incidents import followups, incident_services
from warroom.adapters.orm.types import UTCDateTime
from warroom.adapters.visibility import visible_to
from warroom.domain import metrics as m
from warroom.domain.access import Principal
from warroom.domain.enums import FollowUpStatus, Stage
from warroom.domain.errors import InvalidInput
from warroom.domain.policy import Policy

F = incident_facts.c
MEASURE_NAMES = tuple(name for name, *_ in m.MEASURES)


@dataclass(frozen=True)
class MetricsFilter:
    """Incidents declared in [start, end), of these severities, touching this service."""

    start: datetime | None = None
    end: datetime | None = None
    severities: Sequence[str] = ()
    service: str | None = None


def _scope(f: MetricsFilter, viewer: Principal | None) -> list[Any]:
    conds: list[Any] = [
        F.drill.is_(False),
        or_(F.restricted.is_(False), visible_to(viewer, F.incident_id)),
    ]
    if f.start is not None:
        conds.append(F.declared_at >= f.start)
    if f.end is not None:
        conds.append(F.declared_at < f.end)
    if f.severities:
        conds.append(F.severity.in_(list(f.severities)))
    if f.service:
        conds.append(
            exists()
            .where(
                incident_services.c.incident_id == F.incident_id,
                incident_services.c.service == f.service,
            )
            # Only the facts come from the enclosing query (the per-service durations
            # join incident_services too).
            .correlate(incident_facts)
        )
    return conds


def compute(
    conn: Connection,
    f: MetricsFilter,
    *,
    policy: Policy,
    now: datetime,
    viewer: Principal | None,
) -> dict[str, Any]:
    """Every metric for the incidents `viewer` may see that match `f`."""
    conds = _scope(f, viewer)
    tallies = _tallies(conn, conds, now)
    return {
        "filter": {
            "from": f.start,
            "to": f.end,
            "severity": list(f.severities),
            "service": f.service,
        },
        "generated_at": now,
        "definitions": m.DEFINITIONS,
        "incidents": _counts(conn, conds),
        "durations": _durations(conn, conds, policy),
        "updates": tallies["updates"],
        "retrospectives": tallies["retrospectives"],
        "followups": _followups(conn, conds, now, tallies["followups"]),
    }


def _counts(conn: Connection, conds: list[Any]) -> dict[str, Any]:
    by_severity: dict[str, int] = {}
    by_stage: dict[str, int] = {}
    total = open_ = 0
    for severity, stage, n in conn.execute(
        select(F.severity, F.stage, func.count()).where(*conds).group_by(F.severity, F.stage)
    ):
        total += n
        by_severity[severity] = by_severity.get(severity, 0) + n
        by_stage[str(stage)] = by_stage.get(str(stage), 0) + n
        if str(stage) != Stage.CLOSED.value:
            open_ += n
    return {
        "total": total,
        "open": open_,
        "by_severity": dict(sorted(by_severity.items())),
        "by_stage": by_stage,
    }


# The one group of the overall figures (PostgreSQL refuses a constant in GROUP BY: none).
OVERALL: Any = literal_column("'all'")


def _summary(n: Any, mean: Any, median: Any, p90: Any) -> dict[str, float | int | None]:
    """The shape of `domain.metrics.summarize`, from SQL aggregates."""
    if not n:
        return m.summarize([])
    return {
        "count": int(n),
        "mean_seconds": round(float(mean), 3),
        # Values are whole milliseconds: a median is one, or halfway between two.
        "median_seconds": round(float(median), 4),
        "p90_seconds": float(p90),
    }


def _ordered_set(conn: Connection, key: Any, source: Any, conds: list[Any]) -> Any:
    """PostgreSQL: count, mean, median and the nearest-rank 90th percentile per group, with
    ordered-set aggregates (`percentile_disc(0.9)` is the nearest rank)."""
    columns = []
    for name in MEASURE_NAMES:
        col = F[name]
        columns += [
            func.count(col),
            func.avg(col),
            func.percentile_cont(0.5).within_group(col),
            func.percentile_disc(0.9).within_group(col),
        ]
    stmt = select(key.label("g"), *columns).select_from(source).where(*conds)
    if key is not OVERALL:
        stmt = stmt.group_by(key)
    for row in conn.execute(stmt):
        yield (
            row[0],
            {name: _summary(*row[1 + 4 * k : 5 + 4 * k]) for k, name in enumerate(MEASURE_NAMES)},
        )


def _ranked(conn: Connection, key: Any, source: Any, conds: list[Any]) -> Any:
    """Other databases: the same from ranks (window functions), one measure at a time."""
    out: dict[Any, dict[str, Any]] = {}
    for name in MEASURE_NAMES:
        col = F[name]
        ranked = (
            select(
                key.label("g"),
                col.label("v"),
                func.row_number().over(partition_by=key, order_by=(col.is_(None), col)).label("rn"),
                func.count(col).over(partition_by=key).label("n"),
            )
            .select_from(source)
            .where(*conds)
            .subquery()
        )
        r = ranked.c
        middle = or_(r.rn == (r.n + 1) // 2, r.rn == (r.n + 2) // 2)
        stmt = select(
            r.g,
            func.count(r.v),
            func.avg(r.v),
            func.avg(case((middle, r.v), else_=null())),
            func.max(case((r.rn == (9 * r.n + 9) // 10, r.v), else_=null())),
        ).group_by(r.g)
        for g, *values in conn.execute(stmt):
            out.setdefault(g, {})[name] = _summary(*values)
    return iter(out.items())


def _durations(conn: Connection, conds: list[Any], policy: Policy) -> dict[str, Any]:
    summaries = _ordered_set if conn.dialect.name == "postgresql" else _ranked
    by_service = incident_facts.outerjoin(
        incident_services, incident_services.c.incident_id == F.incident_id
    )
    dimensions = {
        "overall": (OVERALL, incident_facts),
        "severity": (F.severity, incident_facts),
        "month": (F.month, incident_facts),
        "service": (func.coalesce(incident_services.c.service, "(none)"), by_service),
    }
    ranks = {s.name: n for n, s in enumerate(policy.severities)}
    tables: dict[str, list[dict[str, Any]]] = {}
    for dimension, (key, source) in dimensions.items():
        groups = dict(summaries(conn, key, source, conds))
        if dimension == "severity":
            order = sorted(groups, key=lambda k: (ranks.get(k, len(ranks)), k))
        else:
            order = sorted(groups)
        tables[dimension] = [{"group": g, **groups[g]} for g in order]
    empty = {"group": "all", **{name: m.summarize([]) for name in MEASURE_NAMES}}
    return {
        "overall": tables["overall"][0] if tables["overall"] else empty,
        "by_severity": tables["severity"],
        "by_service": tables["service"],
        "by_month": tables["month"],
    }


def _tallies(conn: Connection, conds: list[Any], now: datetime) -> dict[str, Any]:
    """Update adherence per audience, retrospectives and follow-up counts: one pass of sums.

    An update still owed is one whose audience's next update was due (the last update in
    the window, or the declaration, plus cadence and grace) before the clock stopped
    (mitigated, resolved for observers, or now)."""
    at = literal(now, UTCDateTime())

    def count(*when: Any) -> Any:
        return func.coalesce(func.sum(case((and_(*when), 1), else_=0)), 0)

    def total(column: Any) -> Any:
        return func.coalesce(func.sum(column), 0)

    columns: dict[str, Any] = {}
    for aud in AUDIENCES:
        allowed = F[f"{aud}_allowed"]
        last = func.coalesce(F[f"{aud}_last_update_at"], F.declared_at)
        stop = func.coalesce(stop_column(aud, incident_facts), at)
        columns[f"{aud}_on_time"] = total(F[f"{aud}_on_time"])
        columns[f"{aud}_late"] = total(F[f"{aud}_late"])
        columns[f"{aud}_missed"] = count(
            allowed.is_not(None), epoch(last) + allowed + SLACK < epoch(stop)
        )
    held, due = F.retrospective_done_at, F.retrospective_due_at
    columns |= {
        "held_on_time": count(held.is_not(None), held <= due),
        "held_late": count(held.is_not(None), held > due),
        "breached": count(held.is_(None), due < at),
        "pending": count(held.is_(None), due >= at),
        "open": total(F.followups_open),
        "done": total(F.followups_done),
        "not_doing": total(F.followups_not_doing),
    }
    row = (
        conn.execute(select(*(value.label(name) for name, value in columns.items())).where(*conds))
        .one()
        ._mapping
    )
    updates = []
    for aud in AUDIENCES:
        tally = m.Adherence(
            on_time=int(row[f"{aud}_on_time"]),
            late=int(row[f"{aud}_late"]),
            missed=int(row[f"{aud}_missed"]),
        )
        updates.append({"audience": aud, **tally.as_dict()})
    retrospectives = m.RetrospectiveTally(
        *(int(row[k]) for k in ("held_on_time", "held_late", "breached", "pending"))
    )
    return {
        "updates": updates,
        "retrospectives": retrospectives.as_dict(),
        "followups": {k: int(row[k]) for k in ("open", "done", "not_doing")},
    }


def _followups(
    conn: Connection, conds: list[Any], now: datetime, counts: dict[str, int]
) -> dict[str, Any]:
    """Follow-up totals from the facts; the overdue ones (open, due before today) from the
    follow-ups themselves, since that changes with the date alone."""
    fu = followups.c
    overdue = conn.execute(
        select(func.count()).where(
            fu.status == FollowUpStatus.OPEN.value,
            fu.due < literal(now.date(), Date()),
            fu.incident_id.in_(select(F.incident_id).where(*conds)),
        )
    ).scalar_one()
    total = sum(counts.values())
    return {
        "total": total,
        "done": counts["done"],
        "not_doing": counts["not_doing"],
        "open": counts["open"],
        "overdue": int(overdue),
        "completion": m.ratio(counts["done"] + counts["not_doing"], total),
    }


def make_filter(
    *,
    policy: Policy,
    start: datetime | None = None,
    end: datetime | None = None,
    severities: Sequence[str] = (),
    service: str | None = None,
) -> MetricsFilter:
    """A filter checked against the policy; InvalidInput names the bad field."""
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(name, "needs a time zone, e.g. 2026-11-01T00:00:00Z")
    if start is not None and end is not None and end <= start:
        raise InvalidInput("to", f"{end.isoformat()} is not after from ({start.isoformat()})")
    for name in severities:
        policy.severity(name)
    return MetricsFilter(
        start=start, end=end, severities=tuple(severities), service=(service or "").strip() or None
    )


def report(
    engine: Engine,
    *,
    policy: Policy,
    now: datetime,
    viewer: Principal | None,
    start: datetime | None = None,
    end: datetime | None = None,
    severities: Sequence[str] = (),
    service: str | None = None,
) -> dict[str, Any]:
    """Check the filter, then compute the metrics `viewer` may see (API, console, CLI)."""
    f = make_filter(policy=policy, start=start, end=end, severities=severities, service=service)
    with engine.connect() as conn:
        return compute(conn, f, policy=policy, now=now, viewer=viewer)


def live_counts(conn: Connection, *, now: datetime) -> dict[str, Any]:
    """Open incidents and follow-ups over all history (drills and restricted ones left out)."""
    conds = _scope(MetricsFilter(), None)
    tallies = _tallies(conn, conds, now)
    open_ = conn.execute(
        select(func.count()).where(*conds, F.stage != Stage.CLOSED.value)
    ).scalar_one()
    return {"open": int(open_), "followups": _followups(conn, conds, now, tallies["followups"])}

"""The public status page's vocabulary: Statuspage-compatible statuses and how warroom maps
its stages, severities and impact windows onto them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from warroom.domain.enums import Stage
from warroom.domain.errors import InvalidInput


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"


class Impact(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class MaintenanceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


# Worst last: a component shows the worst status any cause gives it.
_COMPONENT_ORDER = list(ComponentStatus)
_IMPACT_ORDER = list(Impact)

STAGE_STATUS = {
    Stage.INVESTIGATING: IncidentStatus.INVESTIGATING,
    Stage.IDENTIFIED: IncidentStatus.IDENTIFIED,
    Stage.RESTORING: IncidentStatus.IDENTIFIED,
    Stage.MONITORING: IncidentStatus.MONITORING,
    Stage.MITIGATED: IncidentStatus.MONITORING,
    Stage.RESOLVED: IncidentStatus.RESOLVED,
    Stage.CLOSED: IncidentStatus.RESOLVED,
}

IMPACT_COMPONENT_STATUS = {
    Impact.NONE: ComponentStatus.OPERATIONAL,
    Impact.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Impact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Impact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}

_INDICATOR_DESCRIPTION = {
    Impact.NONE: "All Systems Operational",
    Impact.MINOR: "Minor Service Outage",
    Impact.MAJOR: "Partial System Outage",
    Impact.CRITICAL: "Major System Outage",
}

_COMPONENT_IMPACT = {
    ComponentStatus.OPERATIONAL: Impact.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Impact.NONE,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
}

# Minutes in these states count as downtime in the uptime figure.
DOWN = frozenset({ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.MAJOR_OUTAGE})


def parse_component_status(value: str, field: str = "status") -> ComponentStatus:
    try:
        return ComponentStatus(value)
    except ValueError:
        allowed = ", ".join(ComponentStatus)
        raise InvalidInput(field, f"{value!r} is not one of {allowed}") from None


def worst(statuses: Iterable[ComponentStatus]) -> ComponentStatus:
    return max(statuses, key=_COMPONENT_ORDER.index, default=ComponentStatus.OPERATIONAL)


def worst_impact(impacts: Iterable[Impact]) -> Impact:
    return max(impacts, key=_IMPACT_ORDER.index, default=Impact.NONE)


def impact_of(value: str) -> Impact:
    """The policy's `statuspage_impact` of a severity (unknown values count as minor)."""
    try:
        return Impact(value)
    except ValueError:
        return Impact.MINOR


def incident_status(stage: Stage, *, postmortem_published: bool) -> IncidentStatus:
    """The Statuspage status of an incident in `stage`."""
    status = STAGE_STATUS[stage]
    if status is IncidentStatus.RESOLVED and postmortem_published:
        return IncidentStatus.POSTMORTEM
    return status


def is_unresolved(status: IncidentStatus) -> bool:
    return status not in {IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM}


def maintenance_status(
    start: datetime, end: datetime, now: datetime, *, completed: bool = False
) -> MaintenanceStatus:
    if completed or now >= end:
        return MaintenanceStatus.COMPLETED
    return MaintenanceStatus.IN_PROGRESS if now >= start else MaintenanceStatus.SCHEDULED


def page_indicator(
    components: Iterable[ComponentStatus], incident_impacts: Iterable[Impact]
) -> tuple[str, str]:
    """Statuspage's `status.indicator` and `status.description` for the whole page."""
    listed = list(components)
    impact = worst_impact(
        [*(_COMPONENT_IMPACT[c] for c in listed), *incident_impacts],
    )
    if impact is Impact.NONE and ComponentStatus.UNDER_MAINTENANCE in listed:
        return "maintenance", "Service Under Maintenance"
    return str(impact), _INDICATOR_DESCRIPTION[impact]


@dataclass(frozen=True)
class ImpactWindow:
    """While an incident was felt by customers: detection until mitigation (or still open)."""

    start: datetime
    end: datetime | None
    status: ComponentStatus


@dataclass(frozen=True)
class UptimeDay:
    day: date
    status: ComponentStatus
    down_minutes: int
    degraded_minutes: int


def _merged(spans: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _minutes_within(spans: list[tuple[datetime, datetime]], lo: datetime, hi: datetime) -> int:
    total = timedelta()
    for start, end in spans:
        a, b = max(start, lo), min(end, hi)
        if b > a:
            total += b - a
    return round(total.total_seconds() / 60)


def uptime(
    windows: Sequence[ImpactWindow], *, now: datetime, days: int = 90
) -> tuple[list[UptimeDay], float]:
    """Per-day worst status over the last `days` UTC days, and the uptime percentage.

    Overlapping windows are merged, so two incidents at once are not counted twice.
    """
    now = now.astimezone(UTC)
    first = now.date() - timedelta(days=days - 1)
    closed = [(w.start.astimezone(UTC), (w.end or now).astimezone(UTC), w.status) for w in windows]
    down = _merged([(s, e) for s, e, st in closed if st in DOWN])
    degraded = _merged(
        [(s, e) for s, e, st in closed if st is ComponentStatus.DEGRADED_PERFORMANCE]
    )
    touched: set[date] = set()
    for start, end, _ in closed:
        if end.date() < first:
            continue
        day = max(start.date(), first)
        while day <= min(end.date(), now.date()):
            touched.add(day)
            day += timedelta(days=1)
    out: list[UptimeDay] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day not in touched:  # most days: nothing happened, nothing to compute
            out.append(UptimeDay(day, ComponentStatus.OPERATIONAL, 0, 0))
            continue
        lo = datetime(day.year, day.month, day.day, tzinfo=UTC)
        hi = min(lo + timedelta(days=1), now)
        hits = [st for s, e, st in closed if s < hi and e > lo]
        out.append(
            UptimeDay(
                day=day,
                status=worst(hits),
                down_minutes=_minutes_within(down, lo, hi),
                degraded_minutes=_minutes_within(degraded, lo, hi),
            )
        )
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    total = (now - start).total_seconds() / 60
    lost = sum(d.down_minutes for d in out)
    percent = 100.0 if total <= 0 else max(0.0, 100.0 * (1 - lost / total))
    return out, round(percent, 2)

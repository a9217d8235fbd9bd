"""What the process measures: milestone durations, update cadence and deadline adherence.

Pure functions over stored true times (so an incident recorded after the fact measures the
same as one run live). The read side (`warroom/metrics_queries.py`) feeds them rows.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# (name, from milestone, to milestone, definition). Acknowledgement is measured from the
# declaration (someone took it on); the others from detection, when the clock of impact
# started for the people who noticed it.
MEASURES: tuple[tuple[str, str, str, str], ...] = (
    (
        "mtta",
        "declared_at",
        "acknowledged_at",
        "time to acknowledge: declaration to the first commander or worker assigned "
        "(or a page acknowledged)",
    ),
    (
        "time_to_identify",
        "detected_at",
        "identified_at",
        "time to identify: detection to the cause identified (stage identified or later)",
    ),
    (
        "mttm",
        "detected_at",
        "mitigated_at",
        "time to mitigate: detection to customers no longer feeling impact (stage mitigated)",
    ),
    (
        "mttr",
        "detected_at",
        "resolved_at",
        "time to resolve: detection to the durable fix in place (stage resolved)",
    ),
)

DEFINITIONS: dict[str, str] = {name: text for name, _, _, text in MEASURES} | {
    "update_adherence": "share of status updates posted within the severity's cadence (plus "
    "its grace) of the previous update to that audience, or of the declaration for the "
    "first; an update still owed past its grace when the clock stopped (mitigated for "
    "internal and customers, resolved for observers, or now) counts as missed",
    "retrospective_adherence": "retrospectives held by their deadline, out of those held "
    "or past their deadline",
    "followup_completion": "follow-ups done or declined (not-doing), out of all",
    "followups_overdue": "open follow-ups whose due date has passed",
}


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from `start` to `end` (UTC arithmetic), None when either is missing."""
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def durations(row: Mapping[str, Any]) -> dict[str, float | None]:
    """Every measure of one incident from its milestone times."""
    return {name: seconds_between(row[a], row[b]) for name, a, b, _ in MEASURES}


def summarize(values: Iterable[float]) -> dict[str, float | int | None]:
    """Count, mean, median and 90th percentile (nearest rank) of some durations in seconds."""
    data = sorted(values)
    if not data:
        return {"count": 0, "mean_seconds": None, "median_seconds": None, "p90_seconds": None}
    rank = max(0, -(-9 * len(data) // 10) - 1)
    return {
        "count": len(data),
        "mean_seconds": round(statistics.fmean(data), 3),
        "median_seconds": float(statistics.median(data)),
        "p90_seconds": data[rank],
    }


@dataclass
class Adherence:
    """Updates of one audience: on time, late, and still owed when the clock stopped."""

    on_time: int = 0
    late: int = 0
    missed: int = 0

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missed

    def add(self, other: Adherence) -> None:
        self.on_time += other.on_time
        self.late += other.late
        self.missed += other.missed

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "on_time": self.on_time,
            "late": self.late,
            "missed": self.missed,
            "adherence": ratio(self.on_time, self.due),
        }


def update_adherence(
    *,
    start: datetime,
    stop: datetime,
    cadence: timedelta,
    grace: timedelta,
    updates: Iterable[datetime],
) -> Adherence:
    """Walk one audience's updates against its cadence from `start` until `stop`."""
    result = Adherence()
    due = start + cadence
    for at in sorted(updates):
        if at > stop:
            break
        if at <= due + grace:
            result.on_time += 1
        else:
            result.late += 1
        due = at + cadence
    if due + grace < stop:
        result.missed += 1
    return result


@dataclass
class RetrospectiveTally:
    held_on_time: int = 0
    held_late: int = 0
    breached: int = 0
    pending: int = 0

    def count(self, *, due_at: datetime, done_at: datetime | None, now: datetime) -> None:
        if done_at is not None:
            if done_at <= due_at:
                self.held_on_time += 1
            else:
                self.held_late += 1
        elif now > due_at:
            self.breached += 1
        else:
            self.pending += 1

    def as_dict(self) -> dict[str, Any]:
        judged = self.held_on_time + self.held_late + self.breached
        return {
            "held_on_time": self.held_on_time,
            "held_late": self.held_late,
            "breached": self.breached,
            "pending": self.pending,
            "adherence": ratio(self.held_on_time, judged),
        }


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None

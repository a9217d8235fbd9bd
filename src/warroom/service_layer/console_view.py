"""What the console shows beyond the API's incident view: update clocks per audience."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from warroom.domain.enums import Audience, Stage
from warroom.domain.policy import Policy

# Once the durable fix is in, the update cadence no longer runs.
_QUIET_STAGES = {Stage.RESOLVED.value, Stage.CLOSED.value}


def update_clocks(
    *,
    policy: Policy,
    now: datetime,
    severity: str,
    stage: str,
    declared_at: datetime,
    last_updates: dict[str, datetime | None],
    supplied: dict[str, Any] | None = None,
    only: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """Per audience: when the next update is due and whether it is overdue.

    `supplied` (due data already computed by the update-cadence timers, keyed by audience,
    each with `due_at` and optionally `overdue`) wins over the estimate from the policy's
    cadence and the last update.
    """
    if stage in _QUIET_STAGES:
        return []
    level = next((s for s in policy.severities if s.name == severity), None)
    if level is None:
        return []
    out: list[dict[str, Any]] = []
    for audience, span in level.cadence.items():
        if only is not None and str(audience) not in only:
            continue
        given = (supplied or {}).get(str(audience))
        if given and given.get("due_at"):
            due = given["due_at"]
            if isinstance(due, str):
                due = datetime.fromisoformat(due.replace("Z", "+00:00"))
        else:
            if span.is_working_days:
                continue
            base = last_updates.get(str(audience)) or declared_at
            due = base + timedelta(seconds=span.seconds)
        overdue = bool(given.get("overdue")) if given and "overdue" in given else now > due
        out.append(
            {
                "audience": str(audience),
                "cadence": str(span),
                "due_at": due,
                "seconds_left": int((due - now).total_seconds()),
                "overdue": overdue,
            }
        )
    order = list(Audience)
    out.sort(key=lambda c: order.index(Audience(c["audience"])))
    return out


def clocks_for_view(view: dict[str, Any], policy: Policy, now: datetime) -> list[dict[str, Any]]:
    return update_clocks(
        policy=policy,
        now=now,
        severity=view["severity"],
        stage=view["stage"],
        declared_at=view["declared_at"],
        last_updates=view["last_updates"],
        supplied=view.get("update_due"),
    )


def clocks_for_row(row: dict[str, Any], policy: Policy, now: datetime) -> list[dict[str, Any]]:
    return update_clocks(
        policy=policy,
        now=now,
        severity=row["severity"],
        stage=row["stage"],
        declared_at=row["declared_at"],
        last_updates={
            "internal": row.get("last_update_internal_at"),
            "customers": row.get("last_update_customers_at"),
            "observers": row.get("last_update_observers_at"),
        },
        supplied=row.get("update_due"),
        # The list carries the last internal and customer updates only.
        only=frozenset({"internal", "customers"}),
    )

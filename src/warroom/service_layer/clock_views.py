"""The clocks of an incident as JSON-able data: countdowns, overdue flags, pending timers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from warroom.adapters.orm.background import timers
from warroom.domain.due_clocks import RETROSPECTIVE
from warroom.domain.enums import FollowUpStatus
from warroom.domain.followups import FollowUp
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy


def updates_view(incident: Incident, policy: Policy) -> dict[str, dict[str, Any]]:
    """Each running update cadence: when the next update is due, and whether it is overdue."""
    level = incident.level(policy)
    out: dict[str, dict[str, Any]] = {}
    for clock in incident.clocks:
        audience = clock.audience
        if audience is None:
            continue
        every = level.cadence.get(audience) if level else None
        out[str(audience)] = {
            "every": str(every) if every else None,
            "due_at": clock.due_at,
            "promised": clock.promised_at is not None and clock.promised_at == clock.due_at,
            "counting_from": clock.base_at,
            "reminded_at": clock.reminded_at,
            "overdue": clock.overdue_at is not None,
            "overdue_since": clock.overdue_at,
        }
    return out


def retrospective_view(incident: Incident, policy: Policy) -> dict[str, Any] | None:
    clock = incident.due_clock(RETROSPECTIVE)
    if clock is None:
        return None
    level = incident.level(policy)
    within = level.retrospective_within if level else None
    return {
        "within": str(within) if within else None,
        "due_at": clock.due_at,
        "reminded_at": clock.reminded_at,
        "held_at": clock.done_at,
        "breached": clock.overdue_at is not None,
        "breached_at": clock.overdue_at,
    }


def followup_overdue(followup: FollowUp, policy: Policy, now: datetime) -> bool:
    """Open and past its due date (in the organisation's calendar)."""
    return (
        followup.status is FollowUpStatus.OPEN
        and followup.due is not None
        and followup.due < policy.calendar.local_date(now)
    )


def clock_fields(incident: Incident, policy: Policy, now: datetime) -> dict[str, Any]:
    """The clock fields of the incident view."""
    updates = updates_view(incident, policy)
    return {
        "updates": updates,
        "update_overdue": sorted(a for a, u in updates.items() if u["overdue"]),
        "retrospective": retrospective_view(incident, policy),
        "followups_overdue": [
            f.number for f in incident.followups if followup_overdue(f, policy, now)
        ],
    }


def clock_label(kind: str) -> str:
    """'clock.update' → 'update'; 'page.held' → 'held-page'."""
    if kind.startswith("clock."):
        return kind.removeprefix("clock.")
    return "held-page" if kind == "page.held" else kind


def pending_clocks(conn: Connection, number: int) -> list[dict[str, Any]]:
    """Every timer of the incident, soonest first (dead ones flagged)."""
    t = timers.c
    rows = conn.execute(
        select(t.key, t.kind, t.due_at, t.payload, t.attempts, t.last_error, t.dead_at)
        .where(t.incident_id == number)
        .order_by(t.due_at, t.id)
    )
    return [
        {
            "kind": clock_label(r.kind),
            "key": r.key,
            "due_at": r.due_at,
            "detail": {k: v for k, v in dict(r.payload).items() if k not in {"body"}},
            "attempts": r.attempts,
            "last_error": r.last_error,
            "dead": r.dead_at is not None,
        }
        for r in rows
    ]

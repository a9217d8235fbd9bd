"""Quiet hours: a page goes now, or is held until the person wakes, or goes to someone awake.

Features that page call `page_person` (the SME cycle, severity escalation) or, for one
person, `paging.deliver_page` (escalation policies, the declaration checklist); both
decide with the domain's `decide_page` and deliver through the outbox, or hold the page
in a durable timer until the person's waking hours begin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warroom.domain.enums import PagingMode, QuietHours
from warroom.domain.paging import PageDecision, decide_page
from warroom.service_layer.messagebus import Context
from warroom.service_layer.notify import notify_person
from warroom.service_layer.unit_of_work import UnitOfWork

HELD_PAGE = "page.held"


def choose_recipient(
    uow: UnitOfWork, ctx: Context, handles: Sequence[str], *, severity: str
) -> PageDecision:
    """Whom to page, and when, under `severity`'s paging mode and quiet-hours choice."""
    level = next((s for s in ctx.policy.severities if s.name == severity), None)
    mode = level.paging if level else PagingMode.ALWAYS
    quiet = level.quiet_hours if level else QuietHours.HOLD
    people = [uow.directory.person_or_default(h) for h in handles]
    return decide_page(people, mode=mode, quiet_hours=quiet, at=ctx.clock.now())


def deliver_decision(
    uow: UnitOfWork,
    ctx: Context,
    decision: PageDecision,
    *,
    key: str,
    subject: str,
    body: str,
    incident_ref: str | None = None,
    payload: dict[str, Any] | None = None,
) -> list[str]:
    """Send the page now, or hold it in a timer until `decision.deliver_at`."""
    now = ctx.clock.now()
    if decision.deliver_at <= now:
        return notify_person(
            uow,
            ctx,
            decision.person,
            key=key,
            subject=subject,
            body=body,
            incident_ref=incident_ref,
            urgent=True,
            payload=payload,
        )
    uow.timers.schedule(
        f"page:{key}",
        kind=HELD_PAGE,
        due_at=decision.deliver_at,
        now=now,
        payload={
            "person": decision.person,
            "key": key,
            "subject": subject,
            "body": body,
            "extra": payload or {},
        },
        incident_ref=incident_ref,
    )
    return []


def page_person(
    uow: UnitOfWork,
    ctx: Context,
    handle: str,
    *,
    key: str,
    subject: str,
    body: str,
    severity: str,
    incident_ref: str | None = None,
    alternates: Sequence[str] = (),
) -> PageDecision:
    """Page `handle` (or, at night under `quiet_hours = "next"`, the first awake of
    `alternates`); returns whom and when."""
    decision = choose_recipient(uow, ctx, [handle, *alternates], severity=severity)
    deliver_decision(
        uow, ctx, decision, key=key, subject=subject, body=body, incident_ref=incident_ref
    )
    return decision


def describe(uow: UnitOfWork, decision: PageDecision) -> str:
    """'paged', 'page held until Tue 08:00 CET (their waking hours)', 'asleep: …'."""
    text = "paged"
    if decision.held:
        person = uow.directory.person_or_default(decision.person)
        local = person.local(decision.deliver_at).strftime("%a %d %b %H:%M %Z")
        text = f"page held until {local}, the start of their waking hours"
    if decision.passed_over:
        text += f" (asleep, passed over: {', '.join(decision.passed_over)})"
    return text

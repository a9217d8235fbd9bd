"""Pages: sent through escalation policies, escalated by a durable timer until acknowledged.

Every page to one person goes through `deliver_page`, the one place where such a page
leaves warroom; for an incident's page, quiet hours (`quiet_hours.py`) may hold it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.domain.background import DueTimer
from warroom.domain.enums import Visibility
from warroom.domain.errors import NotFound
from warroom.domain.escalation import (
    EscalationLevel,
    EscalationPolicy,
    Page,
    PageStatus,
    Target,
    TargetKind,
)
from warroom.service_layer.messagebus import Context
from warroom.service_layer.notify import notify_person
from warroom.service_layer.oncall import on_call
from warroom.service_layer.page_links import ack_url
from warroom.service_layer.quiet_hours import choose_recipient, deliver_decision
from warroom.service_layer.unit_of_work import UnitOfWork

PAGE_TIMER = "page-escalate"


def timer_key(page_id: int) -> str:
    return f"page:{page_id}"


def deliver_page(
    uow: UnitOfWork,
    ctx: Context,
    person: str,
    *,
    key: str,
    subject: str,
    body: str,
    incident_ref: str | None = None,
    severity: str | None = None,
    payload: dict[str, Any] | None = None,
) -> list[str]:
    """Page one person: the single delivery path of escalation and declaration pages.

    Someone paged through an escalation policy or a rotation is on call and is paged at
    any hour (no `severity`). A page to someone who is not on call (a team member paged
    directly) passes the incident's `severity`, and quiet hours apply: a page the
    severity's paging mode would not send at night is held until the person's waking
    hours. Returns the channels used now (none when held).
    """
    if severity is None:
        return notify_person(
            uow,
            ctx,
            person,
            key=key,
            subject=subject,
            body=body,
            incident_ref=incident_ref,
            urgent=True,
            payload=payload,
        )
    decision = choose_recipient(uow, ctx, [person], severity=severity)
    return deliver_decision(
        uow,
        ctx,
        decision,
        key=key,
        subject=subject,
        body=body,
        incident_ref=incident_ref,
        payload=payload,
    )


def service_policy(uow: UnitOfWork, service_name: str | None) -> EscalationPolicy | None:
    """The escalation for a service: its named policy, else its schedule then its team."""
    if service_name is None:
        return None
    service = uow.directory.service(service_name)
    if service is None:
        return None
    if service.escalation_policy:
        named = uow.oncall.policy(service.escalation_policy)
        if named is not None:
            return named
    levels = []
    if service.schedule:
        levels.append(EscalationLevel((Target(TargetKind.SCHEDULE, service.schedule),)))
    if service.team:
        levels.append(EscalationLevel((Target(TargetKind.TEAM, service.team),)))
    if not levels:
        return None
    return EscalationPolicy(name="", levels=tuple(levels))


def policy_of(uow: UnitOfWork, page: Page) -> EscalationPolicy | None:
    if page.policy:
        return uow.oncall.policy(page.policy)
    return service_policy(uow, page.service)


def resolve_targets(uow: UnitOfWork, targets: tuple[Target, ...], at: datetime) -> list[str]:
    """The people a level pages now: persons, whoever is on call, a team's members."""
    people: list[str] = []
    for target in targets:
        if target.kind is TargetKind.PERSON:
            found = [target.name]
        elif target.kind is TargetKind.SCHEDULE:
            person = on_call(uow, target.name, at)
            found = [person] if person else []
        else:
            team = uow.directory.team(target.name)
            found = list(team.members) if team else []
        people.extend(p for p in found if p not in people)
    return people


def start_page(
    uow: UnitOfWork,
    ctx: Context,
    *,
    summary: str,
    policy: EscalationPolicy | None,
    service: str | None = None,
    alert_id: int | None = None,
    incident_ref: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Page | None:
    """Open a page and send its first level; None when there is nobody to page."""
    if policy is None or not policy.levels:
        return None
    page = Page(
        id=0,
        summary=summary,
        policy=policy.name or None,
        created_at=ctx.clock.now(),
        service=service,
        alert_id=alert_id,
        incident_ref=incident_ref,
    )
    uow.oncall.add_page(page)
    send_level(uow, ctx, page, policy, payload=payload)
    uow.oncall.save_page(page)
    return page


def send_level(
    uow: UnitOfWork,
    ctx: Context,
    page: Page,
    policy: EscalationPolicy,
    *,
    payload: dict[str, Any] | None = None,
) -> None:
    """Page everyone of the page's current level, then wait for the level's time."""
    now = ctx.clock.now()
    level = policy.levels[page.level]
    people = resolve_targets(uow, level.targets, now)
    where = f" ({page.incident_ref})" if page.incident_ref else ""
    for person in people:
        link = ack_url(ctx, page.id, person)
        body = f"{page.summary}{where}\nAcknowledge: {link}" if link else page.summary + where
        channels = deliver_page(
            uow,
            ctx,
            person,
            key=f"page:{page.id}:{page.round}:{page.level}:{person}",
            subject=f"[warroom page {page.id}] {page.summary}"[:900],
            body=body,
            incident_ref=page.incident_ref,
            payload=payload,
        )
        page.paged.append(
            {
                "person": person,
                "level": page.level,
                "round": page.round,
                "at": now.isoformat(),
                "via": channels,
            }
        )
    if not people:
        page.paged.append(
            {"person": None, "level": page.level, "round": page.round, "at": now.isoformat()}
        )
    uow.timers.schedule(
        timer_key(page.id),
        kind=PAGE_TIMER,
        due_at=now + level.wait,
        now=now,
        payload={"page": page.id},
        incident_ref=page.incident_ref,
    )


def acknowledge_page(uow: UnitOfWork, ctx: Context, page_id: int, *, by: str) -> Page:
    """Acknowledge a page (and its alert): escalation stops."""
    page = uow.oncall.page(page_id)
    if page is None:
        raise NotFound("page", str(page_id))
    now = ctx.clock.now()
    if page.acknowledge(by, now):
        uow.oncall.save_page(page)
        uow.timers.cancel(timer_key(page.id))
        if page.alert_id is not None:
            alert = uow.alerts.get(page.alert_id, lock=True)
            if alert is not None and alert.acknowledged_at is None:
                uow.alerts.update(alert.id, status="acknowledged", acknowledged_at=now)
        if page.incident_ref:
            incident = uow.incidents.get(page.incident_ref)
            incident.record_event(
                f"Page {page.id} acknowledged by {by}", by=by, now=now, data={"page": page.id}
            )
            # Whoever answers the page for a restricted incident is one of its people: the
            # page carried no details, and they need to see what they were woken for.
            if incident.visibility is Visibility.RESTRICTED and uow.incidents.add_member(
                incident.number, by, by=by, now=now
            ):
                incident.note_system(
                    f"{by} added as a member: acknowledged page {page.id}", now=now, by=by
                )
    return page


def resolve_page(uow: UnitOfWork, ctx: Context, page_id: int) -> None:
    page = uow.oncall.page(page_id)
    if page is not None and page.resolve(ctx.clock.now()):
        uow.oncall.save_page(page)
        uow.timers.cancel(timer_key(page.id))


def escalate(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    """Timer: nobody acknowledged in time; page the next level (or the next round)."""
    page = uow.oncall.page(int(timer.payload["page"]))
    if page is None or page.status is not PageStatus.TRIGGERED:
        return
    policy = policy_of(uow, page)
    if policy is not None and page.level >= len(policy.levels):
        page.level = len(policy.levels) - 1  # the policy lost levels since the last page
    if policy is None or not policy.levels or not page.advance(policy):
        if page.status is PageStatus.TRIGGERED:
            page.status = PageStatus.EXHAUSTED
        uow.oncall.save_page(page)
        return
    send_level(uow, ctx, page, policy)
    uow.oncall.save_page(page)

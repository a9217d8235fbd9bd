"""Alert intake: deduplicate each event on its fingerprint, damp flapping, apply the rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from warroom.domain import commands
from warroom.domain.alerts import (
    Alert,
    AlertEvent,
    AlertRule,
    AlertStatus,
    EventAction,
    RuleAction,
    Transition,
    choose_rule,
    transition,
)
from warroom.domain.background import DueTimer
from warroom.domain.errors import NotFound, RuleViolation
from warroom.domain.oncall_commands import AcknowledgeAlert, IngestAlerts, ResolveAlert
from warroom.service_layer.handlers.incidents import declare_incident
from warroom.service_layer.messagebus import CommandHandler, Context
from warroom.service_layer.paging import (
    acknowledge_page,
    resolve_page,
    service_policy,
    start_page,
)
from warroom.service_layer.unit_of_work import UnitOfWork

SETTLE_TIMER = "alert-settle"


def ingest_alerts(cmd: IngestAlerts, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    # Locks in fingerprint order (as the group-commit writer orders commands), so that
    # concurrent writers never wait on each other in a cycle; events of one fingerprint
    # keep their order. Results are reported in the order the events came.
    order = sorted(range(len(cmd.events)), key=lambda i: cmd.events[i].fingerprint)
    results: dict[int, dict[str, Any]] = {}
    for i in order:
        results[i] = _ingest(cmd, cmd.events[i], uow=uow, ctx=ctx)
    return {"alerts": [results[i] for i in range(len(cmd.events))]}


def _ingest(
    cmd: IngestAlerts, event: AlertEvent, *, uow: UnitOfWork, ctx: Context
) -> dict[str, Any]:
    now = ctx.clock.now()
    if event.action is EventAction.TRIGGER:
        repeated = uow.alerts.count_repeat(cmd.integration_id, event.fingerprint, now)
        if repeated is not None:  # the common case, in one statement
            return {"fingerprint": event.fingerprint, "alert": repeated, "outcome": "repeat"}
        # No open alert: most likely a new one. The insert fails only if a resolved alert
        # still holds the fingerprint (flap damping decides) or another writer won the race.
        created = _create(cmd, event, uow=uow, ctx=ctx, now=now)
        if created is not None:
            return {"fingerprint": event.fingerprint, "alert": created.id, "outcome": "new"}
    damping = ctx.policy.alert_damping
    for _attempt in range(3):
        alert = uow.alerts.current(cmd.integration_id, event.fingerprint)
        step = transition(alert.state if alert else None, event.action, now, damping)
        if step in (Transition.NEW, Transition.RECURRED):
            if alert is not None:
                uow.alerts.retire(alert.id)
            created = _create(cmd, event, uow=uow, ctx=ctx, now=now)
            if created is None:
                continue  # another process inserted it between our read and our insert
            return {"fingerprint": event.fingerprint, "alert": created.id, "outcome": str(step)}
        assert alert is not None or step is Transition.IGNORED
        if alert is not None:
            _apply(step, alert, uow=uow, ctx=ctx, now=now, by=cmd.integration)
        return {
            "fingerprint": event.fingerprint,
            "alert": alert.id if alert else None,
            "outcome": str(step),
        }
    raise RuleViolation("alerts.contention", f"alert {event.fingerprint!r} kept changing; retry")


def _service_for(cmd: IngestAlerts, event: AlertEvent, uow: UnitOfWork) -> str | None:
    named = event.labels.get("service")
    if named and uow.directory.service(named) is not None:
        return named
    return cmd.service


def _create(
    cmd: IngestAlerts, event: AlertEvent, *, uow: UnitOfWork, ctx: Context, now: datetime
) -> Alert | None:
    service = _service_for(cmd, event, uow)
    rule = choose_rule(ctx.policy.alert_rules, service, event.labels)
    action = _default_action(uow, service) if rule is None else rule.action
    alert = Alert(
        id=0,
        integration_id=cmd.integration_id,
        fingerprint=event.fingerprint,
        status=AlertStatus.FIRING,
        title=event.title[:2000],
        started_at=min(event.started_at or now, now),
        last_seen_at=now,
        severity=event.severity,
        service=service,
        source=event.source,
        url=event.url,
        labels=dict(event.labels),
        annotations=dict(event.annotations),
        rule=rule.name if rule else None,
        action=str(action),
    )
    new_id = uow.alerts.insert(alert, now=now)
    if new_id is None:
        return None
    alert.id = new_id
    if cmd.drill_ref is not None:
        _drill(alert, action, cmd, uow=uow, now=now)
    else:
        _act(alert, action, rule, uow=uow, ctx=ctx, now=now, by=cmd.integration)
    return alert


def _default_action(uow: UnitOfWork, service: str | None) -> RuleAction:
    """With no matching rule: page when the service has someone to page, else record."""
    return RuleAction.PAGE if service_policy(uow, service) is not None else RuleAction.ALERT


def _act(
    alert: Alert,
    action: RuleAction,
    rule: AlertRule | None,
    *,
    uow: UnitOfWork,
    ctx: Context,
    now: datetime,
    by: str,
) -> None:
    """What a new alert does: record, page, declare an incident, or join the open one."""
    if action is RuleAction.ALERT:
        return
    if action is RuleAction.ATTACH:
        ref = uow.alerts.open_incident_for_service(alert.service) if alert.service else None
        if ref is not None:
            _attach(alert, ref, uow=uow, now=now, by=by)
            return
        action = RuleAction.INCIDENT if rule and rule.severity else RuleAction.PAGE
    if action is RuleAction.INCIDENT:
        assert rule is not None
        assert rule.severity is not None
        declared = declare_incident(
            commands.DeclareIncident(
                title=alert.title[: ctx.policy.limits.title],
                severity=rule.severity,
                by=f"alert:{by}",
                services=(alert.service,) if alert.service else (),
                detected_at=alert.started_at,
                force=True,
            ),
            uow=uow,
            ctx=ctx,
        )
        uow.flush()  # the service index, so the next alert of this service attaches to it
        _attach(alert, declared["ref"], uow=uow, now=now, by=by)
    policy = service_policy(uow, alert.service)
    if rule is not None and rule.escalation_policy:
        policy = uow.oncall.policy(rule.escalation_policy) or policy
    page = start_page(
        uow,
        ctx,
        summary=alert.title[:500],
        policy=policy,
        service=alert.service,
        alert_id=alert.id,
        incident_ref=alert.incident_ref,
    )
    if page is not None:
        alert.page_id = page.id
        uow.alerts.update(alert.id, page_id=page.id)


def _drill(
    alert: Alert, action: RuleAction, cmd: IngestAlerts, *, uow: UnitOfWork, now: datetime
) -> None:
    """A drill's alert joins its drill and pages nobody; the entry says what a real one
    would have done, so the team practises with the rule as it stands."""
    assert cmd.drill_ref is not None
    would = _WOULD[action] + (f" (rule {alert.rule})" if alert.rule else "")
    _attach(
        alert,
        cmd.drill_ref,
        uow=uow,
        now=now,
        by=cmd.integration,
        extra={**cmd.drill_data, "would": str(action)},
        suffix=f" [drill: a real alert {would}; nobody paged]",
    )


_WOULD = {
    RuleAction.ALERT: "would be recorded only",
    RuleAction.PAGE: "would page the service's escalation policy",
    RuleAction.INCIDENT: "would declare an incident and page",
    RuleAction.ATTACH: "would join the open incident of its service",
}


def _attach(
    alert: Alert,
    ref: str,
    *,
    uow: UnitOfWork,
    now: datetime,
    by: str,
    extra: Mapping[str, object] | None = None,
    suffix: str = "",
) -> None:
    alert.incident_ref = ref
    uow.alerts.update(alert.id, incident_ref=ref)
    # Just declared in this unit of work: use it rather than query (and flush) again.
    incident = next((i for i in uow.incidents.seen if i.ref == ref), None) or uow.incidents.get(ref)
    incident.record_alert(
        f"Alert firing: {alert.title}{suffix}",
        by=f"alert:{by}",
        now=now,
        occurred_at=alert.started_at,
        data={**(extra or {}), "alert": alert.id, "fingerprint": alert.fingerprint},
    )


def _apply(
    step: Transition,
    alert: Alert,
    *,
    uow: UnitOfWork,
    ctx: Context,
    now: datetime,
    by: str,
) -> None:
    """Effects of an event on an existing alert."""
    if step is Transition.REPEAT:
        uow.alerts.repeat(alert.id, now)
    elif step is Transition.REOPENED:
        flaps = alert.flaps + 1
        flapping = flaps >= ctx.policy.alert_damping.threshold
        uow.alerts.update(
            alert.id,
            status=AlertStatus.FIRING,
            count=alert.count + 1,
            flaps=flaps,
            flapping=flapping,
            last_seen_at=now,
            ended_at=None,
            resolve_held_at=None,
        )
        if flapping and not alert.flapping and alert.incident_ref:
            _note(alert, f"Alert flapping ({flaps} re-fires): {alert.title}", uow, now, by)
    elif step is Transition.RESOLVED:
        _close(alert, uow=uow, ctx=ctx, now=now, by=by)
    elif step is Transition.RESOLVE_HELD:
        uow.alerts.update(alert.id, resolve_held_at=now)
        uow.timers.schedule(
            f"alert:{alert.id}:settle",
            kind=SETTLE_TIMER,
            due_at=now + ctx.policy.alert_damping.window,
            now=now,
            payload={"alert": alert.id},
        )
    elif step is Transition.ACKNOWLEDGED:
        uow.alerts.update(alert.id, status=AlertStatus.ACKNOWLEDGED, acknowledged_at=now)
        if alert.page_id is not None:
            acknowledge_page(uow, ctx, alert.page_id, by=f"alert:{by}")


def _close(alert: Alert, *, uow: UnitOfWork, ctx: Context, now: datetime, by: str) -> None:
    uow.alerts.update(alert.id, status=AlertStatus.RESOLVED, ended_at=now, resolve_held_at=None)
    if alert.page_id is not None:
        resolve_page(uow, ctx, alert.page_id)
    if alert.incident_ref:
        _note(alert, f"Alert resolved: {alert.title}", uow, now, by)


def _note(alert: Alert, text: str, uow: UnitOfWork, now: datetime, by: str) -> None:
    assert alert.incident_ref is not None
    incident = uow.incidents.get(alert.incident_ref)
    if incident.is_open:
        incident.record_alert(text, by=f"alert:{by}", now=now, data={"alert": alert.id})


def settle(timer: DueTimer, *, uow: UnitOfWork, ctx: Context) -> None:
    """Timer: a flapping alert that stayed resolved for a whole window is closed."""
    alert = uow.alerts.get(int(timer.payload["alert"]), lock=True)
    if alert is None or alert.resolve_held_at is None or alert.status is AlertStatus.RESOLVED:
        return
    if alert.last_seen_at > alert.resolve_held_at:
        return  # it fired again after the resolve: still flapping
    _close(replace(alert), uow=uow, ctx=ctx, now=ctx.clock.now(), by="flap-damping")


def _alert_or_404(uow: UnitOfWork, alert_id: int) -> Alert:
    alert = uow.alerts.get(alert_id, lock=True)
    if alert is None:
        raise NotFound("alert", str(alert_id))
    return alert


def acknowledge_alert(cmd: AcknowledgeAlert, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    alert = _alert_or_404(uow, cmd.alert_id)
    if alert.status is AlertStatus.FIRING:
        uow.alerts.update(
            alert.id, status=AlertStatus.ACKNOWLEDGED, acknowledged_at=ctx.clock.now()
        )
        if alert.page_id is not None:
            acknowledge_page(uow, ctx, alert.page_id, by=cmd.by)
    return {"alert": alert.id}


def resolve_alert(cmd: ResolveAlert, *, uow: UnitOfWork, ctx: Context) -> dict[str, Any]:
    alert = _alert_or_404(uow, cmd.alert_id)
    if alert.status is not AlertStatus.RESOLVED:
        _close(alert, uow=uow, ctx=ctx, now=ctx.clock.now(), by=cmd.by)
    return {"alert": alert.id}


COMMAND_HANDLERS: dict[type[commands.Command], CommandHandler] = {
    IngestAlerts: ingest_alerts,
    AcknowledgeAlert: acknowledge_alert,
    ResolveAlert: resolve_alert,
}

"""Alerts: normalised events from monitoring, deduplicated by fingerprint, and the rules
that decide what an alert does (record it, page, declare an incident, attach to one).

Flapping (an alert that resolves and fires again and again) is damped:

1. a resolve closes an open alert, unless the alert is flapping;
2. a firing within `flap_window` after the alert resolved reopens the SAME alert
   (its `flaps` count goes up) and pages or declares nothing new;
3. after `flap_threshold` reopenings the alert is *flapping*: a resolve no longer closes
   it; it closes once it has stayed resolved for a whole `flap_window` (a timer checks);
4. a firing later than `flap_window` after the alert resolved is a new alert.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class EventAction(StrEnum):
    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class AlertStatus(StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class RuleAction(StrEnum):
    ALERT = "alert"  # record only
    PAGE = "page"  # page through the service's escalation policy
    INCIDENT = "incident"  # declare an incident of the rule's severity
    ATTACH = "attach"  # attach to the service's open incident (else the fallback)


@dataclass(frozen=True)
class AlertEvent:
    """One alert notification, whatever format it came in."""

    fingerprint: str
    action: EventAction
    title: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    severity: str | None = None
    source: str | None = None
    url: str | None = None
    started_at: datetime | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertRule:
    """Alerts of these services with these labels get this action; the first match wins."""

    name: str
    action: RuleAction
    services: frozenset[str] | None = None
    match: Mapping[str, str] = field(default_factory=dict)
    match_re: Mapping[str, str] = field(default_factory=dict)
    severity: str | None = None  # of the incident declared (incident, attach fallback)
    escalation_policy: str | None = None  # instead of the service's own

    def matches(self, service: str | None, labels: Mapping[str, str]) -> bool:
        if self.services is not None and service not in self.services:
            return False
        if any(labels.get(k) != v for k, v in self.match.items()):
            return False
        return all(re.fullmatch(p, labels.get(k, "")) for k, p in self.match_re.items())


def choose_rule(
    rules: tuple[AlertRule, ...], service: str | None, labels: Mapping[str, str]
) -> AlertRule | None:
    return next((r for r in rules if r.matches(service, labels)), None)


@dataclass(frozen=True)
class FlapDamping:
    window: timedelta = timedelta(minutes=15)
    threshold: int = 3


class Transition(StrEnum):
    NEW = "new"  # first firing: apply the rules
    REPEAT = "repeat"  # the same open alert fired again: count it
    REOPENED = "reopened"  # fired again soon after resolving: flap, nothing paged
    RESOLVED = "resolved"
    RESOLVE_HELD = "resolve-held"  # resolved while flapping: closes after a quiet window
    ACKNOWLEDGED = "acknowledged"
    RECURRED = "recurred"  # fired long after resolving: a new alert
    IGNORED = "ignored"  # an acknowledge or resolve for nothing open


@dataclass(frozen=True)
class AlertState:
    """What deduplication needs to know of the stored alert with the same fingerprint."""

    status: AlertStatus
    ended_at: datetime | None
    flaps: int
    flapping: bool


def transition(
    state: AlertState | None, action: EventAction, now: datetime, damping: FlapDamping
) -> Transition:
    """What an incoming event does to the stored alert with its fingerprint (see module doc)."""
    if state is None:
        return Transition.NEW if action is EventAction.TRIGGER else Transition.IGNORED
    resolved = state.status is AlertStatus.RESOLVED
    if action is EventAction.TRIGGER:
        if not resolved:
            return Transition.REPEAT
        recent = state.ended_at is not None and now - state.ended_at < damping.window
        return Transition.REOPENED if recent else Transition.RECURRED
    if resolved:
        return Transition.IGNORED
    if action is EventAction.ACKNOWLEDGE:
        if state.status is AlertStatus.ACKNOWLEDGED:
            return Transition.IGNORED
        return Transition.ACKNOWLEDGED
    return Transition.RESOLVE_HELD if state.flapping else Transition.RESOLVED


@dataclass
class Alert:
    """A stored alert: one fingerprint's occurrence, with how often it fired."""

    id: int
    integration_id: int
    fingerprint: str
    status: AlertStatus
    title: str
    started_at: datetime
    last_seen_at: datetime
    count: int = 1
    severity: str | None = None
    service: str | None = None
    source: str | None = None
    url: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    rule: str | None = None
    action: str | None = None
    flaps: int = 0
    flapping: bool = False
    incident_ref: str | None = None
    page_id: int | None = None
    acknowledged_at: datetime | None = None
    ended_at: datetime | None = None
    resolve_held_at: datetime | None = None

    @property
    def state(self) -> AlertState:
        return AlertState(self.status, self.ended_at, self.flaps, self.flapping)

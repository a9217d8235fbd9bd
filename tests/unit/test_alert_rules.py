"""Alert transitions (dedup, flap damping), rule matching, and the policy's alert keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.policy_helpers import policy_with
from warroom.adapters.alert_formats import PayloadError, dig, parse_generic
from warroom.adapters.policy_file import PolicyError
from warroom.domain.alerts import (
    AlertRule,
    AlertState,
    AlertStatus,
    EventAction,
    FlapDamping,
    RuleAction,
    Transition,
    choose_rule,
    transition,
)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
DAMP = FlapDamping(window=timedelta(minutes=15), threshold=3)


def state(
    status: AlertStatus, ended_minutes_ago: int | None = None, flapping: bool = False
) -> AlertState:
    ended = NOW - timedelta(minutes=ended_minutes_ago) if ended_minutes_ago is not None else None
    return AlertState(status, ended, 0, flapping)


@pytest.mark.parametrize(
    ("current", "action", "expected"),
    [
        (None, EventAction.TRIGGER, Transition.NEW),
        (None, EventAction.RESOLVE, Transition.IGNORED),
        (state(AlertStatus.FIRING), EventAction.TRIGGER, Transition.REPEAT),
        (state(AlertStatus.ACKNOWLEDGED), EventAction.TRIGGER, Transition.REPEAT),
        (state(AlertStatus.FIRING), EventAction.RESOLVE, Transition.RESOLVED),
        (state(AlertStatus.FIRING, flapping=True), EventAction.RESOLVE, Transition.RESOLVE_HELD),
        (state(AlertStatus.FIRING), EventAction.ACKNOWLEDGE, Transition.ACKNOWLEDGED),
        (state(AlertStatus.ACKNOWLEDGED), EventAction.ACKNOWLEDGE, Transition.IGNORED),
        (state(AlertStatus.RESOLVED, 5), EventAction.TRIGGER, Transition.REOPENED),
        (state(AlertStatus.RESOLVED, 20), EventAction.TRIGGER, Transition.RECURRED),
        (state(AlertStatus.RESOLVED, 5), EventAction.RESOLVE, Transition.IGNORED),
    ],
)
def test_transitions(current: AlertState | None, action: EventAction, expected: Transition) -> None:
    assert transition(current, action, NOW, DAMP) is expected


def test_first_matching_rule_wins() -> None:
    rules = (
        AlertRule("db", RuleAction.PAGE, services=frozenset({"db"})),
        AlertRule("crit", RuleAction.INCIDENT, match={"severity": "critical"}, severity="sev1"),
        AlertRule("warn", RuleAction.ATTACH, match_re={"severity": "warn(ing)?"}),
    )
    assert choose_rule(rules, "db", {"severity": "critical"}).name == "db"  # type: ignore[union-attr]
    assert choose_rule(rules, "web", {"severity": "critical"}).name == "crit"  # type: ignore[union-attr]
    assert choose_rule(rules, "web", {"severity": "warning"}).name == "warn"  # type: ignore[union-attr]
    assert choose_rule(rules, "web", {"severity": "warnings"}) is None  # full match only
    assert choose_rule(rules, None, {}) is None


def test_policy_alert_keys_are_validated() -> None:
    policy = policy_with('[[alert_rules]]\nname = "x"\naction = "incident"\nseverity = "sev2"\n')
    assert policy.alert_rules[0].severity == "sev2"
    assert policy.alert_damping.window == timedelta(minutes=15)
    with pytest.raises(
        PolicyError, match=r"alert_rules\[0\]\.severity: an 'incident' rule needs a severity"
    ):
        policy_with('[[alert_rules]]\nname = "x"\naction = "incident"\n')
    with pytest.raises(PolicyError, match=r"alert_rules\[0\]\.severity: unknown severity 'sev9'"):
        policy_with('[[alert_rules]]\nname = "x"\naction = "page"\nseverity = "sev9"\n')
    with pytest.raises(PolicyError, match=r"alert_rules\[0\]\.match_re\.host: bad pattern"):
        policy_with('[[alert_rules]]\nname = "x"\naction = "page"\nmatch_re = { host = "(" }\n')
    with pytest.raises(PolicyError, match=r"alert_rules\[0\]\.action"):
        policy_with('[[alert_rules]]\nname = "x"\naction = "explode"\n')
    with pytest.raises(PolicyError, match=r"role_rotations\.cook"):
        policy_with('role_rotations = { cook = "chefs" }\n')


def test_generic_mapping_paths() -> None:
    assert dig({"a": {"b": [{"c": 1}]}}, "a.b.0.c") == 1
    assert dig({"a": 1}, "a.b") is None
    events = parse_generic(
        {"data": {"items": [{"name": "disk", "state": "RESOLVED", "meta": {"host": "db-1"}}]}},
        {"alerts": "data.items", "title": "name", "status": "state", "labels": "meta"},
    )
    assert events[0].action is EventAction.RESOLVE
    assert events[0].labels == {"host": "db-1"}
    again = parse_generic(
        {"data": {"items": [{"name": "disk", "meta": {"host": "db-1"}}]}},
        {"alerts": "data.items", "title": "name", "labels": "meta"},
    )
    assert again[0].fingerprint == events[0].fingerprint  # stable without an id
    with pytest.raises(PayloadError, match=r"data\.items: expected"):
        parse_generic({"data": {}}, {"alerts": "data.items"})

"""The status page's vocabulary: stage and severity mappings, page indicator, uptime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.domain.enums import Stage
from warroom.domain.errors import InvalidInput
from warroom.domain.status_page import (
    ComponentStatus,
    Impact,
    ImpactWindow,
    IncidentStatus,
    incident_status,
    maintenance_status,
    page_indicator,
    parse_component_status,
    uptime,
    worst,
)
from warroom.domain.status_rules import clean_components, clean_email, clean_window

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stage", "published", "expected"),
    [
        (Stage.INVESTIGATING, False, "investigating"),
        (Stage.IDENTIFIED, False, "identified"),
        (Stage.RESTORING, False, "identified"),
        (Stage.MONITORING, False, "monitoring"),
        (Stage.MITIGATED, False, "monitoring"),
        (Stage.RESOLVED, False, "resolved"),
        (Stage.CLOSED, False, "resolved"),
        (Stage.RESOLVED, True, "postmortem"),
        (Stage.CLOSED, True, "postmortem"),
        (Stage.MITIGATED, True, "monitoring"),
    ],
)
def test_stages_map_onto_statuspage_statuses(stage: Stage, published: bool, expected: str) -> None:
    assert incident_status(stage, postmortem_published=published) == IncidentStatus(expected)


def test_the_worst_status_wins_and_the_page_says_so() -> None:
    assert worst([]) is ComponentStatus.OPERATIONAL
    assert (
        worst([ComponentStatus.DEGRADED_PERFORMANCE, ComponentStatus.MAJOR_OUTAGE])
        is ComponentStatus.MAJOR_OUTAGE
    )
    assert page_indicator([ComponentStatus.OPERATIONAL], []) == ("none", "All Systems Operational")
    assert page_indicator([ComponentStatus.PARTIAL_OUTAGE], [Impact.MINOR]) == (
        "major",
        "Partial System Outage",
    )
    assert page_indicator([], [Impact.CRITICAL])[0] == "critical"
    assert page_indicator([ComponentStatus.UNDER_MAINTENANCE], [])[0] == "maintenance"


def test_maintenance_moves_through_its_window() -> None:
    start, end = NOW, NOW + timedelta(hours=1)
    assert maintenance_status(start, end, NOW - timedelta(seconds=1)) == "scheduled"
    assert maintenance_status(start, end, NOW) == "in_progress"
    assert maintenance_status(start, end, end) == "completed"
    assert maintenance_status(start, end, NOW, completed=True) == "completed"


def test_uptime_merges_overlapping_windows_and_counts_only_outages() -> None:
    day = NOW.replace(hour=0)
    windows = [
        ImpactWindow(
            day + timedelta(hours=1), day + timedelta(hours=2), ComponentStatus.MAJOR_OUTAGE
        ),
        ImpactWindow(
            day + timedelta(hours=1, minutes=30),
            day + timedelta(hours=3),
            ComponentStatus.PARTIAL_OUTAGE,
        ),
        ImpactWindow(
            day + timedelta(hours=5), day + timedelta(hours=6), ComponentStatus.DEGRADED_PERFORMANCE
        ),
    ]
    days, percent = uptime(windows, now=NOW, days=90)
    assert len(days) == 90 and days[-1].day == NOW.date()
    today = days[-1]
    assert today.status is ComponentStatus.MAJOR_OUTAGE
    assert today.down_minutes == 120  # 01:00-03:00, the overlap counted once
    assert today.degraded_minutes == 60
    assert all(d.status is ComponentStatus.OPERATIONAL for d in days[:-1])
    total = (89 * 24 + 12) * 60
    assert percent == round(100 * (1 - 120 / total), 2)


def test_an_open_window_runs_until_now_and_spans_days() -> None:
    start = NOW - timedelta(days=1, hours=1)
    days, _ = uptime([ImpactWindow(start, None, ComponentStatus.MAJOR_OUTAGE)], now=NOW, days=3)
    assert [d.down_minutes for d in days] == [0, 780, 720]


def test_status_page_input_rules() -> None:
    assert clean_email(" Ann@Example.TEST ") == "ann@example.test"
    with pytest.raises(InvalidInput, match="email"):
        clean_email("not-an-address")
    with pytest.raises(InvalidInput, match="unknown component 'DB'"):
        clean_components(["DB"], ["API"])
    assert clean_components(["API", "API"], ["API"]) == ["API"]
    with pytest.raises(InvalidInput, match="scheduled_until"):
        clean_window(NOW, NOW)
    with pytest.raises(InvalidInput, match="status"):
        parse_component_status("broken")

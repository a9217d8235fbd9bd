"""Policy fields of the clocks: quiet hours, the business calendar, deadlines within a week."""

from __future__ import annotations

import tomllib
from datetime import date, time
from importlib import resources
from typing import Any

import pytest

from warroom.adapters.policy_file import PolicyError, load_policy, parse_policy, preset_names
from warroom.domain.enums import QuietHours


def _standard(**changes: object) -> dict:
    data = tomllib.loads((resources.files("warroom.policies") / "standard.toml").read_text())
    for dotted, value in changes.items():
        target: Any = data
        *path, last = dotted.split("__")
        for part in path:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"severities__0__retrospective_within": "6wd"}, "severities[0].retrospective_within"),
        ({"severities__0__retrospective_within": "8d"}, "more than a week after mitigation"),
        ({"severities__0__cadence": {"internal": "1wd"}}, "severities[0].cadence.internal: use"),
        ({"severities__0__cadence": {"internal": "0m"}}, "must be longer than zero"),
        ({"severities__1__identify_within": "0s"}, "severities[1].identify_within"),
        ({"severities__1__escalate_to": "sev2"}, "cannot escalate to itself"),
        ({"severities__1__quiet_hours": "snooze"}, "severities[1].quiet_hours"),
        ({"calendar__weekend": ["caturday"]}, "calendar.weekend[0]"),
        (
            {
                "calendar__weekend": [
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                ]
            },
            "calendar.weekend",
        ),
        ({"calendar__holidays": ["someday"]}, "calendar.holidays[0]"),
        ({"calendar__day_start": "18:00"}, "calendar.day_start: the working day must start"),
        ({"calendar__timezone": "Atlantis/Capital"}, "calendar.timezone: unknown time zone"),
        ({"calendar__lunch": "12:00"}, "calendar.lunch: Extra inputs are not permitted"),
    ],
)
def test_clock_errors_name_the_key(changes: dict, expected: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(_standard(**changes), source="mine.toml")
    assert expected in str(err.value)


def test_calendar_from_toml_dates_and_times() -> None:
    data = tomllib.loads(
        'name = "x"\ndefault_severity = "a"\ntimezone = "Europe/Berlin"\n'
        '[calendar]\nweekend = ["friday", "saturday"]\nholidays = [2026-12-25]\n'
        'day_start = 08:30:00\nday_end = "16:00"\n'
        '[[severities]]\nname = "a"\nlabel = "A"\nquiet_hours = "next"\n'
        'retrospective_within = "5wd"\n'
    )
    policy = parse_policy(data, source="x.toml")
    cal = policy.calendar
    assert cal.timezone == "Europe/Berlin"  # the policy's zone unless the calendar names one
    assert cal.weekend == frozenset({4, 5})
    assert cal.holidays == frozenset({date(2026, 12, 25)})
    assert (cal.day_start, cal.day_end) == (time(8, 30), time(16, 0))
    assert policy.severity("a").quiet_hours is QuietHours.NEXT


@pytest.mark.parametrize("name", ["standard", "severity-levels", "incident-response"])
def test_presets_carry_quiet_hours_and_a_calendar(name: str) -> None:
    policy = load_policy(name)
    assert {s.quiet_hours for s in policy.severities} <= set(QuietHours)
    assert policy.calendar.weekend == frozenset({5, 6})


def test_every_preset_keeps_the_retrospective_within_a_week() -> None:
    for name in preset_names():
        for level in load_policy(name).severities:
            span = level.retrospective_within
            if span is not None:
                assert span.working_days <= 5 and span.seconds <= 7 * 86400


def test_standard_quiet_hours() -> None:
    policy = load_policy("standard")
    assert policy.severity("sev2").quiet_hours is QuietHours.NEXT
    assert policy.severity("sev3").quiet_hours is QuietHours.HOLD

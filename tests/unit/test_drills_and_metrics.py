"""Drill scenario files, the [DRILL] mark, and the pure metric functions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom.adapters.drill_file import ScenarioError, bundled_names, load_scenario
from warroom.adapters.policy_file import load_policy
from warroom.domain import metrics as m
from warroom.domain.drills import DrillEvent, DrillEventKind, mark
from warroom.entrypoints.web import metrics_charts

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DEFINED = [name for name, *_ in m.MEASURES]


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_bundled_scenarios_load_and_name_known_severities() -> None:
    assert bundled_names() == ["login-outage", "payments-degraded"]
    standard = load_policy("standard")
    for name in bundled_names():
        scenario = load_scenario(name).to_domain()
        standard.severity(scenario.severity)
        assert scenario.events == tuple(sorted(scenario.events, key=lambda e: e.at))
    login = load_scenario("login-outage").to_domain()
    assert login.events[0].kind is DrillEventKind.SME_UNREACHABLE
    assert login.events[0].person == "sam"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('name = "x"\n', "bad.toml: incident: Field required"),
        (
            'name = "x"\n[incident]\ntitle = "t"\nseverity = "sev1"\n'
            '[[events]]\nat = "1m"\nkind = "sme_unreachable"\n',
            "bad.toml: events[0]: Value error, person is required for a sme_unreachable event",
        ),
        (
            'name = "x"\n[incident]\ntitle = "t"\nseverity = "sev1"\n'
            '[[events]]\nat = "soon"\nkind = "note"\ntext = "hi"\n',
            "bad.toml: events[0].at: Value error, 'soon' is not a duration",
        ),
        (
            'name = "x"\n[incident]\ntitle = "t"\nseverity = "sev1"\n'
            '[[events]]\nat = "1m"\nkind = "earthquake"\n',
            "bad.toml: events[0].kind: Input should be",
        ),
        (
            'name = "x"\ncolour = "red"\n[incident]\ntitle = "t"\nseverity = "sev1"\n',
            "bad.toml: colour: Extra inputs are not permitted",
        ),
        ('name = "x\n', "bad.toml: "),
    ],
)
def test_scenario_errors_name_the_file_and_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario("bad.toml")
    assert str(exc.value).startswith(expected), str(exc.value)


def test_an_unknown_scenario_lists_the_bundled_ones() -> None:
    with pytest.raises(ScenarioError, match="login-outage, payments-degraded"):
        load_scenario("no-such-drill")


def test_event_payload_round_trip() -> None:
    event = load_scenario("login-outage").to_domain().events[2]
    assert DrillEvent.from_payload(event.payload(2)) == event


def test_mark_prefixes_once() -> None:
    assert mark("INC-4: update due") == "[DRILL] INC-4: update due"
    assert mark(mark("x")) == "[DRILL] x"
    assert mark("") == ""


def test_update_adherence_walks_the_cadence() -> None:
    cadence, grace = timedelta(minutes=30), timedelta(minutes=5)
    # due 09:30 (+5): 09:34 on time; due 10:04 (+5): 10:20 late; due 10:50 (+5) passed
    # before the stop at 11:00: one missed.
    tally = m.update_adherence(
        start=T0,
        stop=minutes(120),
        cadence=cadence,
        grace=grace,
        updates=[minutes(34), minutes(80)],
    )
    assert (tally.on_time, tally.late, tally.missed) == (1, 1, 1)
    assert tally.as_dict()["adherence"] == round(1 / 3, 4)
    # Updates after the clock stopped do not count; nothing was owed at the stop.
    late = m.update_adherence(
        start=T0, stop=minutes(20), cadence=cadence, grace=grace, updates=[minutes(50)]
    )
    assert late.due == 0 and late.as_dict()["adherence"] is None


def test_summaries() -> None:
    s = m.summarize([600.0, 60.0, 120.0, 3600.0])
    assert s == {"count": 4, "mean_seconds": 1095.0, "median_seconds": 360.0, "p90_seconds": 3600.0}
    assert m.summarize([])["mean_seconds"] is None
    assert m.seconds_between(T0, None) is None
    assert m.seconds_between(minutes(10), T0) == 0.0  # never negative


def test_retrospective_tally() -> None:
    tally = m.RetrospectiveTally()
    tally.count(due_at=minutes(60), done_at=minutes(30), now=minutes(500))
    tally.count(due_at=minutes(60), done_at=minutes(90), now=minutes(500))
    tally.count(due_at=minutes(60), done_at=None, now=minutes(500))
    tally.count(due_at=minutes(600), done_at=None, now=minutes(500))
    assert tally.as_dict() == {
        "held_on_time": 1,
        "held_late": 1,
        "breached": 1,
        "pending": 1,
        "adherence": round(1 / 3, 4),
    }


def test_charts_escape_group_names_and_load_no_remote_script() -> None:
    hostile = "<script>alert(1)</script>"
    group = {"group": hostile, **{k: m.summarize([60.0]) for k in DEFINED}}
    svg = metrics_charts.durations_by([group], "By service")
    assert hostile not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert not re.search(r"<script[^>]*\ssrc=", svg)

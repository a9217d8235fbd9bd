"""Declaring, editing and recording: the summary triple, channel names, times, limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.unit.helpers import T0, at, declare
from warroom.domain import events
from warroom.domain.enums import Audience, EntryKind, ExperimentStatus, Visibility
from warroom.domain.errors import InvalidInput, RuleViolation
from warroom.domain.policy import Policy


def test_declare_records_everything(standard: Policy) -> None:
    inc = declare(
        standard,
        severity="sev1",
        functionality="logging in",
        state="broken",
        audience="all users",
        services=["auth", "auth", " sso "],
        customers_affected=40,
    )
    assert inc.ref == "INC-1"
    assert inc.summary_line == "Logging in is broken for all users"
    assert inc.channel == "inc-23-11-26-logging-in-broken-all-users"
    assert inc.services == ["auth", "sso"]
    assert inc.visibility is Visibility.INTERNAL
    assert inc.declared_at == inc.detected_at == T0
    assert isinstance(inc.events[0], events.IncidentDeclared)
    assert inc.new_entries[0].kind is EntryKind.SYSTEM


def test_channel_falls_back_to_the_title(standard: Policy) -> None:
    inc = declare(standard, title="Database is down!")
    assert inc.channel == "inc-23-11-26-database-is-down"


def test_channel_uses_the_policy_time_zone(standard: Policy) -> None:
    tokyo = replace(standard, timezone="Asia/Tokyo")
    late = T0.replace(hour=20)  # 05:00 the next day in Tokyo
    inc = declare(tokyo, now=late, title="x")
    assert inc.channel.startswith("inc-24-11-26-")


def test_declared_after_the_fact_keeps_true_times(standard: Policy) -> None:
    inc = declare(standard, now=at(600), occurred_at=at(10), detected_at=at(2))
    assert (inc.detected_at, inc.declared_at, inc.recorded_at) == (at(2), at(10), at(600))


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "bad\x00byte"}, "title"),
        ({"severity": "sev9"}, "severity"),
        ({"customers_affected": -1}, "customers_affected"),
        ({"occurred_at": T0 + timedelta(hours=1)}, "occurred_at"),
        ({"detected_at": T0 + timedelta(minutes=1)}, "detected_at"),
        ({"occurred_at": T0.replace(tzinfo=None)}, "occurred_at"),
        ({"functionality": ""}, "functionality"),
    ],
)
def test_bad_declarations_name_the_field(standard: Policy, kw: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        declare(standard, **kw)
    assert err.value.field == field


def test_notes_may_predate_detection_but_not_the_future(standard: Policy) -> None:
    inc = declare(standard)
    inc.log(
        EntryKind.NOTE, "deploy at 9:00", policy=standard, by="a", now=at(5), occurred_at=at(-30)
    )
    with pytest.raises(InvalidInput) as err:
        inc.log(EntryKind.NOTE, "later", policy=standard, by="a", now=at(5), occurred_at=at(20))
    assert err.value.field == "occurred_at"


def test_engine_entry_kinds_cannot_be_written_by_people(standard: Policy) -> None:
    inc = declare(standard)
    with pytest.raises(InvalidInput) as err:
        inc.log(EntryKind.STAGE_CHANGE, "fake", policy=standard, by="a", now=T0)
    assert err.value.field == "kind"


def test_updates_reset_their_audience_clock(standard: Policy) -> None:
    inc = declare(standard)
    inc.post_update(Audience.CUSTOMERS, "We are investigating", policy=standard, by="d", now=at(5))
    assert inc.last_update_customers_at == at(5)
    assert inc.last_update_internal_at is None
    assert inc.new_entries[-1].kind is EntryKind.CUSTOMER_UPDATE


def test_edit_records_what_changed(standard: Policy) -> None:
    inc = declare(standard)
    inc.edit(policy=standard, by="a", now=at(1), customers_affected=3, title=None)
    assert inc.customers_affected == 3
    assert "customers_affected=3" in inc.new_entries[-1].text
    with pytest.raises(InvalidInput):
        inc.edit(policy=standard, by="a", now=at(1), stage="closed")


def test_experiments_and_whys(standard: Policy) -> None:
    inc = declare(standard)
    exp = inc.start_experiment(
        "IdP timing out",
        action="fail over",
        policy=standard,
        by="a",
        now=at(1),
        time_box_minutes=15,
    )
    inc.conclude_experiment(
        exp.number,
        status=ExperimentStatus.CONFIRMED,
        result="it was",
        policy=standard,
        by="a",
        now=at(9),
    )
    assert exp.status is ExperimentStatus.CONFIRMED and exp.ended_at == at(9)
    with pytest.raises(RuleViolation):
        inc.conclude_experiment(
            1, status=ExperimentStatus.REFUTED, result="no", policy=standard, by="a", now=at(10)
        )
    inc.add_why("The battery is dead", policy=standard, by="a", now=at(11))
    assert [w.position for w in inc.whys] == [1]

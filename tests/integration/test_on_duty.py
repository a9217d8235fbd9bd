"""The roles matrix's on-duty column from on-call: the schedule the policy's
`role_rotations` gives a role, at the clock's time, overrides included; on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import make_warroom
from tests.fakes import ManualClock
from tests.support.catalog import CATALOG
from tests.unit.policy_helpers import policy_with
from warroom.adapters.catalog_file import CatalogIn, to_command
from warroom.bootstrap import Warroom
from warroom.domain.enums import RoleName
from warroom.domain.oncall_commands import AddOverride
from warroom.service_layer.matrix import roles_matrix
from warroom.service_layer.on_duty import RotationsOnDuty

# payments-primary hands over from bob to alice on Monday 09:00 Paris.
HAND_OFF = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ROTATIONS = (
    'role_rotations = { commander = "payments-primary", communications = "office-hours", '
    'liaison = "no-such-schedule" }\n'
)
# Weekdays 09:00-17:00 New York only: a gap at night.
OFFICE_HOURS: dict[str, Any] = {
    "name": "office-hours",
    "timezone": "America/New_York",
    "layers": [
        {
            "name": "days",
            "members": ["carol"],
            "start": "2026-11-01T09:00",
            "frequency": "daily",
            "restrictions": [
                {"start": "09:00", "end": "17:00", "days": ["mon", "tue", "wed", "thu", "fri"]}
            ],
        }
    ],
}


@pytest.fixture
def oncall(database_url: str, clock: ManualClock) -> Iterator[Warroom]:
    wr = make_warroom(database_url, clock, policy_with(ROTATIONS))
    catalog = {**CATALOG, "schedules": [*CATALOG["schedules"], OFFICE_HOURS]}
    wr.bus.handle(to_command(CatalogIn(**catalog), by="test"))
    yield wr
    wr.close()


def on_duty(wr: Warroom) -> dict[str, list[str] | None]:
    matrix = roles_matrix(wr.policy, on_duty=wr.on_duty, now=wr.clock.now())
    return {row["role"]: row["on_duty"] for row in matrix["roles"]}


def test_bootstrap_wires_on_call_into_the_matrix(oncall: Warroom) -> None:
    assert isinstance(oncall.on_duty, RotationsOnDuty)
    found = on_duty(oncall)  # Monday 09:30 UTC: bob's week; 04:30 in New York
    assert found["commander"] == ["bob"]
    assert found["communications"] == []  # a gap in office-hours: nobody
    assert found["liaison"] is None  # the schedule is not in the catalog: unknown
    assert found["worker"] is None  # no rotation: fill it in by hand


def test_on_duty_changes_at_the_hand_off(oncall: Warroom, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 30, 7, 59, 59, tzinfo=UTC))
    assert on_duty(oncall)["commander"] == ["bob"]
    clock.set(HAND_OFF)
    assert on_duty(oncall)["commander"] == ["alice"]
    clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # 10:00 in New York, a Monday
    assert on_duty(oncall)["communications"] == ["carol"]


def test_an_override_is_on_duty_while_it_lasts(oncall: Warroom, clock: ManualClock) -> None:
    oncall.bus.handle(
        AddOverride(
            schedule="payments-primary",
            person="dave",
            starts_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
            ends_at=datetime(2026, 11, 23, 18, 0, tzinfo=UTC),
            by="test",
            reason="swap",
        )
    )
    assert oncall.on_duty.on_duty(RoleName.COMMANDER, clock.now()) == ["dave"]
    assert on_duty(oncall)["commander"] == ["dave"]
    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert on_duty(oncall)["commander"] == ["bob"]

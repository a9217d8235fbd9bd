"""The port through which the roles matrix learns who is on duty for each role.

`RotationsOnDuty` answers from on-call: the policy's `role_rotations` name a schedule per
role, and whoever is on call in it now (layers, then overrides) is on duty, the same
person `fill_roles_from_rotations` would make that role when an incident is declared.
`NoOnCall` answers "unknown" for every role, for a matrix rendered without a database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from warroom.domain.enums import RoleName
from warroom.domain.policy import Policy
from warroom.service_layer.oncall import coverage
from warroom.service_layer.unit_of_work import UnitOfWork


class OnDutyLookup(Protocol):
    def on_duty(self, role: RoleName, at: datetime) -> list[str] | None:
        """Handles of the people on duty for `role` at `at`; None when nothing is known."""
        ...


class NoOnCall:
    """No on-call source configured: nobody is known to be on duty."""

    def on_duty(self, role: RoleName, at: datetime) -> list[str] | None:
        return None


class RotationsOnDuty:
    """On duty for a role: who is on call in the schedule the policy's `role_rotations`
    maps it to. A role with no rotation, or whose schedule is not in the catalog, is
    unknown (None: fill it in by hand); a gap in the schedule is nobody ([])."""

    def __init__(self, policy: Policy, uow_factory: Callable[[], UnitOfWork]) -> None:
        self.policy = policy
        self.uow_factory = uow_factory

    def on_duty(self, role: RoleName, at: datetime) -> list[str] | None:
        name = self.policy.role_rotations.get(role)
        if name is None:
            return None  # no database round trip for the roles nobody rotates through
        with self.uow_factory() as uow:
            schedule = uow.oncall.schedule(name)
            if schedule is None:
                return None
            shift = coverage(uow, schedule, at, at + timedelta(seconds=1)).at(at)
        return [shift.person] if shift else []

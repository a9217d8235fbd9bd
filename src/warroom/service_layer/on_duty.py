"""The port through which the roles matrix learns who is on duty for each role.

On-call schedules are not part of this package yet; until an adapter is wired in,
`NoOnCall` answers "unknown" and the matrix leaves the column for on-call to fill.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from warroom.domain.enums import RoleName


class OnDutyLookup(Protocol):
    def on_duty(self, role: RoleName, at: datetime) -> list[str] | None:
        """Handles of the people on duty for `role` at `at`; None when nothing is known."""
        ...


class NoOnCall:
    """No on-call source configured: nobody is known to be on duty."""

    def on_duty(self, role: RoleName, at: datetime) -> list[str] | None:
        return None
